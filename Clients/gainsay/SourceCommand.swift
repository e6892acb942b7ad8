import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay source add|show|list|update`.
struct SourceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "source", abstract: "Reports and documents, with an archived copy of their text.",
    discussion: """
      EXAMPLES:
        gainsay source add --title 'Detentions in Chechnya' \\
          --outlet 'Novaya Gazeta' --published 2017-04-01 --text-file report.txt
        gainsay source show src_1
        gainsay source update src_1 --title 'Detentions' --reason 'headline'
      """,
    subcommands: [Add.self, Show.self, List.self, Update.self])

  static let kinds = [
    "news": SourceKind.newsReport, "statement": .officialStatement, "ngo": .ngoReport, "court": .courtRuling,
    "academic": .academic, "interview": .interview, "social": .socialMedia, "dataset": .dataset, "other": .other,
  ]

  static func kind(_ text: String) throws -> SourceKind {
    guard let kind = kinds[text.lowercased()] else {
      throw ValidationError("--kind: \"\(text)\" is not one of \(kinds.keys.sorted().joined(separator: ", "))")
    }
    return kind
  }

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Add a source; prints the new id.",
      discussion: """
        Archive the text (--text-file) whenever you can: quotes from a source with archived text are checked against it, and links outlive the web page.

        EXAMPLES:
          gainsay source add --title 'Detentions in Chechnya' \\
            --outlet 'Novaya Gazeta' --published 2017-04-01 --text-file report.txt
        """)
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Its title.") var title: String
    @Option(help: "The publisher, e.g. \"Novaya Gazeta\".") var outlet: String
    @Option(help: "Where it was published.") var url = ""
    @Option(help: "When: YYYY, YYYY-MM or YYYY-MM-DD.") var published: String?
    @Option(help: "news, statement, ngo, court, academic, interview, social, dataset or other.") var kind = "news"
    @Option(help: "An author (repeatable).") var author: [String] = []
    @Option(help: "Language of the text, e.g. en.") var lang = ""
    @Option(help: "A file with the source's text to archive, or - for standard input.") var textFile: String?

    func run() async throws {
      let date = try published.map { try parseDate($0, option: "--published") }
      let sourceKind = try SourceCommand.kind(kind)
      let text = try textFile.map(readTextFile) ?? ""
      try await connection.run { session in
        var source = Source()
        source.title = title
        source.outlet = outlet
        source.url = url
        source.publishedOn = date
        source.kind = sourceKind
        source.authors = author
        source.language = lang
        source.archivedText = text
        var request = CreateSourceRequest()
        request.source = source
        let created = try await session.call(LedgerService.createSource, request)
        if connection.json { Output.json(created) } else { Output.line(created.id) }
      }
    }
  }

  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a source and the links to it.",
      discussion: """
        Lists the active links to the source (--withdrawn adds withdrawn ones). --json prints one object: the Source's fields plus "links", the Link objects.

        EXAMPLES:
          gainsay source show src_1 --text
          gainsay source show src_1 --withdrawn --json
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The source's id.") var id: String
    @Flag(help: "Also print the archived text.") var text = false
    @Flag(help: "Include withdrawn links.") var withdrawn = false

    func run() async throws {
      try await connection.run { session in
        var request = GetSourceRequest()
        request.id = id
        request.view = text ? .full : .basic
        let source = try await session.call(LedgerService.getSource, request)
        var links = ListLinksRequest()
        links.sourceID = source.id
        links.includeWithdrawn = withdrawn
        let found = try await session.allLinks(links)
        if connection.json {
          return Output.json(source, adding: [("links", .array(found.map(\.jsonValue)))])
        }
        Output.line(Output.bold(source.title))
        Output.record([
          ("id", source.id), ("outlet", source.outlet), ("authors", source.authors.joined(separator: ", ")),
          ("url", source.url), ("published", source.publishedOn?.iso ?? ""),
          ("kind", source.kind.protoName.replacingOccurrences(of: "SOURCE_KIND_", with: "").lowercased()),
          (
            "archived",
            source.archivedTextSize > 0 ? "\(source.archivedTextSize) bytes, sha256 \(source.archivedTextSha256)" : ""
          ),
          ("links", String(found.count)), ("revision", source.revision > 0 ? String(source.revision) : ""),
        ])
        if !found.isEmpty {
          Output.line()
          let evidence = try await session.evidence(found)
          Output.table(
            ["LINK", "RELATION", "STATE", "CLAIM", "QUOTE"],
            evidence.map { [$0.link.id, $0.link.relation.word, $0.stateWord, $0.link.claimID, $0.quoteCell] })
        }
        if text && !source.archivedText.isEmpty {
          Output.line()
          Output.text(source.archivedText)
        }
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List sources.",
      discussion: """
        EXAMPLES:
          gainsay source list --outlet 'Novaya Gazeta' --kind news
        """)
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this outlet.") var outlet = ""
    @Option(help: "Only this kind.") var kind: String?

    func run() async throws {
      let sourceKind = try kind.map(SourceCommand.kind)
      try await connection.run { session in
        var request = ListSourcesRequest()
        request.outlet = outlet
        request.kind = sourceKind ?? .unspecified
        request.pageSize = 1000
        var rows: [[String]] = []
        repeat {
          let page = try await session.call(LedgerService.listSources, request)
          for source in page.sources {
            if connection.json {
              Output.json(source)
            } else {
              rows.append([
                source.id, source.publishedOn?.iso ?? "", Output.short(source.outlet, 24), Output.short(source.title),
              ])
            }
          }
          request.pageToken = page.nextPageToken
        } while !request.pageToken.isEmpty
        if !connection.json { Output.table(["ID", "PUBLISHED", "OUTLET", "TITLE"], rows) }
      }
    }
  }
}

/// The UTF-8 text of a file, or of standard input when `path` is "-".
func readTextFile(_ path: String) throws -> String {
  let data: Data
  if path == "-" {
    data = FileHandle.standardInput.readDataToEndOfFile()
  } else {
    guard let contents = FileManager.default.contents(atPath: path) else {
      throw ValidationError("--text-file: cannot read \(path)")
    }
    data = contents
  }
  guard let decoded = String(data: data, encoding: .utf8) else { throw ValidationError("--text-file: not UTF-8 text") }
  return decoded
}
