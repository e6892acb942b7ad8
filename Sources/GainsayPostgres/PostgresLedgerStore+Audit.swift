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
    if revision != nil { try await keepImportedRevision(tx.db, before: before) }
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

  /// Appends the one event of an import chunk that created the records `ids`, and the mentions that put
  /// it in each record's history.
  static func appendChunkAudit(
    _ tx: WriteContext, _ draft: AuditDraft, _ chunk: ImportChunk, created ids: [String]
  ) async throws -> AuditEvent {
    let (sequence, time) = tx.allocate(draft.time)
    var event = draft.chunkEvent(chunk, created: ids, time: time)
    event.sequence = sequence
    let row = auditRow(event)
    var sql = SQL("INSERT INTO audit_event(sequence, resource_id, actor_uid, time_ns, record) VALUES (")
    sql.addList([event.sequence, event.resourceID, Int64(draft.actor.uid), row.nanoseconds, row.record])
    sql += ")"
    try await tx.db.run(sql.query)
    try await mention(tx.db, ids, in: sequence)
    return event
  }

  /// Puts the event `sequence` in the history of each of `ids`.
  static func mention(_ db: PGConnection, _ ids: [String], in sequence: Int64) async throws {
    try await db.run(
      "INSERT INTO audit_mention(resource_id, sequence) SELECT unnest(\(ids)::text[]), \(sequence)")
  }

  /// The import chunk event that created `id`, if an import did.
  static func chunkEvent(_ db: PGConnection, creating id: String) async throws -> AuditEvent? {
    guard
      let row = try await db.one(
        """
        SELECT e.sequence, e.record FROM audit_mention m JOIN audit_event e ON e.sequence = m.sequence
        WHERE m.resource_id = \(id) ORDER BY m.sequence LIMIT 1
        """)
    else { return nil }
    let (sequence, record) = try row.decode((Int64, Data).self)
    var event = try AuditEvent(serializedBytes: record)
    event.sequence = sequence
    return event
  }

  /// Before an imported claim's first change, its first revision (until then the record itself) is
  /// kept as a revision row, with the actor, time and origin of the chunk that created it. Only a claim
  /// at revision 1 can lack its row.
  static func keepImportedRevision(_ db: PGConnection, before: Resource?) async throws {
    guard case .claim(let claim)? = before?.kind, claim.revision == 1 else { return }
    let kept = try await db.one(
      "SELECT EXISTS (SELECT 1 FROM claim_revision WHERE claim_id = \(claim.id) AND revision = \(Int64(claim.revision)))"
    )?.decode(Bool.self)
    guard kept == false, let chunk = try await chunkEvent(db, creating: claim.id) else { return }
    let revision = AuditDraft.importedRevision(of: claim, chunk: chunk)
    try await db.run(
      """
      INSERT INTO claim_revision(claim_id, revision, record)
      VALUES (\(revision.claimID), \(Int64(revision.revision)), \(Data(revision.serializedBytes())))
      """)
  }

  public func auditEvents(_ request: AuditQuery) async throws -> [AuditEvent] {
    var sql = SQL()
    sql.add("SELECT sequence, record FROM audit_event WHERE sequence > ?", request.afterSequence)
    if !request.resourceID.isEmpty {
      // Its own events, and the import chunk's that created it.
      sql.add(
        " AND sequence IN (SELECT sequence FROM audit_event WHERE resource_id = ?"
          + " UNION ALL SELECT sequence FROM audit_mention WHERE resource_id = ?)", request.resourceID,
        request.resourceID)
    }
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

