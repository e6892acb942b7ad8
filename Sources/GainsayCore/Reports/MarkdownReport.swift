import GainsayProto

/// The Markdown form: readable as plain text in a terminal, and safe to render with any Markdown
/// processor: no text from the ledger can become HTML, a link, emphasis or a new block (see
/// ``escape(_:)`` and ``link(_:)``).
enum MarkdownReport {
  struct Writer: ReportFormatWriter {
    var overview: ReportOverview? { ReportOverview() }
    var sections: [ReportSection] { [.contradicted, .flipFlops, .notContradicted] }

    func begin(_ head: Report, overview: ReportOverview, to sink: ReportSink) async throws {
      try await sink.write(lines(MarkdownReport.head(head, overview: overview)))
    }

    func beginSection(_ section: ReportSection, overview: ReportOverview, to sink: ReportSink) async throws {
      let heading = ReportText.heading(section)
      try await sink.write(lines(["", "## \(heading.title)", "", "_\(heading.lede)_"]))
    }

    func entry(_ entry: ReportEntry, index: Int, to sink: ReportSink) async throws {
      try await sink.write(lines(MarkdownReport.entry(entry)))
    }

    func flipFlop(_ pair: FlipFlop, to sink: ReportSink) async throws {
      try await sink.write(lines(MarkdownReport.flipFlop(pair)))
    }

    func end(_ summary: ReportSummary, entries: Int, to sink: ReportSink) async throws {
      try await sink.write(lines(MarkdownReport.summary(summary)))
    }

    /// Each line ends with a newline.
    private func lines(_ lines: [String]) -> String {
      lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
  }

  /// How evidence whose quote could not be checked is marked, after its source.
  static let unverifiedMark = " (**unverified**: the source had no archived text to check the quote against)"
  /// How evidence linked without a quote is marked, after its source.
  static let unquotedMark = " (**unquoted**: linked without a passage of the source as evidence)"

  /// How a claim whose attribution is disputed or false is marked, after its speaker and date; "" when
  /// it is not in doubt.
  static func attributionMark(_ claim: Claim) -> String {
    guard let mark = ReportText.attribution(claim.attribution) else { return "" }
    return " (**\(mark.label)**: \(mark.meaning))"
  }

  static func head(_ report: Report, overview: ReportOverview) -> [String] {
    var out: [String] = []
    out.append("# \(escape(report.title))")
    out.append("")
    var byline = "Generated \(ReportRenderer.day(report.generateTime))"
    if !report.publisher.isEmpty { byline += " by \(escape(report.publisher))" }
    byline += " · " + ReportRenderer.totals(overview)
    out.append("_\(byline)_")
    return out
  }

  static func entry(_ entry: ReportEntry) -> [String] {
    var out: [String] = []
    let claim = entry.claim ?? Claim()
    out.append("")
    out.append("### “\(escape(claim.text))”")
    out.append("")
    var said = "**\(escape(entry.speaker?.name ?? claim.speakerID))**"
    if let role = entry.speaker?.role, !role.isEmpty { said += ", \(escape(role))" }
    said += " · said \(claim.saidOn?.iso ?? "?")"
    if !claim.context.isEmpty { said += " · \(escape(claim.context))" }
    said += attributionMark(claim)
    out.append(said)
    if !claim.appearanceUrls.isEmpty {
      out.append("")
      out.append("Appeared: " + claim.appearanceUrls.map(link).joined(separator: ", "))
    }
    if claim.state == .retracted {
      out.append("")
      out.append("_Retracted from the record: \(escape(claim.retractionReason))_")
    }
    if let verdict = entry.verdict {
      out.append("")
      var line = "**Verdict: \(escape(verdict.rating))**"
      if !verdict.explanation.isEmpty { line += " — \(escape(verdict.explanation))" }
      line += " _(reviewed \(ReportRenderer.day(verdict.createTime)) by \(escape(ReportRenderer.signature(verdict))))_"
      out.append(line)
    }
    section(&out, "Contradicted by", entry.contradictedBy)
    section(&out, "Supported by", entry.supportedBy)
    section(&out, "Context", entry.context)
    related(&out, "Contradicting claims", entry.contradictingClaims)
    related(&out, "Repeats", entry.repeats)
    return out
  }

