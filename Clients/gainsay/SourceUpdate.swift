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
        A new archived text (--text-file) must still hold the passage of every active link to the source. If it does not, nothing changes and the error names the links whose quote no longer occurs; pass --withdraw-broken-links to withdraw those links in the same change (each with the reason given) and list them. --if-revision N applies the update only to revision N, the one you read (`gainsay source show` prints it): if anyone changed the source since, nothing changes and the error names both revisions (exit 73). The source's links are compared before and after, so the list is exactly what was withdrawn. Prints the source's id, each withdrawn link on standard error; --json prints the Source with one key added, withdrawnLinks (their ids).

        EXAMPLES:
          gainsay source update src_1 --published 2017-04-01 --reason 'print date'
          gainsay source update src_1 --text-file fixed.txt \\
            --reason 'the archive had the wrong article'
          gainsay source update src_1 --text-file fixed.txt \\
            --withdraw-broken-links --reason 'the article was corrected'
          gainsay source update src_1 --title 'Murder of gay men in Chechnya' \\
            --if-revision 3 --reason typo
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
    @Option(help: "Change only revision N, the one you read; refused if the source changed since.")
    var ifRevision: Int32?

    func validate() throws {
      try requireReason(reason)
      try requireRevision(ifRevision)
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
        request.expectedRevision = ifRevision ?? 0
        // A refusal names the links the new text would break and the flag; with the flag, the links
        // this update withdrew are those active before and now withdrawn with its reason.
        let reports = withdrawBrokenLinks && text != nil
        let before = reports ? try await linksOfSource(session).filter { $0.state != .withdrawn }.map(\.id) : []
        let updated = try await session.call(LedgerService.updateSource, request)
        let withdrawn =
          reports
          ? try await linksOfSource(session).filter { link in
            before.contains(link.id) && link.state == .withdrawn
              && link.withdrawalReason.hasPrefix("the passage no longer occurs in the updated text of \(id)")
          }.map(\.id) : []
        if connection.json {
          return Output.json(updated, adding: [("withdrawnLinks", .array(withdrawn.map { .string($0) }))])
        }
        for link in withdrawn { Output.error("gainsay: withdrew link \(link): its quote is not in the new text") }
        Output.line(updated.id)
      }
    }

    /// The source's links, withdrawn ones included, in the daemon's order.
    private func linksOfSource(_ session: Session) async throws -> [Link] {
      var links = ListLinksRequest()
      links.sourceID = id
      links.includeWithdrawn = true
      return try await session.allLinks(links)
    }
  }
}
