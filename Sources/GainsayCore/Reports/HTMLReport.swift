import Foundation
import GainsayProto

/// The HTML form: one self-contained, print-ready page (inline CSS and SVG, no external references),
/// with a timeline of the claims and the reporting that contradicts them.
enum HTMLReport {
  struct Writer: ReportFormatWriter {
    var overview: ReportOverview? {
      var overview = ReportOverview()
      overview.timeline = ReportTimeline()
      return overview
    }
    var sections: [ReportSection] { [.contradicted, .flipFlops, .notContradicted] }

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
        \(TimelineLayout.css)
        </style>
        </head>
        <body>

        """)
      var html = "<header><h1>\(e(head.title))</h1>\n"
      var byline = "Generated \(ReportRenderer.day(head.generateTime))"
      if !head.publisher.isEmpty { byline += " by \(head.publisher)" }
      byline += " · " + ReportRenderer.totals(overview)
      html += "<p class=\"byline\">\(e(byline))</p></header>\n"
      try await sink.write(html)
      if let timeline = overview.timeline, let layout = TimelineLayout(timeline) {
        for piece in layout.svg() { try await sink.write(piece) }
      }
    }

    func beginSection(_ section: ReportSection, overview: ReportOverview, to sink: ReportSink) async throws {
      let heading = ReportText.heading(section)
      try await sink.write(
        "<section class=\"part\" id=\"\(HTMLReport.sectionID(section))\">\n<h2>\(e(heading.title))</h2>\n"
          + "<p class=\"lede\">\(e(heading.lede))</p>\n")
    }

    func entry(_ entry: ReportEntry, index: Int, to sink: ReportSink) async throws {
      try await sink.write(claimArticle(entry))
    }

    func flipFlop(_ pair: FlipFlop, to sink: ReportSink) async throws {
      try await sink.write(flipFlopArticle(pair))
    }

    func endSection(_ section: ReportSection, to sink: ReportSink) async throws {
      try await sink.write("</section>\n")
    }

    func end(_ summary: ReportSummary, entries: Int, to sink: ReportSink) async throws {
      try await sink.write(summarySection(summary) + "</body>\n</html>\n")
    }
  }

  /// The id of a section's element.
  static func sectionID(_ section: ReportSection) -> String {
    switch section {
    case .all: "claims"
    case .contradicted: "contradicted"
    case .flipFlops: "flip-flops"
    case .notContradicted: "not-contradicted"
    }
  }

  static let css = """
    body { font-family: Georgia, 'Times New Roman', serif; color: #1a1a1a; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
    h1 { font-size: 1.9rem; margin-bottom: 0.2rem; }
    h2 { font-family: Helvetica, Arial, sans-serif; font-size: 1.1rem; text-transform: uppercase; letter-spacing: 0.04em; margin: 2.5rem 0 0.2rem; border-top: 3px solid #1a1a1a; padding-top: 0.5rem; }
    h3 { font-size: 1.3rem; margin: 1.6rem 0 0.4rem; border-top: 1px solid #ccc; padding-top: 1rem; }
    h4 { font-family: Helvetica, Arial, sans-serif; font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.05em; color: #555; margin: 1rem 0 0.3rem; }
    .byline, .said, .meta, .lede { font-family: Helvetica, Arial, sans-serif; font-size: 0.85rem; color: #555; }
    .verdict { display: inline-block; font-family: Helvetica, Arial, sans-serif; font-weight: bold; background: #b3261e; color: #fff; padding: 0.1rem 0.5rem; border-radius: 0.2rem; }
    .verdict.true, .verdict.mostly-true { background: #2e7d32; }
    .verdict.half-true, .verdict.unverifiable { background: #8d6e00; }
    blockquote { margin: 0.3rem 0 0.6rem 1rem; padding-left: 0.8rem; border-left: 3px solid #b3261e; font-style: italic; }
    ul { padding-left: 1.2rem; } li { margin-bottom: 0.5rem; }
    .retracted { color: #b3261e; font-family: Helvetica, Arial, sans-serif; font-size: 0.85rem; }
    .unverified, .unquoted, .attribution { font-family: Helvetica, Arial, sans-serif; font-size: 0.75rem; font-weight: bold; text-transform: uppercase; color: #8d6e00; border: 1px solid #8d6e00; border-radius: 0.2rem; padding: 0 0.3rem; }
    .attribution { color: #6a1b9a; border-color: #6a1b9a; }
    blockquote.unverified-quote { border-left-style: dashed; border-left-color: #8d6e00; }
    .flip-flop blockquote { border-left-color: #6a1b9a; }
    a { color: #1a4f8b; word-break: break-all; }
    @media print { body { margin: 0; max-width: none; } h2, h3 { break-after: avoid; } article { break-inside: avoid; } a { color: #1a1a1a; } }
    """

  /// How a claim whose attribution is disputed or false is marked (after a space), or "".
  static func attributionMark(_ claim: Claim) -> String {
    guard let mark = ReportText.attribution(claim.attribution) else { return "" }
    return
      " <span class=\"attribution\" title=\"\(e(mark.meaning.prefix(1).uppercased() + mark.meaning.dropFirst()))\">"
      + "\(e(mark.label))</span>"
  }

  private static func claimArticle(_ entry: ReportEntry) -> String {
    let claim = entry.claim ?? Claim()
    var html = "<article id=\"\(e(claim.id))\">\n<h3>“\(e(claim.text))”</h3>\n"
    var said = "<strong>\(e(entry.speaker?.name ?? claim.speakerID))</strong>"
    if let role = entry.speaker?.role, !role.isEmpty { said += ", \(e(role))" }
    said += " · said \(e(claim.saidOn?.iso ?? "?"))"
    if !claim.context.isEmpty { said += " · \(e(claim.context))" }
    html += "<p class=\"said\">\(said)\(attributionMark(claim))</p>\n"
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
        " <span class=\"meta\">(reviewed \(e(ReportRenderer.day(verdict.createTime))) by \(e(ReportRenderer.signature(verdict))))</span></p>\n"
    }
    html += evidenceList("Contradicted by", entry.contradictedBy)
    html += evidenceList("Supported by", entry.supportedBy)
    html += evidenceList("Context", entry.context)
    html += relatedList("Contradicting claims", entry.contradictingClaims)
    html += relatedList("Repeats", entry.repeats)
    return html + "</article>\n"
  }

  /// A flip-flop: the speaker and both dates, then each quote with its date.
  private static func flipFlopArticle(_ pair: FlipFlop) -> String {
    let name = pair.speaker.name.isEmpty ? pair.first.speakerID : pair.speaker.name
    var html = "<article class=\"flip-flop\">\n<h3>\(e(name)): \(e(pair.first.saidOn?.iso ?? "?")) and "
    html += "\(e(pair.second.saidOn?.iso ?? "?"))</h3>\n"
    for claim in [pair.first, pair.second] {
      var said = "Said \(e(claim.saidOn?.iso ?? "?"))"
      if !claim.context.isEmpty { said += " · \(e(claim.context))" }
      html += "<p class=\"said\">\(said)\(attributionMark(claim))</p>\n"
      html += "<blockquote>“\(e(claim.text))”</blockquote>\n"
    }
    if !pair.link.note.isEmpty { html += "<p class=\"meta\">Note: \(e(pair.link.note))</p>\n" }
    return html + "</article>\n"
  }

  private static func evidenceList(_ title: String, _ evidence: [Evidence]) -> String {
    guard !evidence.isEmpty else { return "" }
    var html = "<h4>\(e(title))</h4>\n<ul>\n"
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
    var html = "<h4>\(e(title))</h4>\n<ul>\n"
    for item in claims {
      let claim = item.claim ?? Claim()
      html +=
        "<li>“\(e(claim.text))” — \(e(item.speaker?.name ?? claim.speakerID)), \(e(claim.saidOn?.iso ?? "?"))"
        + "\(attributionMark(claim))</li>\n"
    }
    return html + "</ul>\n"
  }

  private static func summarySection(_ summary: ReportSummary) -> String {
    var html = "<section id=\"summary\">\n<h2>Summary</h2>\n<ul>\n"
    html += "<li>Claims: \(summary.claims); contradicted: \(summary.contradictedClaims)</li>\n"
    if summary.flipFlops > 0 { html += "<li>Flip-flops: \(summary.flipFlops)</li>\n" }
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
