import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// The audit log: appended in the transaction of each change, numbered after every event committed, and
/// read in sequence order.
extension PostgresLedgerStore {
  /// The audit event of a change, numbered after every event committed, and a claim's revision.
  static func auditRecords(
    _ tx: WriteContext, _ draft: AuditDraft, before: Resource?, after: Resource
  ) -> (event: AuditEvent, revision: ClaimRevision?) {
    let (sequence, time) = tx.allocate(draft.time)
    var event = draft.event(before: before, after: after, time: time)
    event.sequence = sequence
    return (event, draft.claimRevision(of: event))
  }

  /// An audit event's row: the record keeps no sequence (the column does).
  static func auditRow(_ event: AuditEvent) -> (nanoseconds: Int64, record: Data) {
    var record = event
    record.sequence = 0
    let time = event.time ?? Timestamp()
    return (time.seconds &* 1_000_000_000 &+ Int64(time.nanos), Data(record.serializedBytes()))
  }

  /// Appends the audit event of a change (and a claim's revision), numbered after every event committed.
  static func appendAudit(
    _ tx: WriteContext, _ draft: AuditDraft, before: Resource?, after: Resource
  ) async throws -> AuditEvent {
    let (event, revision) = auditRecords(tx, draft, before: before, after: after)
    let row = auditRow(event)
    // The event, a claim's revision and the first event's wake-up of other daemons (sent at commit) in
    // one statement: one round trip.
    var sql = SQL("WITH appended AS (INSERT INTO audit_event(sequence, resource_id, actor_uid, time_ns, record) VALUES (")
    sql.addList([event.sequence, event.resourceID, Int64(draft.actor.uid), row.nanoseconds, row.record])
    sql += ") RETURNING sequence)"
    if let revision {
      sql.add(
        ", revision AS (INSERT INTO claim_revision(claim_id, revision, record) VALUES (?, ?, ?))",
        revision.claimID, Int64(revision.revision), Data(revision.serializedBytes()))
    }
    if tx.notifies(event.sequence) {
      sql.add(" SELECT pg_notify(?, sequence::text) FROM appended", Self.channel)
    } else {
      sql += " SELECT sequence FROM appended"
    }
    try await tx.db.run(sql.query)
    return event
  }

  public func auditEvents(_ request: AuditQuery) async throws -> [AuditEvent] {
    var sql = SQL()
    sql.add("SELECT sequence, record FROM audit_event WHERE sequence > ?", request.afterSequence)
    if !request.resourceID.isEmpty { sql.add(" AND resource_id = ?", request.resourceID) }
    if let actorUID = request.actorUID { sql.add(" AND actor_uid = ?", Int64(actorUID)) }
    sql += " ORDER BY sequence"
    if let limit = request.limit { sql.add(" LIMIT ?", Int64(max(0, limit))) }
    let query = try sql.query
    return try await read { db in
      var events: [AuditEvent] = []
      for try await row in try await db.stream(query) {
        let (sequence, record) = try row.decode((Int64, Data).self)
        var event = try AuditEvent(serializedBytes: record)
        event.sequence = sequence
        event.before = event.before?.withoutArchivedText
        event.after = event.after?.withoutArchivedText
        events.append(event)
      }
      return events
    }
  }

  public func lastSequence() async throws -> Int64 {
    try await read { db in
      try await db.one("SELECT coalesce(max(sequence), 0)::bigint FROM audit_event")?.decode(Int64.self) ?? 0
    }
  }
}

