import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay verdict CLAIM --rating …`.
struct VerdictCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verdict", abstract: "Record a reviewed rating of a claim; prints the verdict's id.")
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "The claim.") var claim: String
  @Option(help: "A rating on the newsroom's scale, e.g. \"mostly false\" (see --list-ratings).") var rating: String?
  @Option(help: "Why, in a few sentences.") var explanation = ""
  @Flag(help: "Print the rating scale and exit.") var listRatings = false

  func run() async throws {
    try await connection.run { session in
      if listRatings || rating == nil {
        let scale = try await session.call(LedgerService.getRatingScale, GetRatingScaleRequest())
        if connection.json { return Output.json(scale) }
        Output.table(
          ["RATING", "VALUE", "MEANING"], scale.ratings.map { [$0.label, String($0.value), $0.description] })
        if rating == nil && !listRatings { throw CLIError(code: .invalidArgument, message: "--rating is required") }
        return
      }
      var verdict = Verdict()
      verdict.claimID = claim
      verdict.rating = rating ?? ""
      verdict.explanation = explanation
      var request = CreateVerdictRequest()
      request.verdict = verdict
      let created = try await session.call(LedgerService.createVerdict, request)
      if connection.json { Output.json(created) } else { Output.line(created.id) }
    }
  }
}
