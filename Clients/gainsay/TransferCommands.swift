import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay suggest CLAIM`.
struct SuggestCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "suggest",
    abstract: "Sources whose archived text most likely addresses a claim, with the passage to quote.",
    discussion: """
      Each suggestion shows a source and its best matching passage, ready to pass to `gainsay link` as --quote.

      EXAMPLES:
        gainsay suggest CLAIM --limit 5
      """)
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "The claim.") var claim: String
  @Option(help: "At most this many suggestions.") var limit = 10

  func run() async throws {
    guard limit > 0 else { throw ValidationError("--limit must be positive") }
    try await connection.run { session in
      var request = SuggestEvidenceRequest()
      request.claimID = claim
      request.limit = Int32(limit)
      var any = false
      for try await suggestion in session.stream(LedgerService.suggestEvidence, request) {
        any = true
        if connection.json {
          Output.json(suggestion)
          continue
        }
        let source = suggestion.source ?? Source()
        Output.line("\(Output.bold(source.id))  \(source.outlet): \(source.title)")
        if let passage = suggestion.passage, !passage.exact.isEmpty {
          Output.line("    “\(passage.exact)”")
          let quoted = passage.exact.replacingOccurrences(of: "'", with: "'\\''")
          Output.line(Output.dim("    gainsay link \(claim) \(source.id) --relation contradicts --quote '\(quoted)'"))
        }
      }
      if !any && !connection.json { Output.error("gainsay: no source in the ledger seems to address \(claim)") }
    }
  }
}

/// `gainsay export`.
struct ExportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract:
      "Everything in the ledger as JSON Lines: speakers, sources with archived text, claims with revisions, links, verdicts; with --audit, restorable by `gainsay restore`.",
    discussion: """
      One LedgerRecord per line in the proto3 JSON mapping, e.g. {"speaker": {…}}.

      EXAMPLES:
        gainsay export --audit --output ledger.jsonl
        gainsay export --format claimreview --publisher 'The Daily Example' \\
          --publisher-url https://daily.example > reviews.jsonld

      ClaimReview names the newsroom: --publisher and --publisher-url, or the
      daemon's config ("publisher", "publisherURL").
      """)
  @OptionGroup var connection: ConnectionOptions
  @Option(help: "jsonl (everything, re-importable) or claimreview (schema.org JSON-LD of every reviewed claim).")
  var format = "jsonl"
  @Flag(help: "Include the audit log (jsonl).") var audit = false
  @OptionGroup var newsroom: PublisherOptions
  @Option(help: "Write to this file (new or replaced whole, mode 0600) instead of standard output.")
  var output: String?

  func run() async throws {
    guard ["jsonl", "claimreview"].contains(format.lowercased()) else {
      throw ValidationError("--format: \"\(format)\" is not jsonl or claimreview")
    }
    guard format.lowercased() == "claimreview" || newsroom.isEmpty else {
      throw ValidationError("--publisher and --publisher-url go with --format claimreview")
    }
    var options = connection
    options.timeout = max(connection.timeout, 600)
    if format.lowercased() == "claimreview" {
      return try await options.run { session in try await exportClaimReviews(session) }
    }
    try await options.run { session in
      var request = ExportRequest()
      request.includeAuditEvents = audit
      var lines: [String] = []
      var count = 0
      for try await record in session.stream(LedgerService.export, request) {
        count += 1
        if output == nil {
          Output.line(record.jsonValue.serialized())
        } else {
          lines.append(record.jsonValue.serialized())
        }
      }
      if let output {
        let text = lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        try PrivateFile.write(Array(text.utf8), to: output)
        Output.error("gainsay: exported \(count) records to \(output)")
      }
    }
  }
}

extension ExportCommand {
  /// Every reviewed claim as ClaimReview: the daemon renders them speaker by speaker, merged here.
  func exportClaimReviews(_ session: Session) async throws {
    var speakers = ListSpeakersRequest()
    speakers.pageSize = 1000
    var reviews: [JSONValue] = []
    repeat {
      let page = try await session.call(LedgerService.listSpeakers, speakers)
      for speaker in page.speakers {
        var request = GenerateReportRequest()
        request.speakerID = speaker.id
        request.format = .claimreview
        newsroom.apply(to: &request)
        var bytes: [UInt8] = []
        for try await chunk in session.stream(LedgerService.generateReport, request) {
          if case .data(let data)? = chunk.part { bytes += data }
        }
        guard case .array(let items) = try JSONValue.parse(String(decoding: bytes, as: UTF8.self)) else {
          throw CLIError(code: .internal, message: "the daemon's ClaimReview output is not a JSON array")
        }
        reviews += items
      }
      speakers.pageToken = page.nextPageToken
    } while !speakers.pageToken.isEmpty
    let text = Self.scriptSafe(JSONValue.array(reviews).serialized(pretty: true) + "\n")
    if let output {
      try PrivateFile.write(Array(text.utf8), to: output)
      Output.error("gainsay: exported \(reviews.count) ClaimReviews to \(output)")
    } else {
      Output.raw(Array(text.utf8))
    }
  }

  /// JSON with `<`, `>` and `&` written as `\u003c`, `\u003e` and `\u0026`, as the daemon writes
  /// ClaimReview: the merged array is serialized again here, and is meant to be pasted into
  /// `<script type="application/ld+json">`, which a `</script>` in a quote would otherwise end.
  static func scriptSafe(_ json: String) -> String {
    json.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
      .replacingOccurrences(of: "&", with: "\\u0026")
  }
}
