import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay verdict [add] CLAIM --rating …`, `verdict withdraw|list|ratings`.
struct VerdictCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verdict",
    abstract: "Reviewed ratings of claims: add, withdraw and list verdicts.",
    discussion: """
      A claim's rating is its latest active verdict's. Without a subcommand, `gainsay verdict CLAIM --rating …` adds a verdict, as `gainsay verdict add` does.

      EXAMPLES:
        gainsay verdict ratings
        gainsay verdict clm_1 --rating 'pants on fire' --explanation '…'
        gainsay verdict withdraw vrd_2 --reason 'rated the wrong claim'
        gainsay verdict list clm_1 --withdrawn
      """,
    subcommands: [Add.self, Withdraw.self, List.self, Ratings.self],
    defaultSubcommand: Add.self)

  /// `gainsay verdict add CLAIM --rating …`.
  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Record a reviewed rating of a claim; prints the verdict's id.",
      discussion: """
        The rating must be a label of the newsroom's scale (`gainsay verdict ratings` lists it). --list-ratings, kept for older scripts, prints the scale instead.

        --review-url is the address of the published fact-check: ClaimReview output uses it as the review's url. --reviewer records a rating another fact-checker gave (e.g. PolitiFact): the verdict is signed with that name, and its ClaimReview is that fact-checker's, published by the newsroom.

        EXAMPLES:
          gainsay verdict add clm_1 --rating 'mostly false' \\
            --explanation 'The detentions are documented by two reports.'
          gainsay verdict clm_1 --rating false \\
            --review-url https://daily.example/fact-checks/no-gays
          gainsay verdict clm_2 --rating 'pants on fire' --reviewer PolitiFact
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The claim.") var claim: String
    @Option(help: "A rating on the newsroom's scale, e.g. \"mostly false\" (see gainsay verdict ratings).")
    var rating: String?
    @Option(help: "Why, in a few sentences.") var explanation = ""
    @Option(name: .customLong("review-url"), help: "The published fact-check's address (http or https).")
    var reviewURL = ""
    @Option(help: "The fact-checker that gave the rating, when not the newsroom, e.g. PolitiFact.")
    var reviewer = ""
    @Flag(help: "Print the rating scale and exit (as gainsay verdict ratings).") var listRatings = false

    func run() async throws {
      try await connection.run { session in
        if listRatings || rating == nil {
          try await printScale(session)
          if rating == nil && !listRatings {
            throw CLIError(code: .invalidArgument, message: "--rating is required: pick one of the ratings above")
          }
          return
        }
        var verdict = Verdict()
        verdict.claimID = claim
        verdict.rating = rating ?? ""
        verdict.explanation = explanation
        verdict.reviewURL = reviewURL
        verdict.externalReviewer = reviewer
        var request = CreateVerdictRequest()
        request.verdict = verdict
        let created = try await session.call(LedgerService.createVerdict, request)
        if connection.json { Output.json(created) } else { Output.line(created.id) }
      }
    }
  }

  /// `gainsay verdict withdraw VERDICT --reason …`.
  struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Withdraw a verdict given in error; the claim's rating becomes its previous one.",
      discussion: """
        The verdict is kept with the reason and shown by `gainsay verdict list --withdrawn` and `gainsay history`.

        EXAMPLES:
          gainsay verdict withdraw vrd_2 --reason 'rated before the second report'
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The verdict's id (vrd_…).") var verdict: String
    @Option(help: "Why (required; kept in the audit log).") var reason: String

    func validate() throws { try requireReason(reason) }

    func run() async throws {
      try await connection.run { session in
        var request = WithdrawVerdictRequest()
        request.id = verdict
        request.reason = reason
        let withdrawn = try await session.call(LedgerService.withdrawVerdict, request)
        if connection.json { Output.json(withdrawn) } else { Output.line(withdrawn.id) }
      }
    }
  }

  /// `gainsay verdict list CLAIM`.
  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List a claim's verdicts, newest first.",
      discussion: """
        SIGNED BY is the name the verdict is signed with: the fact-checker that gave the rating, else the reviewer's display name from the daemon's config, else their user name. --json prints one whole Verdict object per line (JSON Lines), with reviewer, signedBy, reviewUrl and externalReviewer.

        EXAMPLES:
          gainsay verdict list clm_1 --withdrawn
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The claim.") var claim: String
    @Flag(help: "Include withdrawn verdicts.") var withdrawn = false

    func run() async throws {
      try await connection.run { session in
        let verdicts = try await session.verdicts(of: claim, includingWithdrawn: withdrawn)
        if connection.json { return verdicts.forEach { Output.json($0) } }
        Output.table(
          ["ID", "RATING", "STATE", "SIGNED BY", "TIME", "EXPLANATION"],
          verdicts.map {
            [
              $0.id, $0.rating, $0.stateWord, $0.signedBy, Output.time($0.createTime),
              Output.short($0.state == .withdrawn ? "withdrawn: \($0.withdrawalReason)" : $0.explanation, 50),
            ]
          })
      }
    }
  }

  /// `gainsay verdict ratings`.
  struct Ratings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the newsroom's rating scale, best first.",
      discussion: """
        EXAMPLES:
          gainsay verdict ratings
          gainsay verdict ratings --json
        """)
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      try await connection.run { session in try await printScale(session) }
    }
  }
}

/// Prints the rating scale: a table, or with --json the RatingScale object.
private func printScale(_ session: Session) async throws {
  let scale = try await session.call(LedgerService.getRatingScale, GetRatingScaleRequest())
  if session.options.json { return Output.json(scale) }
  Output.table(["RATING", "VALUE", "MEANING"], scale.ratings.map { [$0.label, String($0.value), $0.description] })
}
