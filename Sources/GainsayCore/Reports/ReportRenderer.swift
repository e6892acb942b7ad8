import Foundation
public import GainsayProto

/// Renders a report as Markdown, self-contained HTML, JSON or schema.org ClaimReview JSON-LD, in pieces:
/// the beginning, each entry as it is built, then the end, so a report of any size is written while it
/// is read and never held whole.
public enum ReportRenderer {
  /// The header of a report in `format` titled `title`.
  public static func header(format: ReportFormat, title: String) -> ReportHeader {
    var header = ReportHeader()
    header.format = format
    let base = slug(title)
    switch format {
    case .html:
      header.contentType = "text/html; charset=utf-8"
      header.suggestedFileName = base + ".html"
    case .json:
      header.contentType = "application/json"
      header.suggestedFileName = base + ".json"
    case .claimreview:
      header.contentType = "application/ld+json"
      header.suggestedFileName = base + ".claimreview.jsonld"
    default:
      header.format = .markdown
      header.contentType = "text/markdown; charset=utf-8"
      header.suggestedFileName = base + ".md"
    }
    return header
  }

  /// The writer of a format.
  static func writer(
    format: ReportFormat, scale: RatingScale, publisherURL: String
  ) -> any ReportFormatWriter {
    switch format {
    case .html: HTMLReport.Writer()
    case .json: JSONReport.Writer()
    case .claimreview: ClaimReviewExport.Writer(scale: scale, publisherURL: publisherURL)
    default: MarkdownReport.Writer()
    }
  }

  /// A file-name-safe form of a title: lower-case ASCII letters, digits and dashes.
  static func slug(_ title: String) -> String {
    let folded = title.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
    var slug = ""
    for scalar in folded.unicodeScalars {
      if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
        slug.unicodeScalars.append(scalar)
      } else if !slug.hasSuffix("-") {
        slug += "-"
      }
    }
    let trimmed = slug.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    return trimmed.isEmpty ? "report" : String(trimmed.prefix(80))
  }

  /// "2017-07-14" for a timestamp, in UTC.
  static func day(_ timestamp: Timestamp?) -> String {
    guard let timestamp else { return "" }
    return PartialDate.today(now: timestamp.date).iso
  }

  /// Who signs a verdict: ``Verdict/signedBy`` (the reviewer's display name from the config, else the
  /// external reviewer, else the user name), else whatever the verdict names.
  static func signature(_ verdict: Verdict) -> String {
    for name in [verdict.signedBy, verdict.externalReviewer, verdict.reviewer?.userName ?? ""] where !name.isEmpty {
      return name
    }
    return "?"
  }

  /// The totals of a byline: "12 claims, 5 contradicted, 1 flip-flop" (flip-flops only when there are some).
  static func totals(_ overview: ReportOverview) -> String {
    var text = "\(overview.claims) claim\(overview.claims == 1 ? "" : "s"), \(overview.contradictedClaims) contradicted"
    if overview.flipFlopCount > 0 {
      text += ", \(overview.flipFlopCount) flip-flop\(overview.flipFlopCount == 1 ? "" : "s")"
    }
    return text
  }

  static func relationWord(_ relation: Relation) -> String {
    relation.protoName.replacingOccurrences(of: "RELATION_", with: "").lowercased()
  }
}

/// What a format states before its entries that depends on all of them: the totals of the byline, which
/// claims each section holds, the flip-flops, and for HTML the timeline. Gathered in a first pass over
/// the entries (in the same snapshot); it holds a bit per claim and a key per flip-flop, never entries.
struct ReportOverview {
  private var tally = ReportTally()
  var timeline: ReportTimeline?
  /// Whether each claim, by its index in the report, is contradicted.
  private(set) var contradicted: [Bool] = []

  var claims: Int { tally.claims }
  var contradictedClaims: Int { tally.contradictedClaims }
  /// The number of flip-flops.
  var flipFlopCount: Int { tally.flipFlops.count }
  /// The indices of the claims where each flip-flop is first shown, in order.
  var flipFlopClaims: [Int] { Set(tally.flipFlops.values).sorted() }
  /// The summary of the whole report, counted in report order.
  var summary: ReportSummary { tally.summary }

  mutating func add(_ entry: ReportEntry) {
    timeline?.add(entry)
    contradicted.append(ReportTally.isContradicted(entry))
    tally.add(entry)
  }

  /// Whether the flip-flop `key` is shown first by the claim at `index`.
  func showsFlipFlop(_ key: String, at index: Int) -> Bool { tally.flipFlops[key] == index }

  /// The indices of the claims a section holds, in report order.
  func claims(in section: ReportSection) -> [Int] {
    switch section {
    case .all: Array(0..<claims)
    case .contradicted: contradicted.indices.filter { contradicted[$0] }
    case .notContradicted: contradicted.indices.filter { !contradicted[$0] }
    case .flipFlops: flipFlopClaims
    }
  }
}

/// The parts of a report that list claims, in the order Markdown and HTML write them. JSON and
/// ClaimReview write one part, every claim in chronological order.
enum ReportSection: CaseIterable {
  /// Every claim, oldest first.
  case all
  /// Claims a source or another claim contradicts.
  case contradicted
  /// Pairs of claims of one speaker that contradict each other.
  case flipFlops
  /// Claims nothing in the ledger contradicts (supported, or not checked).
  case notContradicted
}

