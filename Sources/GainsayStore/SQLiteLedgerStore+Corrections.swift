import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Corrections that change more than one resource in one transaction: merging a duplicate speaker, and a
/// source's new text withdrawing the links it no longer holds.
extension SQLiteLedgerStore {
  public func mergeSpeakers(
    duplicateID: String, intoID: String, audit: AuditDraft,
    merge: @escaping @Sendable (_ duplicate: Speaker, _ into: Speaker) throws -> (Speaker, Speaker),
    move: @escaping @Sendable (Claim) throws -> Claim
  ) async throws -> SpeakerMerge {
    let clock = auditClock
    let result = try await write { db in
      guard let duplicateBefore = try Self.fetch(db, .speaker, id: duplicateID),
        case .speaker(let duplicate) = duplicateBefore.kind
      else { throw LedgerError.notFound("speaker", duplicateID, field: "duplicate_id") }
      guard let intoBefore = try Self.fetch(db, .speaker, id: intoID), case .speaker(let into) = intoBefore.kind
      else { throw LedgerError.notFound("speaker", intoID, field: "into_id") }
      let (mergedDuplicate, mergedInto) = try merge(duplicate, into)
      let claimIDs = try String.fetchAll(
        db.cachedStatement(sql: "SELECT id FROM claim WHERE speaker_id = ? ORDER BY rowid"), arguments: [duplicateID])
      var events: [AuditEvent] = []
      // The duplicate first: its names are freed before the kept speaker takes them as aliases.
      try Self.store(db, Resource(mergedDuplicate), isNew: false)
      var mergeAudit = audit
      mergeAudit.action = .merge
      mergeAudit.relatedIDs = [intoID] + claimIDs
      events.append(
        try Self.appendAudit(db, mergeAudit, before: duplicateBefore, after: Resource(mergedDuplicate), clock: clock))
      try Self.checkConstraints(db, for: Resource(mergedInto), replacing: intoBefore)
      try Self.store(db, Resource(mergedInto), isNew: false)
      var updateAudit = audit
      updateAudit.action = .update
      updateAudit.relatedIDs = [duplicateID]
      events.append(
        try Self.appendAudit(db, updateAudit, before: intoBefore, after: Resource(mergedInto), clock: clock))
      for claimID in claimIDs {
        guard let before = try Self.fetch(db, .claim, id: claimID), case .claim(let claim) = before.kind else {
          continue
        }
        let moved = Resource(try move(claim))
        try Self.checkConstraints(db, for: moved, replacing: before)
        try Self.store(db, moved, isNew: false)
        events.append(try Self.appendAudit(db, updateAudit, before: before, after: moved, clock: clock))
      }
      return SpeakerMerge(
        into: mergedInto, duplicate: mergedDuplicate, movedClaimIDs: claimIDs, events: events)
    }
    return result
  }

  public func updateSource(
    id: String, expectedRevision: Int32, audit: AuditDraft, withdrawingBrokenLinks reason: String?,
    change: @escaping @Sendable (Source) throws -> Source
  ) async throws -> (Source, [AuditEvent]) {
    let clock = auditClock
    let (stored, events) = try await write { db in
      guard let before = try Self.fetch(db, .source, id: id), let source = Source(before) else {
        throw LedgerError.notFound("source", id, field: "source.id")
      }
      try source.checkRevision(expected: expectedRevision)
      let updated = try change(source)
      var events: [AuditEvent] = []
      if updated.archivedText != source.archivedText {
        events = try Self.reanchorLinks(
          db, of: id, in: updated.archivedText, audit: audit, withdrawing: reason, clock: clock)
      }
      let after = Resource(updated)
      try Self.checkConstraints(db, for: after, replacing: before)
      try Self.store(db, after, isNew: false)
      events.append(try Self.appendAudit(db, audit, before: before, after: after, clock: clock))
      return (updated, events)
    }
    countWords(of: [Resource(stored)])
    return (stored, events)
  }

  /// Anchors the active links of source `id` in its new `text` (``TextQuoteAnchor/reanchor(_:in:)``):
  /// where a passage's place or context changed, the link is updated with an UPDATE event. Passages no
  /// longer found are withdrawn with `reason` when it is given; otherwise the update fails with
  /// FAILED_PRECONDITION naming those links.
  static func reanchorLinks(
    _ db: Database, of id: String, in text: String, audit: AuditDraft, withdrawing reason: String?,
    clock: AuditClock
  ) throws -> [AuditEvent] {
    let rows = try Data.fetchAll(
      db.cachedStatement(
        sql: "SELECT record FROM link WHERE source_id = ? AND state = 1 AND quote <> '' ORDER BY rowid"),
      arguments: [id])
    let links = try rows.map { try Link(serializedBytes: $0) }
    var anchors = TextQuoteAnchor.reanchor(links.map { $0.quote ?? TextQuote() }, in: text)
    // Two links that quoted the same words at two places may both land on one place in the new text:
    // the later one has lost its place, as if its passage were gone.
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
      try store(db, Resource(link), isNew: false)
      events.append(try appendAudit(db, change, before: Resource(before), after: Resource(link), clock: clock))
    }
    return events
  }
}
