import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay link CLAIM TARGET --relation …`.
struct LinkCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "link",
    abstract: "Link a claim to a source or another claim; prints the new link's id.",
    discussion: """
      Example: gainsay link CLAIM SOURCE --relation contradicts --quote '…the exact passage…'
      The passage must occur verbatim in the source's archived text when it has one.
      """)
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "The claim.") var claim: String
  @Argument(help: "A source id (src_…) or another claim's id (clm_…).") var target: String
  @Option(help: "contradicts, supports, context or repeats.") var relation: String
  @Option(help: "The exact evidence passage.") var quote = ""
  @Option(help: "A few characters just before the passage, to tell repeats apart.") var prefix = ""
  @Option(help: "A few characters just after the passage.") var suffix = ""
  @Option(help: "Your note on the link.") var note = ""

  func run() async throws {
    let relationValue: Relation
    switch relation.lowercased() {
    case "contradicts": relationValue = .contradicts
    case "supports": relationValue = .supports
    case "context": relationValue = .context
    case "repeats": relationValue = .repeats
    default: throw ValidationError("--relation: \"\(relation)\" is not contradicts, supports, context or repeats")
    }
    try await connection.run { session in
      var link = Link()
      link.claimID = claim
      if target.hasPrefix("src_") {
        link.target = .sourceID(target)
      } else if target.hasPrefix("clm_") {
        link.target = .targetClaimID(target)
      } else {
        throw CLIError(
          code: .invalidArgument, message: "target: \"\(target)\" is neither a source (src_…) nor a claim (clm_…)")
      }
      link.relation = relationValue
      if !quote.isEmpty || !prefix.isEmpty || !suffix.isEmpty {
        var text = TextQuote()
        text.exact = quote
        text.prefix = prefix
        text.suffix = suffix
        link.quote = text
      }
      link.note = note
      var request = CreateLinkRequest()
      request.link = link
      let created = try await session.call(LedgerService.createLink, request)
      if created.unverified && !connection.json {
        Output.error("gainsay: note: the source has no archived text, so the quote is unverified")
      }
      if connection.json { Output.json(created) } else { Output.line(created.id) }
    }
  }
}