/// Writes one format of a report in order: ``begin(_:overview:to:)``; for each of its ``sections``
/// (each a pass over the claims it holds) ``beginSection(_:overview:to:)``, each entry (or, for
/// flip-flops, each pair), ``endSection(_:to:)``; then ``end(_:entries:to:)``.
protocol ReportFormatWriter {
  /// The overview ``begin(_:overview:to:)`` needs, to be filled by a first pass; nil when it needs none.
  var overview: ReportOverview? { get }
  /// The sections it writes, in order (by default ``ReportSection/all``). Empty sections are skipped.
  var sections: [ReportSection] { get }
  /// The beginning: `head` holds the title, generation time, publisher and selection.
  mutating func begin(_ head: Report, overview: ReportOverview, to sink: ReportSink) async throws
  /// The beginning of a section that holds claims.
  mutating func beginSection(_ section: ReportSection, overview: ReportOverview, to sink: ReportSink) async throws
  /// The entry at `index` (0 for the first) of its section.
  mutating func entry(_ entry: ReportEntry, index: Int, to sink: ReportSink) async throws
  /// A flip-flop, in the ``ReportSection/flipFlops`` section.
  mutating func flipFlop(_ pair: FlipFlop, to sink: ReportSink) async throws
  /// The end of a section.
  mutating func endSection(_ section: ReportSection, to sink: ReportSink) async throws
  /// The end, after `entries` entries; `summary` is the whole report's.
  mutating func end(_ summary: ReportSummary, entries: Int, to sink: ReportSink) async throws
}

extension ReportFormatWriter {
  var sections: [ReportSection] { [.all] }
  mutating func beginSection(_ section: ReportSection, overview: ReportOverview, to sink: ReportSink) async throws {}
  mutating func flipFlop(_ pair: FlipFlop, to sink: ReportSink) async throws {}
  mutating func endSection(_ section: ReportSection, to sink: ReportSink) async throws {}
}

/// Collects a report's bytes and hands them on in data chunks of exactly 64 KiB (the last one shorter) as
/// soon as each is full, so only one chunk is ever buffered.
final class ReportSink {
  static let chunkSize = 64 * 1024
  private var buffer: [UInt8] = []
  private let deliver: ([UInt8]) async throws -> Void

  init(deliver: @escaping ([UInt8]) async throws -> Void) {
    self.deliver = deliver
    buffer.reserveCapacity(Self.chunkSize)
  }

  func write(_ text: String) async throws {
    buffer.append(contentsOf: text.utf8)
    guard buffer.count >= Self.chunkSize else { return }
    // Full chunks are cut by offset and the rest moved once: a large write stays linear.
    var start = 0
    while buffer.count - start >= Self.chunkSize {
      let chunk = Array(buffer[start..<start + Self.chunkSize])
      start += Self.chunkSize
      try await deliver(chunk)
    }
    buffer.removeFirst(start)
  }

  /// Delivers what is left.
  func finish() async throws {
    guard !buffer.isEmpty else { return }
    let last = buffer
    buffer = []
    try await deliver(last)
  }
}

/// The JSON form: the `gainsay.v1.Report` message in the proto3 JSON mapping, pretty-printed, written
/// field by field and entry by entry exactly as serializing the whole message would, with `<`, `>` and
/// `&` escaped (``ReportText/scriptSafeJSON(_:)``) so it is safe to embed in HTML as well.
enum JSONReport {
  struct Writer: ReportFormatWriter {
    var overview: ReportOverview? { nil }

    /// The head's fields that come after the summary (field 7, publisher_url).
    private var tail = Report()

    mutating func begin(_ head: Report, overview: ReportOverview, to sink: ReportSink) async throws {
      var fields = head
      fields.entries = []
      fields.summary = nil
      fields.publisherURL = ""
      tail.publisherURL = head.publisherURL
      // The head's fields (it always has a title), without the closing "\n}".
      let text = fields.jsonValue.serialized(pretty: true)
      try await sink.write(ReportText.scriptSafeJSON(String(text.dropLast(2))))
    }

    func entry(_ entry: ReportEntry, index: Int, to sink: ReportSink) async throws {
      let opening = index == 0 ? ",\n  \"entries\": [\n    " : ",\n    "
      try await sink.write(
        opening + ReportText.scriptSafeJSON(indented(entry.jsonValue.serialized(pretty: true), by: "    ")))
    }

    func end(_ summary: ReportSummary, entries: Int, to sink: ReportSink) async throws {
      let closing = entries > 0 ? "\n  ]" : ""
      // Fields in field-number order, as the whole message serializes: the summary (6), then the rest.
      var after = ""
      if !tail.publisherURL.isEmpty {
        let text = tail.jsonValue.serialized(pretty: true)
        after = "," + ReportText.scriptSafeJSON(String(text.dropFirst(1).dropLast(2)))
      }
      try await sink.write(
        closing + ",\n  \"summary\": "
          + ReportText.scriptSafeJSON(indented(summary.jsonValue.serialized(pretty: true), by: "  ")) + after + "\n}\n")
    }
  }

  /// Pretty-printed JSON moved `indent` deeper (JSON strings hold no raw newlines, so every "\n" is
  /// layout).
  static func indented(_ json: String, by indent: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(json.utf8.count + json.utf8.count / 8)
    for byte in json.utf8 {
      bytes.append(byte)
      if byte == UInt8(ascii: "\n") { bytes.append(contentsOf: indent.utf8) }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
