import Foundation
public import GainsayProto

/// Renders a ``Report`` as Markdown, self-contained HTML, JSON or schema.org ClaimReview JSON-LD.
public enum ReportRenderer {
  /// The rendered bytes and how to describe them.
  public static func render(
    _ report: Report, format: ReportFormat, scale: RatingScale, publisherURL: String
  )
    -> (ReportHeader, [UInt8])
  {
    var header = ReportHeader()
    header.format = format
    let base = slug(report.title)
    let text: String
    switch format {
    case .html:
      header.contentType = "text/html; charset=utf-8"
      header.suggestedFileName = base + ".html"
      text = HTMLReport.render(report)
    case .json:
      header.contentType = "application/json"
      header.suggestedFileName = base + ".json"
      text = report.jsonValue.serialized(pretty: true) + "\n"
    case .claimreview:
      header.contentType = "application/ld+json"
      header.suggestedFileName = base + ".claimreview.jsonld"
      text = ClaimReviewExport.render(report, scale: scale, publisherURL: publisherURL).serialized(pretty: true) + "\n"
    default:
      header.format = .markdown
      header.contentType = "text/markdown; charset=utf-8"
      header.suggestedFileName = base + ".md"
      text = MarkdownReport.render(report)
    }
    return (header, Array(text.utf8))
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

/// The Markdown form: readable as plain text in a terminal.
enum MarkdownReport {
  static func render(_ report: Report) -> String {
    var out: [String] = []
    let summary = report.summary ?? ReportSummary()
    out.append("# \(escape(report.title))")
    out.append("")
    var byline = "Generated \(ReportRenderer.day(report.generateTime))"
    if !report.publisher.isEmpty { byline += " by \(escape(report.publisher))" }
    byline += " · \(summary.claims) claim\(summary.claims == 1 ? "" : "s"), \(summary.contradictedClaims) contradicted"
    out.append("_\(byline)_")
    for entry in report.entries {
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
    }
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
    return out.joined(separator: "\n") + "\n"
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
        out.append("  > \(escape(quote).replacingOccurrences(of: "\n", with: " "))")
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
    var out = ""
    for character in text {
      if "\\`*_[]<>#|".contains(character) { out.append("\\") }
      out.append(character)
    }
    return out
  }
}
