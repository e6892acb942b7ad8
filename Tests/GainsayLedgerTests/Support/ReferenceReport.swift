import Foundation
import GainsayCore
import GainsayProto

/// The report as it was built and rendered before it streamed (the whole report in memory, each claim's
/// evidence read with separate store calls), kept verbatim as the oracle the streamed report must equal
/// byte for byte.
enum ReferenceReport {
  /// The header and bytes of a report, as `Ledger.generateReport` produced them before streaming.
  static func render(
    _ request: GenerateReportRequest, store: any LedgerStore, configuration: LedgerConfiguration, now: Date
  ) async throws -> (ReportHeader, [UInt8]) {
    let report = try await ReportBuilder(store: store, publisher: configuration.publisher, now: now).build(request)
    return ReportRenderer.render(
      report, format: request.format, scale: configuration.ratingScale, publisherURL: configuration.publisherURL)
  }

  /// Gathers a contradiction report from the ledger: the selected claims, each with its speaker, latest
  /// verdict and evidence grouped by relation, and a summary.
  struct ReportBuilder {
    let store: any LedgerStore
    let publisher: String
    let now: Date

    /// At most this many claims in one report.
    static let maximumClaims = 10_000

    func build(_ request: GenerateReportRequest) async throws -> Report {
      var report = Report()
      report.generateTime = Timestamp(date: now)
      report.publisher = publisher
      report.selection = request
      let claims = try await selectClaims(request)
      var speakers: [String: Speaker] = [:]
      var sources: [String: Source] = [:]
      var relatedClaims: [String: Claim] = [:]

      func speaker(_ id: String) async throws -> Speaker {
        if let cached = speakers[id] { return cached }
        guard case .speaker(let found)? = try await store.resource(.speaker, id: id)?.kind else { return Speaker() }
        speakers[id] = found
        return found
      }
      func source(_ id: String) async throws -> Source {
        if let cached = sources[id] { return cached }
        guard case .source(var found)? = try await store.resource(.source, id: id)?.kind else { return Source() }
        found.archivedText = ""
        sources[id] = found
        return found
      }
      func relatedClaim(_ id: String) async throws -> Claim {
        if let cached = relatedClaims[id] { return cached }
        guard case .claim(let found)? = try await store.resource(.claim, id: id)?.kind else { return Claim() }
        relatedClaims[id] = found
        return found
      }

      for claim in claims {
        var entry = ReportEntry()
        entry.claim = claim
        entry.speaker = try await speaker(claim.speakerID)
        entry.verdict = try await store.listVerdicts(claimID: claim.id, pageSize: 1, pageToken: "").items.first
        var query = ListLinksRequest()
        query.claimID = claim.id
        var token = ""
        repeat {
          let page = try await store.listLinks(query, pageSize: 1000, pageToken: token)
          for link in page.items {
            switch link.target {
            case .sourceID(let sourceID)?:
              var evidence = Evidence()
              evidence.link = link
              evidence.source = try await source(sourceID)
              switch link.relation {
              case .contradicts: entry.contradictedBy.append(evidence)
              case .supports: entry.supportedBy.append(evidence)
              default: entry.context.append(evidence)
              }
            case .targetClaimID(let targetID)?:
              let otherID = link.claimID == claim.id ? targetID : link.claimID
              var related = RelatedClaim()
              related.link = link
              related.claim = try await relatedClaim(otherID)
              related.speaker = try await speaker(related.claim?.speakerID ?? "")
              switch link.relation {
              case .contradicts: entry.contradictingClaims.append(related)
              case .repeats: entry.repeats.append(related)
              default: break
              }
            case nil:
              break
            }
          }
          token = page.nextPageToken
        } while !token.isEmpty
        entry.contradictedBy.sort { Self.date(of: $0) < Self.date(of: $1) }
        report.entries.append(entry)
      }
      report.summary = Self.summary(of: report.entries)
      report.title = request.title.isEmpty ? defaultTitle(request, speakers: speakers) : request.title
      return report
    }

