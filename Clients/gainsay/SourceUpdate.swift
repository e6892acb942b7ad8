import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

extension SourceCommand {
  /// `gainsay source update SOURCE [--title …] … --reason …`.
  struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Correct a source; only the options given change.",
      discussion: """
        A new archived text (--text-file) must still hold the passage of every active link to the source. If it does not, nothing changes and the error names the links whose quote no longer occurs; pass --withdraw-broken-links to withdraw those links in the same change (each with the reason given) and list them. The source's links are compared before and after, so the list is exactly what was withdrawn. Prints the source's id, each withdrawn link on standard error; --json prints the Source with one key added, withdrawnLinks (their ids).

        EXAMPLES:
          gainsay source update src_1 --published 2017-04-01 --reason 'print date'
          gainsay source update src_1 --text-file fixed.txt \\
            --reason 'the archive had the wrong article'
          gainsay source update src_1 --text-file fixed.txt \\
            --withdraw-broken-links --reason 'the article was corrected'
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The source's id.") var id: String
    @Option(help: "Why (required; kept in the audit log).") var reason: String
    @Option(help: "Its title.") var title: String?
    @Option(help: "The publisher.") var outlet: String?
    @Option(help: "Where it was published.") var url: String?
    @Option(help: "When: YYYY, YYYY-MM or YYYY-MM-DD.") var published: String?
    @Option(help: "An author (repeatable; replaces the list).") var author: [String] = []
    @Option(help: "Language of the text, e.g. en.") var lang: String?
    @Option(help: "news, statement, ngo, court, academic, interview, social, dataset or other.") var kind: String?
    @Option(help: "A file with the new archived text, or - for standard input.") var textFile: String?
    @Flag(help: "Withdraw the links whose quote the new text no longer holds.") var withdrawBrokenLinks = false

    func validate() throws {
      try requireReason(reason)
      if withdrawBrokenLinks && textFile == nil {
        throw ValidationError("--withdraw-broken-links goes with --text-file")
      }
    }

    func run() async throws {
      let date = try published.map { try parseDate($0, option: "--published") }
      let sourceKind = try kind.map(SourceCommand.kind)
      let text = try textFile.map(readTextFile)
      try await connection.run { session in
        var source = Source()
        source.id = id
        var mask = FieldMask()
        if let title { source.title = title; mask.paths.append("title") }
        if let outlet { source.outlet = outlet; mask.paths.append("outlet") }
        if let url { source.url = url; mask.paths.append("url") }
        if let date { source.publishedOn = date; mask.paths.append("published_on") }
        if !author.isEmpty { source.authors = author; mask.paths.append("authors") }
        if let lang { source.language = lang; mask.paths.append("language") }
        if let sourceKind { source.kind = sourceKind; mask.paths.append("kind") }
        if let text { source.archivedText = text; mask.paths.append("archived_text") }
        guard !mask.paths.isEmpty else {
          throw CLIError(code: .invalidArgument, message: "nothing to change: give at least one option")
        }
        var request = UpdateSourceRequest()
        request.source = source
        request.updateMask = mask
        request.reason = reason
        request.withdrawBrokenLinks = withdrawBrokenLinks
        let before = text == nil ? [] : try await activeLinkIDs(session)
        let updated: Source
        do {
          updated = try await session.call(LedgerService.updateSource, request)
        } catch let error as RPCError
          where error.code == .failedPrecondition && text != nil && !error.message.contains("--withdraw-broken-links")
        {
          // The daemon names the links; say how to go ahead if it does not.
          throw CLIError(
            code: error.code,
            message: error.message + "; to withdraw those links with the update, pass --withdraw-broken-links")
        }
        let after = text == nil ? [] : try await activeLinkIDs(session)
        let withdrawn = before.filter { !after.contains($0) }
        if connection.json {
          guard case .object(var fields) = updated.jsonValue else { return Output.json(updated) }
          fields.append(("withdrawnLinks", .array(withdrawn.map { .string($0) })))
          return Output.jsonLine(JSONValue.object(fields).serialized())
        }
        for link in withdrawn { Output.error("gainsay: withdrew link \(link): its quote is not in the new text") }
        Output.line(updated.id)
      }
    }

    /// The ids of the source's active links, in the daemon's order.
    private func activeLinkIDs(_ session: Session) async throws -> [String] {
      var links = ListLinksRequest()
      links.sourceID = id
      return try await session.allLinks(links).filter { $0.state != .withdrawn }.map(\.id)
    }
  }
}