  /// A flip-flop: the speaker and both dates as a heading, then each quote with its date.
  static func flipFlop(_ pair: FlipFlop) -> [String] {
    var out: [String] = []
    let name = pair.speaker.name.isEmpty ? pair.first.speakerID : pair.speaker.name
    out.append("")
    out.append("### \(escape(name)): \(pair.first.saidOn?.iso ?? "?") and \(pair.second.saidOn?.iso ?? "?")")
    out.append("")
    for claim in [pair.first, pair.second] {
      var line = "- Said \(claim.saidOn?.iso ?? "?"): “\(escape(claim.text))”"
      if !claim.context.isEmpty { line += " · \(escape(claim.context))" }
      out.append(line + attributionMark(claim))
    }
    if !pair.link.note.isEmpty { out.append("  _Note: \(escape(pair.link.note))_") }
    return out
  }

  static func summary(_ summary: ReportSummary) -> [String] {
    var out: [String] = []
    out.append("")
    out.append("## Summary")
    out.append("")
    out.append("- Claims: \(summary.claims); contradicted: \(summary.contradictedClaims)")
    if summary.flipFlops > 0 { out.append("- Flip-flops: \(summary.flipFlops)") }
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
    out.append("#### \(title)")
    out.append("")
    for item in evidence {
      let source = item.source ?? Source()
      var line = "- **\(escape(source.outlet))**, “\(escape(source.title))”"
      if let published = source.publishedOn { line += ", \(published.iso)" }
      if !source.url.isEmpty { line += " — \(link(source.url))" }
      if item.link?.unverified == true { line += unverifiedMark }
      if ReportText.isUnquoted(item) { line += unquotedMark }
      out.append(line)
      if let quote = item.link?.quote?.exact, !quote.isEmpty { out.append("  > \(escape(quote))") }
      if let note = item.link?.note, !note.isEmpty { out.append("  _Note: \(escape(note))_") }
    }
  }

  private static func related(_ out: inout [String], _ title: String, _ claims: [RelatedClaim]) {
    guard !claims.isEmpty else { return }
    out.append("")
    out.append("#### \(title)")
    out.append("")
    for item in claims {
      let claim = item.claim ?? Claim()
      out.append(
        "- “\(escape(claim.text))” — \(escape(item.speaker?.name ?? claim.speakerID)), \(claim.saidOn?.iso ?? "?")"
          + attributionMark(claim))
    }
  }

  /// A URL as an autolink `<https://…>` when it is an http or https URL (percent-encoded by
  /// ``ReportText/webLink(_:)``), else as escaped text that no processor turns into a link.
  static func link(_ url: String) -> String {
    guard let target = ReportText.webLink(url) else { return escape(url) }
    return "<\(target)>"
  }

  /// Ledger text made inert in Markdown, its words kept as they are:
  /// - `<`, `>` and `&` become `&lt;`, `&gt;` and `&amp;`, so no processor sees HTML (backslash escapes
  ///   of them are not honoured by all processors);
  /// - Markdown's inline syntax, `` \ ` * _ [ ] { } # | ~ ``, is backslash-escaped;
  /// - a line break (LF, CR, CR LF, U+2028, U+2029) becomes a space: every piece of ledger text is
  ///   written after fixed text on its line, so it can never begin a line, and so never a heading, list
  ///   item, rule, quote, code block or HTML block;
  /// - other controls and the bidirectional overrides are shown as `\u{1B}` (``ReportText/isHidden(_:)``).
  static func escape(_ text: String) -> String {
    // Most text has nothing to escape: returned as it is without walking its characters.
    guard text.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F || markdownSyntax.contains($0) }) else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count + 16)
    var afterCR = false
    for scalar in text.unicodeScalars {
      defer { afterCR = scalar == "\r" }
      switch scalar {
      case "\n":
        if !afterCR { out += " " }
      case "\r", "\u{2028}", "\u{2029}": out += " "
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "&": out += "&amp;"
      case "\\", "`", "*", "_", "[", "]", "{", "}", "#", "|", "~":
        out += "\\"
        out.unicodeScalars.append(scalar)
      default:
        // The backslash of `\u{…}` is itself escaped, so it shows.
        if ReportText.isHidden(scalar) {
          out += "\\" + ReportText.shown(scalar)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
  }

  /// The ASCII bytes ``escape(_:)`` changes.
  private static let markdownSyntax = Set("\\`*_[]{}#|~<>&".utf8)
}
