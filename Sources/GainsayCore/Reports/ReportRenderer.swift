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

  static func relationWord(_ relation: Relation) -> String {
    relation.protoName.replacingOccurrences(of: "RELATION_", with: "").lowercased()
  }
}

/// What a format states before its entries that depends on all of them: the totals of the byline, and
/// for HTML the timeline. Gathered in a first pass over the entries (in the same snapshot).
struct ReportOverview {
  private var tally = ReportTally()
  var timeline: HTMLReport.Timeline?

  var claims: Int { tally.claims }
  var contradictedClaims: Int { tally.contradictedClaims }

  mutating func add(_ entry: ReportEntry) {
    timeline?.add(entry, index: tally.claims)
    tally.add(entry)
  }
}

/// Writes one format of a report in order: ``begin(_:overview:to:)``, each entry, ``end(_:entries:to:)``.
protocol ReportFormatWriter {
  /// The overview ``begin(_:overview:to:)`` needs, to be filled by a first pass; nil when it needs none.
  var overview: ReportOverview? { get }
  /// The beginning: `head` holds the title, generation time, publisher and selection.
  mutating func begin(_ head: Report, overview: ReportOverview, to sink: ReportSink) async throws
  /// The entry at `index` (0 for the first).
  mutating func entry(_ entry: ReportEntry, index: Int, to sink: ReportSink) async throws
  /// The end, after `entries` entries.
  mutating func end(_ summary: ReportSummary, entries: Int, to sink: ReportSink) async throws
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
/// field by field and entry by entry exactly as serializing the whole message would.
enum JSONReport {
  struct Writer: ReportFormatWriter {
    var overview: ReportOverview? { nil }

    func begin(_ head: Report, overview: ReportOverview, to sink: ReportSink) async throws {
      var fields = head
      fields.entries = []
      fields.summary = nil
      // The head's fields (it always has a title), without the closing "\n}".
      let text = fields.jsonValue.serialized(pretty: true)
      try await sink.write(String(text.dropLast(2)))
    }

    func entry(_ entry: ReportEntry, index: Int, to sink: ReportSink) async throws {
      let opening = index == 0 ? ",\n  \"entries\": [\n    " : ",\n    "
      try await sink.write(opening + indented(entry.jsonValue.serialized(pretty: true), by: "    "))
    }

