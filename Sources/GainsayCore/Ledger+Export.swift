import Foundation
public import GainsayProto

/// Export: the whole ledger as records, in an order that restores cleanly.
extension Ledger {
  /// Everything in the ledger, in an order that restores cleanly: speakers, sources (with archived text),
  /// claims each followed by its revisions, links, verdicts, and (on request) the audit log.
  public func export(
    _ request: ExportRequest, caller: CallerIdentity, _ deliver: (LedgerRecord) async throws -> Void
  ) async throws {
    try require(.reader, caller, to: "exporting the ledger")
    func record(_ kind: LedgerRecord.Record) -> LedgerRecord {
      var record = LedgerRecord()
      record.record = kind
      return record
    }
    var token = ""
    repeat {
      let page = try await store.listSpeakers(
        nameContains: "", country: "", includeMerged: true, pageSize: 1000, pageToken: token)
      for speaker in page.items { try await deliver(record(.speaker(speaker))) }
      token = page.nextPageToken
    } while !token.isEmpty
    repeat {
      let page = try await store.listSources(outlet: "", kind: .unspecified, pageSize: 1000, pageToken: token)
      for listed in page.items {
        guard let source = try await store.get(Source.self, id: listed.id) else { continue }
        try await deliver(record(.source(source)))
      }
      token = page.nextPageToken
    } while !token.isEmpty
    var claimIDs: [String] = []
    for state in [ClaimState.active, .retracted] {
      var filter = ClaimFilter()
      filter.state = state
      repeat {
        let page = try await store.listClaims(filter, pageSize: 1000, pageToken: token)
        for claim in page.items {
          claimIDs.append(claim.id)
          var plain = claim
          plain.evidence = nil
          plain.latestRating = ""
          try await deliver(record(.claim(plain)))
          var revisionToken = ""
          repeat {
            let revisions = try await store.listClaimRevisions(
              claimID: claim.id, pageSize: 1000, pageToken: revisionToken)
            for revision in revisions.items { try await deliver(record(.claimRevision(revision))) }
            revisionToken = revisions.nextPageToken
          } while !revisionToken.isEmpty
        }
        token = page.nextPageToken
      } while !token.isEmpty
    }
    var links = LinkFilter()
    links.includeWithdrawn = true
    repeat {
      let page = try await store.listLinks(links, pageSize: 1000, pageToken: token)
      for link in page.items { try await deliver(record(.link(link))) }
      token = page.nextPageToken
    } while !token.isEmpty
    for id in claimIDs {
      var verdictToken = ""
      repeat {
        let page = try await store.listVerdicts(
          claimID: id, includeWithdrawn: true, pageSize: 1000, pageToken: verdictToken)
        // Signed, as every verdict the daemon returns: a ledger that merges the export keeps the name.
        for verdict in page.items.reversed() { try await deliver(record(.verdict(configuration.signed(verdict)))) }
        verdictToken = page.nextPageToken
      } while !verdictToken.isEmpty
    }
    if request.includeAuditEvents {
      let pageSize = 10_000
      var query = AuditQuery(limit: pageSize)
      while true {
        let events = try await store.auditEvents(query)
        for event in events { try await deliver(record(.auditEvent(event))) }
        guard let last = events.last, events.count == pageSize else { break }
        query.afterSequence = last.sequence
      }
    }
  }
}
