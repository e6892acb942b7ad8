import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// The audit log: appended in the transaction of each change, read in sequence order.
extension SQLiteLedgerStore {
  /// Appends the audit event of a change (and a claim's revision). A source's archived text is not copied
  /// into the event: the source's hash and size identify it, so the audit log does not grow by the text
  /// on every change. The event's time never goes back from the last event's (``AuditClock``).
  static func appendAudit(
    _ db: Database, _ draft: AuditDraft, before: Resource?, after: Resource, clock: AuditClock
  ) throws -> AuditEvent {
    var event = draft.event(before: before, after: after, time: try clock.next(draft.time, db))
    try db.cachedStatement(sql: "INSERT INTO audit_event(resource_id, actor_uid, record) VALUES (?, ?, ?)").execute(
      arguments: [event.resourceID, draft.actor.uid, Data(event.serializedBytes())])
    event.sequence = db.lastInsertedRowID
    if let revision = draft.claimRevision(of: event) {
      try db.cachedStatement(sql: "INSERT INTO claim_revision(claim_id, revision, record) VALUES (?, ?, ?)").execute(
        arguments: [revision.claimID, revision.revision, Data(revision.serializedBytes())])
    }
    return event
  }

  public func auditEvents(_ query: AuditQuery) async throws -> [AuditEvent] {
    var conditions = ["sequence > ?"]
    var arguments: StatementArguments = [query.afterSequence]
    if !query.resourceID.isEmpty {
      conditions.append("resource_id = ?")
      arguments += [query.resourceID]
    }
    if let actorUID = query.actorUID {
      conditions.append("actor_uid = ?")
      arguments += [Int64(actorUID)]
    }
    let limit = query.limit.map { " LIMIT \(max(0, $0))" } ?? ""
    let sql =
      "SELECT sequence, record FROM audit_event WHERE " + conditions.joined(separator: " AND ") + " ORDER BY sequence"
      + limit
    let finalArguments = arguments
    return try await read { db in
      try Row.fetchAll(db, sql: sql, arguments: finalArguments).map { row in
        var event = try AuditEvent(serializedBytes: row[1] as Data)
        event.sequence = row[0]
        // Events written before sources' texts were left out of the log still hold them: not sent on.
        event.before = event.before?.withoutArchivedText
        event.after = event.after?.withoutArchivedText
        return event
      }
    }
  }

  public func lastSequence() async throws -> Int64 {
    try await read { db in try Int64.fetchOne(db, sql: "SELECT ifnull(max(sequence), 0) FROM audit_event") ?? 0 }
  }
}