    private func selectClaims(_ request: GenerateReportRequest) async throws -> [Claim] {
      var claims: [Claim] = []
      if !request.claimIds.isEmpty {
        for (index, id) in request.claimIds.enumerated() {
          guard case .claim(let claim)? = try await store.resource(.claim, id: id)?.kind else {
            throw LedgerError.notFound("claim", id, field: "claim_ids[\(index)]")
          }
          claims.append(claim)
        }
        // Other filters narrow the named claims.
        claims = claims.filter { claim in
          (request.speakerID.isEmpty || claim.speakerID == request.speakerID)
            && (request.topic.isEmpty || claim.topics.contains(request.topic.lowercased()))
            && (request.since.map { (claim.saidOn?.rangeEnd ?? "") >= $0.rangeStart } ?? true)
            && (request.until.map { (claim.saidOn?.rangeStart ?? "") <= $0.rangeEnd } ?? true)
        }
      } else {
        var filter = ClaimFilter()
        filter.speakerID = request.speakerID
        filter.topic = request.topic.lowercased()
        filter.saidFrom = request.since
        filter.saidUntil = request.until
        var token = ""
        repeat {
          let page = try await store.listClaims(filter, pageSize: 1000, pageToken: token)
          claims += page.items
          token = page.nextPageToken
        } while !token.isEmpty && claims.count <= Self.maximumClaims
      }
      guard claims.count <= Self.maximumClaims else {
        throw LedgerError(
          .resourceExhausted,
          "the selection has more than \(Self.maximumClaims) claims; narrow it with a topic or dates")
      }
      // Oldest statement first: a report reads as a chronology.
      return claims.sorted { ($0.saidOn?.rangeStart ?? "", $0.id) < ($1.saidOn?.rangeStart ?? "", $1.id) }
    }

    private func defaultTitle(_ request: GenerateReportRequest, speakers: [String: Speaker]) -> String {
      var parts: [String] = []
      if let name = speakers[request.speakerID]?.name { parts.append(name) }
      if !request.topic.isEmpty { parts.append("on \(request.topic.lowercased())") }
      if parts.isEmpty { parts.append("selected claims") }
      var title = "Contradictions: " + parts.joined(separator: " ")
      if let since = request.since { title += ", from \(since.iso)" }
      if let until = request.until { title += ", until \(until.iso)" }
      return title
    }

    /// When a piece of evidence appeared: the source's publication date, else when it was linked.
    static func date(of evidence: Evidence) -> String {
      if let published = evidence.source?.publishedOn { return published.rangeStart }
      guard let time = evidence.link?.createTime else { return "" }
      return PartialDate.today(now: time.date).rangeStart
    }

    static func summary(of entries: [ReportEntry]) -> ReportSummary {
      var summary = ReportSummary()
      summary.claims = Int32(entries.count)
      summary.contradictedClaims = Int32(
        entries.filter { !$0.contradictedBy.isEmpty || !$0.contradictingClaims.isEmpty }.count)
      var outlets: [String: Set<String>] = [:]
      var dates: [(String, PartialDate)] = []
      for entry in entries {
        for evidence in entry.contradictedBy + entry.supportedBy + entry.context {
          if let source = evidence.source { outlets[source.outlet, default: []].insert(source.id) }
        }
        for evidence in entry.contradictedBy {
          if let published = evidence.source?.publishedOn {
            dates.append((published.rangeStart, published))
          } else if let time = evidence.link?.createTime {
            let day = PartialDate.today(now: time.date)
            dates.append((day.rangeStart, day))
          }
        }
      }
      summary.sourcesByOutlet = outlets.map { outlet, ids in
        var count = OutletCount()
        count.outlet = outlet
        count.sources = Int32(ids.count)
        return count
      }.sorted { ($1.sources, $0.outlet) < ($0.sources, $1.outlet) }
      let sorted = dates.sorted { $0.0 < $1.0 }
      summary.firstContradiction = sorted.first?.1
      summary.latestContradiction = sorted.last?.1
      return summary
    }
  }

