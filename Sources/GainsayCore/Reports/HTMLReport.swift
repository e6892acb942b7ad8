import Foundation
import GainsayProto

/// The HTML form: one self-contained, print-ready page (inline CSS and SVG, no external references),
/// with a timeline of the claims and the reporting that contradicts them.
enum HTMLReport {
  struct Writer: ReportFormatWriter {
    var overview: ReportOverview? {
      var overview = ReportOverview()
      overview.timeline = Timeline()
      return overview
    }

    func begin(_ head: Report, overview: ReportOverview, to sink: ReportSink) async throws {
      try await sink.write(
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(head.title))</title>
        <style>
        \(css)
        </style>
        </head>
        <body>

        """)
      var html = "<header><h1>\(e(head.title))</h1>\n"
      var byline = "Generated \(ReportRenderer.day(head.generateTime))"
      if !head.publisher.isEmpty { byline += " by \(head.publisher)" }
      byline +=
        " · \(overview.claims) claim\(overview.claims == 1 ? "" : "s"), \(overview.contradictedClaims) contradicted"
      html += "<p class=\"byline\">\(e(byline))</p></header>\n"
      try await sink.write(html)
      if let timeline = overview.timeline { try await timeline.write(to: sink) }
    }

    func entry(_ entry: ReportEntry, index: Int, to sink: ReportSink) async throws {
      try await sink.write(claimSection(entry))
    }

    func end(_ summary: ReportSummary, entries: Int, to sink: ReportSink) async throws {
      try await sink.write(summarySection(summary) + "</body>\n</html>\n")
    }
  }

  static let css = """
    body { font-family: Georgia, 'Times New Roman', serif; color: #1a1a1a; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
    h1 { font-size: 1.9rem; margin-bottom: 0.2rem; }
    h2 { font-size: 1.35rem; margin: 2rem 0 0.4rem; border-top: 1px solid #ccc; padding-top: 1rem; }
    h3 { font-family: Helvetica, Arial, sans-serif; font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.05em; color: #555; margin: 1rem 0 0.3rem; }
    .byline, .said, .meta { font-family: Helvetica, Arial, sans-serif; font-size: 0.85rem; color: #555; }
    .verdict { display: inline-block; font-family: Helvetica, Arial, sans-serif; font-weight: bold; background: #b3261e; color: #fff; padding: 0.1rem 0.5rem; border-radius: 0.2rem; }
    .verdict.true, .verdict.mostly-true { background: #2e7d32; }
    .verdict.half-true, .verdict.unverifiable { background: #8d6e00; }
    blockquote { margin: 0.3rem 0 0.6rem 1rem; padding-left: 0.8rem; border-left: 3px solid #b3261e; font-style: italic; }
    ul { padding-left: 1.2rem; } li { margin-bottom: 0.5rem; }
    .retracted { color: #b3261e; font-family: Helvetica, Arial, sans-serif; font-size: 0.85rem; }
    .unverified, .unquoted { font-family: Helvetica, Arial, sans-serif; font-size: 0.75rem; font-weight: bold; text-transform: uppercase; color: #8d6e00; border: 1px solid #8d6e00; border-radius: 0.2rem; padding: 0 0.3rem; }
    blockquote.unverified-quote { border-left-style: dashed; border-left-color: #8d6e00; }
    svg { width: 100%; height: auto; margin: 1rem 0; }
    svg text { font-family: Helvetica, Arial, sans-serif; font-size: 11px; fill: #333; }
    a { color: #1a4f8b; word-break: break-all; }
    @media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } section { break-inside: avoid; } a { color: #1a1a1a; } }
    """

  private static func claimSection(_ entry: ReportEntry) -> String {
    let claim = entry.claim ?? Claim()
    var html = "<section id=\"\(e(claim.id))\">\n<h2>“\(e(claim.text))”</h2>\n"
    var said = "<strong>\(e(entry.speaker?.name ?? claim.speakerID))</strong>"
    if let role = entry.speaker?.role, !role.isEmpty { said += ", \(e(role))" }
    said += " · said \(e(claim.saidOn?.iso ?? "?"))"
    if !claim.context.isEmpty { said += " · \(e(claim.context))" }
    html += "<p class=\"said\">\(said)</p>\n"
    if !claim.appearanceUrls.isEmpty {
      html += "<p class=\"meta\">Appeared: " + claim.appearanceUrls.map(link).joined(separator: ", ") + "</p>\n"
    }
    if claim.state == .retracted {
      html += "<p class=\"retracted\">Retracted from the record: \(e(claim.retractionReason))</p>\n"
    }
    if let verdict = entry.verdict {
      let kind = ReportRenderer.slug(verdict.rating)
      html += "<p><span class=\"verdict \(e(kind))\">\(e(verdict.rating))</span> \(e(verdict.explanation))"
      html +=
        " <span class=\"meta\">(reviewed \(e(ReportRenderer.day(verdict.createTime))) by \(e(verdict.reviewer?.userName ?? "?")))</span></p>\n"
    }
    html += evidenceList("Contradicted by", entry.contradictedBy)
    html += evidenceList("Supported by", entry.supportedBy)
    html += evidenceList("Context", entry.context)
    html += relatedList("Contradicting claims", entry.contradictingClaims)
    html += relatedList("Repeats", entry.repeats)
    return html + "</section>\n"
  }

  private static func evidenceList(_ title: String, _ evidence: [Evidence]) -> String {
    guard !evidence.isEmpty else { return "" }
    var html = "<h3>\(e(title))</h3>\n<ul>\n"
    for item in evidence {
      let source = item.source ?? Source()
      html += "<li><strong>\(e(source.outlet))</strong>, “\(e(source.title))”"
      if let published = source.publishedOn { html += ", \(e(published.iso))" }
      if !source.url.isEmpty { html += " — \(link(source.url))" }
      let unverified = item.link?.unverified == true
      if unverified { html += " \(unverifiedMark)" }
      if ReportText.isUnquoted(item) { html += " \(unquotedMark)" }
      if let quote = item.link?.quote?.exact, !quote.isEmpty {
        html += unverified ? "<blockquote class=\"unverified-quote\">" : "<blockquote>"
        html += "\(e(quote))</blockquote>"
      }
      if let note = item.link?.note, !note.isEmpty { html += "<p class=\"meta\">Note: \(e(note))</p>" }
      html += "</li>\n"
    }
    return html + "</ul>\n"
  }

  private static func relatedList(_ title: String, _ claims: [RelatedClaim]) -> String {
    guard !claims.isEmpty else { return "" }
    var html = "<h3>\(e(title))</h3>\n<ul>\n"
    for item in claims {
      let claim = item.claim ?? Claim()
      html +=
        "<li>“\(e(claim.text))” — \(e(item.speaker?.name ?? claim.speakerID)), \(e(claim.saidOn?.iso ?? "?"))</li>\n"
    }
    return html + "</ul>\n"
  }

  private static func summarySection(_ summary: ReportSummary) -> String {
    var html = "<section id=\"summary\">\n<h2>Summary</h2>\n<ul>\n"
    html += "<li>Claims: \(summary.claims); contradicted: \(summary.contradictedClaims)</li>\n"
    if !summary.sourcesByOutlet.isEmpty {
      html +=
        "<li>Sources by outlet: "
        + summary.sourcesByOutlet.map { "\(e($0.outlet)) (\($0.sources))" }.joined(separator: ", ") + "</li>\n"
    }
    if let first = summary.firstContradiction, let latest = summary.latestContradiction {
      html += "<li>First contradiction: \(e(first.iso)); latest: \(e(latest.iso))</li>\n"
    }
    return html + "</ul>\n</section>\n"
  }

  /// An SVG timeline: claims above the axis (circles), the reporting that contradicts them below
  /// (squares), a line from each contradiction to its claim. Its marks are gathered entry by entry in a
  /// first pass (a few numbers per claim and per contradicting source), then written in pieces.
  struct Timeline {
    struct Mark {
      let day: Double
      let label: String
      let claimIndex: Int
    }
    private(set) var claims: [Mark] = []
    private(set) var sources: [Mark] = []

    mutating func add(_ entry: ReportEntry, index: Int) {
      guard let said = entry.claim?.saidOn else { return }
      claims.append(Mark(day: dayNumber(said), label: said.iso, claimIndex: index))
      for evidence in entry.contradictedBy {
        if let published = evidence.source?.publishedOn {
          sources.append(Mark(day: dayNumber(published), label: evidence.source?.outlet ?? "", claimIndex: index))
        }
      }
    }

    func write(to sink: ReportSink) async throws {
      guard !claims.isEmpty else { return }
      var low = Double.infinity
      var high = -Double.infinity
      for mark in claims + sources {
        low = min(low, mark.day)
        high = max(high, mark.day)
      }
      if high - low < 60 {
        low -= 30
        high += 30
      }
      let width = 760.0
      let left = 40.0
      let right = width - 40
      func x(_ day: Double) -> Double { left + (day - low) / (high - low) * (right - left) }
      var svg =
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) 180\" role=\"img\" aria-label=\"Timeline of claims and contradicting reports\">\n"
      svg += "<title>Claims (above) and the reporting that contradicts them (below)</title>\n"
      svg += "<line x1=\"\(left)\" y1=\"90\" x2=\"\(right)\" y2=\"90\" stroke=\"#888\" stroke-width=\"1\"/>\n"
      let firstYear = Int(yearOf(low)), lastYear = Int(yearOf(high))
      let step = max(1, (lastYear - firstYear) / 8)
      for year in stride(from: firstYear, through: lastYear + 1, by: step) {
        let position = x(dayNumber(year: Int32(year), month: 1, day: 1))
        guard position >= left - 0.5, position <= right + 0.5 else { continue }
        svg += "<line x1=\"\(fmt(position))\" y1=\"86\" x2=\"\(fmt(position))\" y2=\"94\" stroke=\"#888\"/>"
        svg += "<text x=\"\(fmt(position))\" y=\"108\" text-anchor=\"middle\">\(year)</text>\n"
      }
      try await sink.write(svg)
      // Each contradiction's claim, by the claim's index in the report.
      var claimDays: [Int: Double] = [:]
      for claim in claims { claimDays[claim.claimIndex] = claimDays[claim.claimIndex] ?? claim.day }
      for source in sources {
        let claimX = x(claimDays[source.claimIndex]!)
        try await sink.write(
          "<line x1=\"\(fmt(x(source.day)))\" y1=\"140\" x2=\"\(fmt(claimX))\" y2=\"50\" stroke=\"#b3261e\" stroke-opacity=\"0.35\"/>\n"
        )
      }
      for (index, claim) in claims.enumerated() {
        let position = x(claim.day)
        // Claims said close together alternate their numbers between two rows.
        let crowded = index > 0 && abs(position - x(claims[index - 1].day)) < 14
        try await sink.write(
          "<circle cx=\"\(fmt(position))\" cy=\"50\" r=\"7\" fill=\"#1a4f8b\"><title>\(e(claim.label))</title></circle>"
            + "<text x=\"\(fmt(position))\" y=\"\(crowded && index.isMultiple(of: 2) == false ? 26 : 38)\" text-anchor=\"middle\">\(claim.claimIndex + 1)</text>\n"
        )
      }
      for source in sources {
        let position = x(source.day)
        try await sink.write(
          "<rect x=\"\(fmt(position - 6))\" y=\"134\" width=\"12\" height=\"12\" fill=\"#b3261e\"><title>\(e(source.label))</title></rect>\n"
        )
      }
      try await sink.write(
        "<text x=\"\(right)\" y=\"14\" text-anchor=\"end\">● claims, numbered as below</text>"
          + "<text x=\"\(right)\" y=\"172\" text-anchor=\"end\">■ reporting that contradicts them</text>\n"
          + "</svg>\n")
    }
  }

  private static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

  private static func dayNumber(_ date: PartialDate) -> Double {
    dayNumber(year: date.year, month: max(date.month, 1), day: max(date.day, 1))
  }

  /// Days since 1970-01-01 (proleptic Gregorian).
  private static func dayNumber(year: Int32, month: Int32, day: Int32) -> Double {
    let y = Int(month <= 2 ? year - 1 : year)
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let m = Int(month)
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int(day) - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return Double(era * 146_097 + doe - 719_468)
  }

  private static func yearOf(_ dayNumber: Double) -> Double {
    1970 + dayNumber / 365.2425
  }

  /// How evidence whose quote could not be checked is marked, after its source.
  static let unverifiedMark =
    "<span class=\"unverified\" title=\"The source had no archived text to check the quote against\">unverified</span>"
  /// How evidence linked without a quote is marked, after its source.
  static let unquotedMark =
    "<span class=\"unquoted\" title=\"Linked without quoting a passage of the source as evidence\">unquoted</span>"

  /// A link to `url` when it is an http or https URL (its target percent-encoded by
  /// ``ReportText/webLink(_:)``), else the URL as text: never a `javascript:` or `data:` link.
  static func link(_ url: String) -> String {
    guard let target = ReportText.webLink(url) else { return e(url) }
    return "<a href=\"\(e(target))\">\(e(url))</a>"
  }

  /// HTML-escapes text for element content and attribute values: `&`, `<`, `>`, `"` and `'` become
  /// references, and controls and bidirectional overrides are shown as `\u{1B}`
  /// (``ReportText/isHidden(_:)``).
  static func e(_ text: String) -> String {
    // Most text has nothing to escape: returned as it is without walking its characters.
    guard
      text.utf8.contains(where: {
        $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || $0 < 0x20 || $0 >= 0x7F
      })
    else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default:
        if ReportText.isHidden(scalar) { out += ReportText.shown(scalar) } else { out.unicodeScalars.append(scalar) }
      }
    }
    return out
  }
}
