import Foundation
import GainsayProto

/// Gathers a contradiction report from the ledger a page of claims at a time: the selected claims, each
/// with its speaker, latest verdict and evidence grouped by relation. Every read goes through one
/// ``ReportReader``, so the whole report sees one state of the ledger.
struct ReportBuilder {
  let reader: any ReportReader
  /// Signs verdicts with their reviewers' display names.
  var configuration = LedgerConfiguration()

  /// At most this many claims in one report.
  static let maximumClaims = 10_000
  /// Claims whose evidence is read (and rendered) together: the report holds one page in memory.
  static let pageSize = 200

  /// The selected claims, oldest statement first (a report reads as a chronology).
  func selectClaims(_ request: GenerateReportRequest) async throws -> [ReportClaimKey] {
    var keys: [ReportClaimKey] = []
    if !request.claimIds.isEmpty {
      let found = try await reader.claims(ids: request.claimIds)
      for (index, id) in request.claimIds.enumerated() {
        guard let claim = found[id] else { throw LedgerError.notFound("claim", id, field: "claim_ids[\(index)]") }
        // Other filters narrow the named claims.
        guard
          (request.speakerID.isEmpty || claim.speakerID == request.speakerID)
            && (request.topic.isEmpty || claim.topics.contains(request.topic.lowercased()))
            && (request.since.map { (claim.saidOn?.rangeEnd ?? "") >= $0.rangeStart } ?? true)
            && (request.until.map { (claim.saidOn?.rangeStart ?? "") <= $0.rangeEnd } ?? true)
        else { continue }
        keys.append(ReportClaimKey(id: claim.id, saidStart: claim.saidOn?.rangeStart ?? ""))
      }
    } else {
      var filter = ClaimFilter()
      filter.speakerID = request.speakerID
      filter.topic = request.topic.lowercased()
      filter.saidFrom = request.since
      filter.saidUntil = request.until
      keys = try await reader.claimKeys(filter, limit: Self.maximumClaims + 1)
    }
    guard keys.count <= Self.maximumClaims else {
      throw LedgerError(
        .resourceExhausted, "the selection has more than \(Self.maximumClaims) claims; narrow it with a topic or dates")
    }
    return keys.sorted { ($0.saidStart, $0.id) < ($1.saidStart, $1.id) }
  }

  /// Builds the entries of `keys` a page at a time and hands each page to `body`, in order.
  func forEachPage(
    _ keys: [ReportClaimKey], _ body: ([ReportEntry]) async throws -> Void
  ) async throws {
    for start in stride(from: 0, to: keys.count, by: Self.pageSize) {
      try await body(try await entries(keys[start..<min(start + Self.pageSize, keys.count)]))
    }
  }

  /// The entries of one page of claims, from a few batched reads.
  func entries(_ keys: ArraySlice<ReportClaimKey>) async throws -> [ReportEntry] {
    let found = try await reader.claims(ids: keys.map(\.id))
    let claims = keys.compactMap { found[$0.id] }
    let evidence = try await reader.evidence(for: claims)
    return claims.map { claim in
      var entry = Self.entry(claim, evidence)
      entry.verdict = entry.verdict.map(configuration.signed)
      return entry
    }
  }

  static func entry(_ claim: Claim, _ evidence: ReportEvidence) -> ReportEntry {
    var entry = ReportEntry()
    entry.claim = claim
    entry.speaker = evidence.speakers[claim.speakerID] ?? Speaker()
    entry.verdict = evidence.latestVerdicts[claim.id]
    // Each other claim once per relation, however many links join the two.
    var relatedSeen: Set<String> = []
    for link in evidence.links[claim.id] ?? [] {
      switch link.target {
      case .sourceID(let sourceID)?:
        var item = Evidence()
        item.link = link
        item.source = evidence.sources[sourceID] ?? Source()
        item.unquoted = ReportText.isUnquoted(item)
        switch link.relation {
        case .contradicts: entry.contradictedBy.append(item)
        case .supports: entry.supportedBy.append(item)
        default: entry.context.append(item)
        }
      case .targetClaimID(let targetID)?:
        let otherID = link.claimID == claim.id ? targetID : link.claimID
        var related = RelatedClaim()
        related.link = link
        let other = evidence.relatedClaims[otherID] ?? Claim()
        // A retracted claim was withdrawn from the record: it contradicts and repeats nothing any more.
        guard other.state != .retracted, relatedSeen.insert("\(link.relation.rawValue) \(otherID)").inserted else {
          continue
        }
        related.claim = other
        related.speaker = evidence.speakers[other.speakerID] ?? Speaker()
        switch link.relation {
        case .contradicts: entry.contradictingClaims.append(related)
        case .repeats: entry.repeats.append(related)
        default: break
        }
      case nil:
        break
      }
    }
    entry.contradictedBy.sort { date(of: $0) < date(of: $1) }
    return entry
  }

  /// The title when the request names none (``ReportTitle``): the speaker's name, the topic and the dates.
  func defaultTitle(_ request: GenerateReportRequest) async throws -> String {
    let name =
      request.speakerID.isEmpty ? nil : try await reader.speakers(ids: [request.speakerID])[request.speakerID]?.name
    return ReportTitle.make(speakerName: name, topic: request.topic, since: request.since, until: request.until)
  }

  /// When a piece of evidence appeared: the source's publication date, else the day it was linked.
  static func day(of evidence: Evidence) -> PartialDate? {
    if let published = evidence.source?.publishedOn { return published }
    guard let time = evidence.link?.createTime else { return nil }
    return PartialDate.today(now: time.date)
  }

  /// ``day(of:)`` as a sortable string ("" when unknown).
  static func date(of evidence: Evidence) -> String { day(of: evidence)?.rangeStart ?? "" }
}