  /// Renders a ``Report`` as Markdown, self-contained HTML, JSON or schema.org ClaimReview JSON-LD.
  enum ReportRenderer {
    /// The rendered bytes and how to describe them.
    static func render(
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
        text =
          ClaimReviewExport.render(report, scale: scale, publisherURL: publisherURL).serialized(pretty: true) + "\n"
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
      byline +=
        " · \(summary.claims) claim\(summary.claims == 1 ? "" : "s"), \(summary.contradictedClaims) contradicted"
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

  /// The HTML form: one self-contained, print-ready page (inline CSS and SVG, no external references),
  /// with a timeline of the claims and the reporting that contradicts them.
  enum HTMLReport {
    static func render(_ report: Report) -> String {
      let summary = report.summary ?? ReportSummary()
      var body = ""
      body += "<header><h1>\(e(report.title))</h1>\n"
      var byline = "Generated \(ReportRenderer.day(report.generateTime))"
      if !report.publisher.isEmpty { byline += " by \(report.publisher)" }
      byline +=
        " · \(summary.claims) claim\(summary.claims == 1 ? "" : "s"), \(summary.contradictedClaims) contradicted"
      body += "<p class=\"byline\">\(e(byline))</p></header>\n"
      body += timeline(report)
      for entry in report.entries { body += claimSection(entry) }
      body += summarySection(summary)
      return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(report.title))</title>
        <style>
        \(css)
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
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
        if let quote = item.link?.quote?.exact, !quote.isEmpty { html += "<blockquote>\(e(quote))</blockquote>" }
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
    /// (squares), a line from each contradiction to its claim.
    static func timeline(_ report: Report) -> String {
      struct Mark {
        let day: Double
        let label: String
        let claimIndex: Int
      }
      var claims: [Mark] = []
      var sources: [Mark] = []
      for (index, entry) in report.entries.enumerated() {
        guard let said = entry.claim?.saidOn else { continue }
        claims.append(Mark(day: dayNumber(said), label: said.iso, claimIndex: index))
        for evidence in entry.contradictedBy {
          if let published = evidence.source?.publishedOn {
            sources.append(Mark(day: dayNumber(published), label: evidence.source?.outlet ?? "", claimIndex: index))
          }
        }
      }
      guard !claims.isEmpty else { return "" }
      let days = (claims + sources).map(\.day)
      var low = days.min()!
      var high = days.max()!
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
      for source in sources {
        let claimX = x(claims.first { $0.claimIndex == source.claimIndex }!.day)
        svg +=
          "<line x1=\"\(fmt(x(source.day)))\" y1=\"140\" x2=\"\(fmt(claimX))\" y2=\"50\" stroke=\"#b3261e\" stroke-opacity=\"0.35\"/>\n"
      }
      for (index, claim) in claims.enumerated() {
        let position = x(claim.day)
        svg +=
          "<circle cx=\"\(fmt(position))\" cy=\"50\" r=\"7\" fill=\"#1a4f8b\"><title>\(e(claim.label))</title></circle>"
        // Claims said close together alternate their numbers between two rows.
        let crowded = index > 0 && abs(position - x(claims[index - 1].day)) < 14
        svg +=
          "<text x=\"\(fmt(position))\" y=\"\(crowded && index.isMultiple(of: 2) == false ? 26 : 38)\" text-anchor=\"middle\">\(claim.claimIndex + 1)</text>\n"
      }
      for source in sources {
        let position = x(source.day)
        svg +=
          "<rect x=\"\(fmt(position - 6))\" y=\"134\" width=\"12\" height=\"12\" fill=\"#b3261e\"><title>\(e(source.label))</title></rect>\n"
      }
      svg += "<text x=\"\(right)\" y=\"14\" text-anchor=\"end\">● claims, numbered as below</text>"
      svg += "<text x=\"\(right)\" y=\"172\" text-anchor=\"end\">■ reporting that contradicts them</text>\n"
      return svg + "</svg>\n"
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

    private static func link(_ url: String) -> String {
      "<a href=\"\(e(url))\">\(e(url))</a>"
    }

    /// HTML-escapes text for element content and attribute values.
    static func e(_ text: String) -> String {
      var out = ""
      out.reserveCapacity(text.utf8.count)
      for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
      }
      return out
    }
  }

  /// schema.org ClaimReview JSON-LD: one ClaimReview for each reviewed claim of a report.
  enum ClaimReviewExport {
    /// An array of ClaimReview objects (claims without a verdict are left out: there is no review).
    static func render(_ report: Report, scale: RatingScale, publisherURL: String) -> JSONValue {
      .array(
        report.entries.compactMap { review($0, publisher: report.publisher, publisherURL: publisherURL, scale: scale) })
    }

    /// The ClaimReview of one claim, or nil when it has no verdict.
    static func review(
      _ entry: ReportEntry, publisher: String, publisherURL: String, scale: RatingScale
    ) -> JSONValue? {
      guard let verdict = entry.verdict, let claim = entry.claim else { return nil }
      let speaker = entry.speaker ?? Speaker()
      var author: [(String, JSONValue)] = [
        ("@type", .string(speaker.kind == .organisation ? "Organization" : "Person")),
        ("name", .string(speaker.name.isEmpty ? claim.speakerID : speaker.name)),
      ]
      if !speaker.role.isEmpty { author.append(("jobTitle", .string(speaker.role))) }
      if !speaker.wikidataID.isEmpty {
        author.append(("sameAs", .string("https://www.wikidata.org/wiki/\(speaker.wikidataID)")))
      }

      var item: [(String, JSONValue)] = [("@type", .string("Claim")), ("author", .object(author))]
      if let said = claim.saidOn { item.append(("datePublished", .string(said.iso))) }
      if let first = claim.appearanceUrls.first {
        item.append(("firstAppearance", .object([("@type", .string("CreativeWork")), ("url", .string(first))])))
        item.append(
          (
            "appearance",
            .array(claim.appearanceUrls.map { .object([("@type", .string("CreativeWork")), ("url", .string($0))]) })
          ))
      }

      let onScale = scale.ratings.filter { $0.value > 0 }.map(\.value)
      var rating: [(String, JSONValue)] = [
        ("@type", .string("Rating")),
        ("alternateName", .string(verdict.rating)),
      ]
      if verdict.ratingValue > 0, let best = onScale.max(), let worst = onScale.min() {
        rating.append(("ratingValue", .integer(Int64(verdict.ratingValue))))
        rating.append(("bestRating", .integer(Int64(best))))
        rating.append(("worstRating", .integer(Int64(worst))))
      } else {
        // Off the scale (e.g. "unverifiable"): schema.org allows a rating expressed by its name alone.
        rating.append(("ratingValue", .integer(-1)))
      }
      if !verdict.explanation.isEmpty { rating.append(("ratingExplanation", .string(verdict.explanation))) }

      var organisation: [(String, JSONValue)] = [
        ("@type", .string("Organization")), ("name", .string(publisher.isEmpty ? "Gainsay" : publisher)),
      ]
      if !publisherURL.isEmpty { organisation.append(("url", .string(publisherURL))) }

      let base =
        publisherURL.isEmpty
        ? "urn:gainsay:claim:" : publisherURL.hasSuffix("/") ? publisherURL + "claims/" : publisherURL + "/claims/"
      return .object([
        ("@context", .string("https://schema.org")),
        ("@type", .string("ClaimReview")),
        ("url", .string(base + claim.id)),
        ("claimReviewed", .string(claim.text)),
        ("datePublished", .string(ReportRenderer.day(verdict.createTime))),
        ("itemReviewed", .object(item)),
        ("reviewRating", .object(rating)),
        ("author", .object(organisation)),
      ])
    }
  }
}
