import Foundation
public import GainsayProto

/// Contradiction reports, streamed.
extension Ledger {
  /// A contradiction report, streamed: `deliver` receives first a chunk with the header, then the
  /// rendered bytes in data chunks of at most 64 KiB as they are produced. The report is built a page of
  /// claims at a time from one snapshot of the ledger, so its memory does not grow with its size, and
  /// each chunk waits for `deliver` (a slow reader slows the report instead of filling memory).
  ///
  /// Errors in the request (validation, unknown claims, too large a selection) are thrown before anything
  /// is delivered.
  public func generateReport(
    _ request: GenerateReportRequest, caller: CallerIdentity,
    deliver: @escaping (ReportChunk) async throws -> Void
  ) async throws {
    try require(.reader, caller, to: "generating reports")
    var checked = request
    checked.speakerID = try Validate.line(request.speakerID, field: "speaker_id", required: false)
    checked.topic = try Validate.line(request.topic, field: "topic", required: false, maximum: 64)
    checked.title = try Validate.line(request.title, field: "title", required: false, maximum: 300)
    checked.publisher = try Validate.line(request.publisher, field: "publisher", required: false)
    checked.publisherURL = try Validate.url(request.publisherURL, field: "publisher_url")
    let publisher = checked.publisher.isEmpty ? configuration.publisher : checked.publisher
    let publisherURL = checked.publisherURL.isEmpty ? configuration.publisherURL : checked.publisherURL
    if request.format == .claimreview, publisher.isEmpty || publisherURL.isEmpty {
      let missing = [publisher.isEmpty ? "publisher" : nil, publisherURL.isEmpty ? "publisherURL" : nil]
        .compactMap { $0 }
      throw LedgerError(
        .failedPrecondition,
        "a ClaimReview names the newsroom that publishes it, and \(missing.joined(separator: " and ")) "
          + "\(missing.count == 1 ? "is" : "are") not set: add \(missing.map { "\"\($0)\"" }.joined(separator: " and ")) "
          + "to the daemon's config file, or pass them with the request (--publisher NAME --publisher-url URL "
          + "with gainsay report or gainsay export)",
        field: missing.first == "publisher" ? "publisher" : "publisher_url")
    }
    guard !checked.speakerID.isEmpty || !checked.topic.isEmpty || !checked.claimIds.isEmpty else {
      throw LedgerError.invalid("speaker_id", "a report needs a speaker_id, a topic or claim_ids")
    }
    guard checked.claimIds.count <= ReportBuilder.maximumClaims else {
      throw LedgerError.invalid("claim_ids", "at most \(ReportBuilder.maximumClaims) claims")
    }
    if !checked.speakerID.isEmpty {
      checked.speakerID = try await liveSpeakerID(checked.speakerID, field: "speaker_id")
    }
    let farFuture = PartialDate(year: 9999)
    checked.since = try Validate.date(request.since, field: "since", required: false, today: farFuture)
    checked.until = try Validate.date(request.until, field: "until", required: false, today: farFuture)
    if let since = checked.since, let until = checked.until, since.rangeStart > until.rangeEnd {
      throw LedgerError.invalid("until", "\(until.iso) is before since, \(since.iso): nothing could be selected")
    }
    if case .unrecognized(let value) = request.format {
      throw LedgerError.invalid("format", "\(value) is not a report format")
    }
    let generateTime = Timestamp(date: now())
    try await store.readReport { reader in
      let builder = ReportBuilder(reader: reader, configuration: configuration)
      let keys = try await builder.selectClaims(checked)
      var head = Report()
      head.title = checked.title.isEmpty ? try await builder.defaultTitle(checked) : checked.title
      head.generateTime = generateTime
      head.publisher = publisher
      head.publisherURL = publisherURL
      head.selection = checked
      var header = ReportChunk()
      header.part = .header(ReportRenderer.header(format: request.format, title: head.title))
      try await deliver(header)

      var writer = ReportRenderer.writer(
        format: request.format, scale: configuration.ratingScale, publisherURL: publisherURL)
      let sink = ReportSink { bytes in
        var chunk = ReportChunk()
        chunk.part = .data(bytes)
        try await deliver(chunk)
      }
      // Formats that state totals, sections or a timeline read the pages more than once (ReportComposer).
      let composer = ReportComposer(claims: keys.count) { indices, body in
        try await builder.forEachPage(indices.map { keys[$0] }, body)
      }
      try await composer.write(head, with: &writer, to: sink)
    }
  }

  /// A contradiction report, whole: its header and its bytes in chunks of at most 64 KiB. For callers
  /// that want it in memory (tests, small reports); the RPC streams it with
  /// ``generateReport(_:caller:deliver:)``.
  public func generateReport(
    _ request: GenerateReportRequest, caller: CallerIdentity
  ) async throws -> (ReportHeader, [[UInt8]]) {
    var header = ReportHeader()
    var chunks: [[UInt8]] = []
    try await generateReport(request, caller: caller) { chunk in
      switch chunk.part {
      case .header(let value)?: header = value
      case .data(let bytes)?: chunks.append(bytes)
      case nil: break
      }
    }
    return (header, chunks)
  }
}
