import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay report`.
struct ReportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "A contradiction report: each claim, its verdict, and the evidence against it.",
    discussion: """
      Select by speaker, topic, claims or dates (at least one of --speaker, --topic, --claim). Formats: \
      markdown (default), html (one self-contained page with a timeline), json, and claimreview \
      (schema.org ClaimReview JSON-LD for every reviewed claim). --json without --format is \
      --format json; with --check it prints the findings as JSON.

      A ClaimReview names the newsroom that publishes it: the daemon's config keys "publisher" and \
      "publisherURL", or --publisher and --publisher-url; without them it is refused (exit 73). Each \
      review's url is its verdict's --review-url.

      --check (claimreview only) checks the reviews against the fields Google's Fact Check markup \
      requires and recommends, and prints what each claim lacks and how to fix it (with --json, one \
      object per claim) instead of the document; --output still writes the document. It exits 73 \
      (FAILED_PRECONDITION) when a required field is missing, 0 when only recommended ones are.

      EXAMPLES:
        gainsay report --speaker 'Ramzan Kadyrov' > kadyrov.md
        gainsay report --topic chechnya --since 2017 --format html > chechnya.html
        gainsay report --claim CLAIM --claim CLAIM --format claimreview
        gainsay report --topic lgbt --format claimreview --check \\
          --publisher 'The Daily Example' --publisher-url https://daily.example \\
          --output reviews.jsonld
      """)
  @OptionGroup var connection: ConnectionOptions
  @Option(help: "Claims by this speaker (id, name or alias).") var speaker: String?
  @Option(help: "Claims with this topic.") var topic = ""
  @Option(help: "This claim (repeatable).") var claim: [String] = []
  @Option(help: "Said on or after (YYYY, YYYY-MM or YYYY-MM-DD).") var since: String?
  @Option(help: "Said on or before.") var until: String?
  @Option(help: "markdown (default; json with --json), html, json or claimreview.") var format: String?
  @Option(help: "A title instead of the one derived from the selection.") var title = ""
  @Option(help: "Write to this file (new or replaced whole, mode 0600) instead of standard output.")
  var output: String?
  @OptionGroup var newsroom: PublisherOptions
  @Flag(help: "With --format claimreview: check each review's required and recommended fields.")
  var check = false

  func validate() throws {
    if check && format?.lowercased() != "claimreview" {
      throw ValidationError("--check checks ClaimReview output: add --format claimreview")
    }
  }

  func run() async throws {
    let formats: [String: ReportFormat] = [
      "markdown": .markdown, "html": .html, "json": .json, "claimreview": .claimreview,
    ]
    let format = self.format ?? (connection.json ? "json" : "markdown")
    guard let chosen = formats[format.lowercased()] else {
      throw ValidationError("--format: \"\(format)\" is not markdown, html, json or claimreview")
    }
    let from = try since.map { try parseDate($0, option: "--since") }
    let to = try until.map { try parseDate($0, option: "--until") }
    guard speaker != nil || !topic.isEmpty || !claim.isEmpty else {
      throw ValidationError("give --speaker, --topic or --claim to choose what the report covers")
    }
    try await connection.run { session in
      var request = GenerateReportRequest()
      if let speaker { request.speakerID = try await session.speakerID(speaker) }
      request.topic = topic
      request.claimIds = claim
      request.since = from
      request.until = to
      request.format = chosen
      request.title = title
      newsroom.apply(to: &request)
      var bytes: [UInt8] = []
      var header: ReportHeader?
      for try await chunk in session.stream(LedgerService.generateReport, request) {
        switch chunk.part {
        case .header(let value)?: header = value
        case .data(let data)?: bytes += data
        case nil: break
        }
      }
      if let output {
        try PrivateFile.write(bytes, to: output)
        Output.error("gainsay: wrote \(output) (\(bytes.count) bytes, \(header?.contentType ?? "?"))")
      }
      if check {
        try await ClaimReviewCheckOutput.run(bytes, session: session)
      } else if output == nil {
        Output.raw(bytes)
      }
    }
  }
}