    func end(_ summary: ReportSummary, entries: Int, to sink: ReportSink) async throws {
      let closing = entries > 0 ? "\n  ]" : ""
      try await sink.write(
        closing + ",\n  \"summary\": " + indented(summary.jsonValue.serialized(pretty: true), by: "  ") + "\n}\n")
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

/// The Markdown form: readable as plain text in a terminal.
enum MarkdownReport {
  struct Writer: ReportFormatWriter {
    var overview: ReportOverview? { ReportOverview() }

    func begin(_ head: Report, overview: ReportOverview, to sink: ReportSink) async throws {
      try await sink.write(lines(MarkdownReport.head(head, overview: overview)))
    }

    func entry(_ entry: ReportEntry, index: Int, to sink: ReportSink) async throws {
      try await sink.write(lines(MarkdownReport.entry(entry)))
    }

    func end(_ summary: ReportSummary, entries: Int, to sink: ReportSink) async throws {
      try await sink.write(lines(MarkdownReport.summary(summary)))
    }

    /// Each line ends with a newline.
    private func lines(_ lines: [String]) -> String {
      lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
  }

  static func head(_ report: Report, overview: ReportOverview) -> [String] {
    var out: [String] = []
    out.append("# \(escape(report.title))")
    out.append("")
    var byline = "Generated \(ReportRenderer.day(report.generateTime))"
    if !report.publisher.isEmpty { byline += " by \(escape(report.publisher))" }
    byline +=
      " · \(overview.claims) claim\(overview.claims == 1 ? "" : "s"), \(overview.contradictedClaims) contradicted"
    out.append("_\(byline)_")
    return out
  }

  static func entry(_ entry: ReportEntry) -> [String] {
    var out: [String] = []
    let claim = entry.claim ?? Claim()
    out.append("")
    out.append("## “\(escape(claim.text))”")
    out.append("")
    var said = "**\(escape(entry.speaker?.name ?? claim.speakerID))**"
    if let role = entry.speaker?.role, !role.isEmpty { said += ", \(escape(role))" }
    said += " · said \(claim.saidOn?.iso ?? "?")"
    if !claim.context.isEmpty { said += " · \(escape(claim.context))" }
    out.append(said)
    if !claim.appearanceUrls.isEmpty {
      out.append("")
      out.append("Appeared: " + claim.appearanceUrls.map { "<\($0)>" }.joined(separator: ", "))
    }
    if claim.state == .retracted {
      out.append("")
      out.append("_Retracted from the record: \(escape(claim.retractionReason))_")
    }
    if let verdict = entry.verdict {
      out.append("")
      var line = "**Verdict: \(escape(verdict.rating))**"
      if !verdict.explanation.isEmpty { line += " — \(escape(verdict.explanation))" }
      line +=
        " _(reviewed \(ReportRenderer.day(verdict.createTime)) by \(escape(verdict.reviewer?.userName ?? "?")))_"
      out.append(line)
    }
    section(&out, "Contradicted by", entry.contradictedBy)
    section(&out, "Supported by", entry.supportedBy)
    section(&out, "Context", entry.context)
    related(&out, "Contradicting claims", entry.contradictingClaims)
    related(&out, "Repeats", entry.repeats)
    return out
  }

  static func summary(_ summary: ReportSummary) -> [String] {
    var out: [String] = []
    out.append("")
    out.append("## Summary")
    out.append("")
    out.append("- Claims: \(summary.claims); contradicted: \(summary.contradictedClaims)")
    if !summary.sourcesByOutlet.isEmpty {
      out.append(
        "- Sources by outlet: "
          + summary.sourcesByOutlet.map { "\(escape($0.outlet)) (\($0.sources))" }.joined(separator: ", "))
    }
    if let first = summary.firstContradiction, let latest = summary.latestContradiction {
      out.append("- First contradiction: \(first.iso); latest: \(latest.iso)")
    }
    return out
  }

  private static func section(_ out: inout [String], _ title: String, _ evidence: [Evidence]) {
    guard !evidence.isEmpty else { return }
    out.append("")
    out.append("### \(title)")
    out.append("")
    for item in evidence {
      let source = item.source ?? Source()
      var line = "- **\(escape(source.outlet))**, “\(escape(source.title))”"
      if let published = source.publishedOn { line += ", \(published.iso)" }
      if !source.url.isEmpty { line += " — <\(source.url)>" }
      out.append(line)
      if let quote = item.link?.quote?.exact, !quote.isEmpty {
        let escaped = escape(quote)
        let oneLine =
          escaped.utf8.contains(UInt8(ascii: "\n")) ? escaped.replacingOccurrences(of: "\n", with: " ") : escaped
        out.append("  > \(oneLine)")
      }
      if let note = item.link?.note, !note.isEmpty { out.append("  _Note: \(escape(note))_") }
    }
  }

  private static func related(_ out: inout [String], _ title: String, _ claims: [RelatedClaim]) {
    guard !claims.isEmpty else { return }
    out.append("")
    out.append("### \(title)")
    out.append("")
    for item in claims {
      let claim = item.claim ?? Claim()
      out.append(
        "- “\(escape(claim.text))” — \(escape(item.speaker?.name ?? claim.speakerID)), \(claim.saidOn?.iso ?? "?")")
    }
  }

  /// Neutralises Markdown syntax in ledger text.
  static func escape(_ text: String) -> String {
    // Most text has nothing to escape: returned as it is without walking its characters.
    guard text.utf8.contains(where: { markdownSyntax.contains($0) }) else { return text }
    var out = ""
    for character in text {
      if "\\`*_[]<>#|".contains(character) { out.append("\\") }
      out.append(character)
    }
    return out
  }

  /// The bytes of the characters ``escape(_:)`` escapes (all ASCII).
  private static let markdownSyntax = Set("\\`*_[]<>#|".utf8)
}
