import Foundation
import GainsayProto

@testable import GainsayCore

/// The report as it was built before it streamed: the whole report in memory, each claim's evidence read
/// with separate store calls. It is the oracle for what streaming must not change: which claims, in which
/// order, with which evidence, summary and totals, and JSON written piece by piece equal to the whole
/// message serialized. How each entry is worded is the renderers' own (checked by ``ReportTests``), so
/// Markdown and HTML are rendered here by the same writers, over the whole report at once.
enum ReferenceReport {
  /// The header and bytes of a report, as `Ledger.generateReport` produced them before streaming.
  static func render(
    _ request: GenerateReportRequest, store: any LedgerStore, configuration: LedgerConfiguration, now: Date
  ) async throws -> (ReportHeader, [UInt8]) {
    let report = try await ReportBuilder(store: store, configuration: configuration, now: now).build(request)
    return try await render(
      report, format: request.format, scale: configuration.ratingScale, publisherURL: configuration.publisherURL)
  }

  /// A whole report in memory rendered in `format`: JSON and ClaimReview serialized whole, Markdown and
  /// HTML by the format's writer with totals taken from the entries.
  static func render(
    _ report: Report, format: ReportFormat, scale: RatingScale, publisherURL: String
  ) async throws -> (ReportHeader, [UInt8]) {
    let header = GainsayCore.ReportRenderer.header(format: format, title: report.title)
    switch header.format {
    case .json:
      let text = report.jsonValue.serialized(pretty: true) + "\n"
      return (header, Array(ReportText.scriptSafeJSON(text).utf8))
    case .claimreview:
      let reviews = GainsayCore.ClaimReviewExport.render(report, scale: scale, publisherURL: publisherURL)
      return (header, Array(ReportText.scriptSafeJSON(reviews.serialized(pretty: true) + "\n").utf8))
    default:
      // Markdown and HTML by the same composer and writers as the streamed report, over the whole report
      // in memory as one page.
      var writer = GainsayCore.ReportRenderer.writer(format: format, scale: scale, publisherURL: publisherURL)
      let collected = Collected()
      let sink = ReportSink { collected.bytes += $0 }
      var head = report
      head.entries = []
      head.summary = nil
      let composer = ReportComposer(claims: report.entries.count) { indices, body in
        try await body(indices.map { report.entries[$0] })
      }
      try await composer.write(head, with: &writer, to: sink)
      return (header, collected.bytes)
    }
  }

  /// The bytes a sink delivers.
  final class Collected {
    var bytes: [UInt8] = []
  }

  /// Gathers a contradiction report from the ledger: the selected claims, each with its speaker, latest
  /// verdict and evidence grouped by relation, and a summary.
  struct ReportBuilder {
    let store: any LedgerStore
    /// The publisher, and the reviewers' display names that sign verdicts.
    let configuration: LedgerConfiguration
    let now: Date

    /// At most this many claims in one report.
    static let maximumClaims = 10_000

    func build(_ request: GenerateReportRequest) async throws -> Report {
      var report = Report()
      report.generateTime = Timestamp(date: now)
      report.publisher = configuration.publisher
      report.publisherURL = configuration.publisherURL
      report.selection = request
      let claims = try await selectClaims(request)
      var speakers: [String: Speaker] = [:]
      var sources: [String: Source] = [:]
      var relatedClaims: [String: Claim] = [:]

      func speaker(_ id: String) async throws -> Speaker {
        if let cached = speakers[id] { return cached }
        guard let found = try await store.get(Speaker.self, id: id) else { return Speaker() }
        speakers[id] = found
        return found
      }
      func source(_ id: String) async throws -> Source {
        if let cached = sources[id] { return cached }
        guard var found = try await store.get(Source.self, id: id) else { return Source() }
        found.archivedText = ""
        sources[id] = found
        return found
      }
      func relatedClaim(_ id: String) async throws -> Claim {
        if let cached = relatedClaims[id] { return cached }
        guard let found = try await store.get(Claim.self, id: id) else { return Claim() }
        relatedClaims[id] = found
        return found
      }

      for claim in claims {
        var entry = ReportEntry()
        entry.claim = claim
        entry.speaker = try await speaker(claim.speakerID)
        entry.verdict = try await store.listVerdicts(
          claimID: claim.id, includeWithdrawn: false, pageSize: 1, pageToken: ""
        ).items.first.map(configuration.signed)
        var query = LinkFilter()
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
      report.title = request.title.isEmpty ? try await defaultTitle(request) : request.title
      return report
    }

    private func selectClaims(_ request: GenerateReportRequest) async throws -> [Claim] {
      var claims: [Claim] = []
      if !request.claimIds.isEmpty {
        for (index, id) in request.claimIds.enumerated() {
          guard let claim = try await store.get(Claim.self, id: id) else {
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

    private func defaultTitle(_ request: GenerateReportRequest) async throws -> String {
      var name: String?
      if !request.speakerID.isEmpty,
        let speaker = try await store.get(Speaker.self, id: request.speakerID)
      {
        name = speaker.name
      }
      return ReportTitle.make(speakerName: name, topic: request.topic, since: request.since, until: request.until)
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
      // Flip-flops: pairs of claims of one speaker joined by a contradicts link, each pair once.
      var pairs: Set<[String]> = []
      for entry in entries {
        guard let claim = entry.claim, !claim.speakerID.isEmpty else { continue }
        for related in entry.contradictingClaims {
          guard let other = related.claim, other.speakerID == claim.speakerID, !other.id.isEmpty, other.id != claim.id
          else { continue }
          pairs.insert([claim.id, other.id].sorted())
        }
      }
      summary.flipFlops = Int32(pairs.count)
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
}
