import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Corrections that change more than one resource in one transaction: merging a duplicate speaker, and a
/// source's new text withdrawing the links it no longer holds.
extension PostgresLedgerStore {
  public func mergeSpeakers(
    duplicateID: String, intoID: String, audit: AuditDraft,
    merge: @escaping @Sendable (_ duplicate: Speaker, _ into: Speaker) throws -> (Speaker, Speaker),
    move: @escaping @Sendable (Claim) throws -> Claim
  ) async throws -> SpeakerMerge {
    try await write { tx in
      let db = tx.db
      guard let duplicateBefore = try await Self.fetch(db, .speaker, id: duplicateID, forUpdate: true),
        case .speaker(let duplicate) = duplicateBefore.kind
      else { throw LedgerError.notFound("speaker", duplicateID, field: "duplicate_id") }
      guard let intoBefore = try await Self.fetch(db, .speaker, id: intoID, forUpdate: true),
        case .speaker(let into) = intoBefore.kind
      else { throw LedgerError.notFound("speaker", intoID, field: "into_id") }
      let (mergedDuplicate, mergedInto) = try merge(duplicate, into)
      // Every claim of the duplicate moves, in the order they were written.
      let claimIDs = try await db.rows(
        "SELECT id FROM claim WHERE speaker_id = \(duplicateID) ORDER BY seq FOR UPDATE"
      ).map { try $0.decode(String.self) }
      var events: [AuditEvent] = []
      // The duplicate first: its names are freed before the kept speaker takes them as aliases.
      try await Self.store(db, Resource(mergedDuplicate), isNew: false)
      var mergeAudit = audit
      mergeAudit.action = .merge
      mergeAudit.relatedIDs = [intoID] + claimIDs
      events.append(
        try await Self.appendAudit(tx, mergeAudit, before: duplicateBefore, after: Resource(mergedDuplicate)))
      try await Self.checkConstraints(db, for: Resource(mergedInto), replacing: intoBefore)
      try await Self.store(db, Resource(mergedInto), isNew: false)
      var updateAudit = audit
      updateAudit.action = .update
      updateAudit.relatedIDs = [duplicateID]
      events.append(try await Self.appendAudit(tx, updateAudit, before: intoBefore, after: Resource(mergedInto)))
      for claimID in claimIDs {
        guard let before = try await Self.fetch(db, .claim, id: claimID), case .claim(let claim) = before.kind else {
          continue
        }
        let moved = Resource(try move(claim))
        try await Self.checkConstraints(db, for: moved, replacing: before)
        try await Self.store(db, moved, isNew: false)
        events.append(try await Self.appendAudit(tx, updateAudit, before: before, after: moved))
      }
      return SpeakerMerge(into: mergedInto, duplicate: mergedDuplicate, movedClaimIDs: claimIDs, events: events)
    }
  }

  public func updateSource(
    id: String, expectedRevision: Int32, audit: AuditDraft, withdrawingBrokenLinks reason: String?,
    change: @escaping @Sendable (Source) throws -> Source
  ) async throws -> (Source, [AuditEvent]) {
    try await write { tx in
      guard let before = try await Self.fetch(tx.db, .source, id: id, forUpdate: true), let source = Source(before)
      else {
        throw LedgerError.notFound("source", id, field: "source.id")
      }
      try source.checkRevision(expected: expectedRevision)
      let updated = try change(source)
      var events: [AuditEvent] = []
      if updated.archivedText != source.archivedText {
        events = try await Self.reanchorLinks(tx, of: id, in: updated.archivedText, audit: audit, withdrawing: reason)
      }
      let after = Resource(updated)
      try await Self.checkConstraints(tx.db, for: after, replacing: before)
      try await Self.store(tx.db, after, isNew: false)
      events.append(try await Self.appendAudit(tx, audit, before: before, after: after))
      return (updated, events)
    }
  }

  /// Anchors the active links of source `id` in its new `text`, as the SQLite store does: moved passages
  /// are updated, lost ones withdrawn with `reason`, or the update fails naming them.
  static func reanchorLinks(
    _ tx: WriteContext, of id: String, in text: String, audit: AuditDraft, withdrawing reason: String?
  ) async throws -> [AuditEvent] {
    let rows = try await tx.db.rows(
      "SELECT record FROM link WHERE source_id = \(id) AND state = 1 AND quote <> '' ORDER BY seq FOR UPDATE")
    let links = try rows.map { try Link(serializedBytes: try $0.decode(Data.self)) }
    var anchors = TextQuoteAnchor.reanchor(links.map { $0.quote ?? TextQuote() }, in: text)
    var taken = Set<String>()
    for (index, link) in links.enumerated() {
      guard let anchored = anchors[index] else { continue }
      let key = "\(link.claimID)\u{0}\(link.relation.rawValue)\u{0}\(anchored.exact)\u{0}\(anchored.start)"
      if !taken.insert(key).inserted { anchors[index] = nil }
    }
    let broken = zip(links, anchors).filter { $0.1 == nil }.map(\.0.id)
    if reason == nil, !broken.isEmpty { throw StoreRefusal.brokenEvidence(broken, in: id) }
    var events: [AuditEvent] = []
    for (before, anchored) in zip(links, anchors) where anchored != before.quote {
      var link = before
      var change = audit
      change.relatedIDs = [id]
      if let anchored {
        link.quote = anchored
        change.reason = "re-anchored in the updated text of \(id)"
      } else {
        link.state = .withdrawn
        link.withdrawalReason = reason ?? ""
        change.action = .withdraw
        change.reason = reason ?? ""
      }
      try await store(tx.db, Resource(link), isNew: false)
      events.append(try await appendAudit(tx, change, before: Resource(before), after: Resource(link)))
    }
    return events
  }
}
