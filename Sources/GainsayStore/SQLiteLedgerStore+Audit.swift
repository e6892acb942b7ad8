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
    let event = try insert(db, draft.event(before: before, after: after, time: try clock.next(draft.time, db)))
    if let revision = draft.claimRevision(of: event) {
      try keepImportedRevision(db, before: before)
      try db.cachedStatement(sql: "INSERT INTO claim_revision(claim_id, revision, record) VALUES (?, ?, ?)").execute(
        arguments: [revision.claimID, revision.revision, Data(revision.serializedBytes())])
    }
    return event
  }

  /// Writes `event` to the log; returns it numbered.
  private static func insert(_ db: Database, _ event: AuditEvent) throws -> AuditEvent {
    try db.cachedStatement(sql: "INSERT INTO audit_event(resource_id, actor_uid, record) VALUES (?, ?, ?)").execute(
      arguments: [event.resourceID, event.actor?.uid ?? 0, Data(event.serializedBytes())])
    var numbered = event
    numbered.sequence = db.lastInsertedRowID
    return numbered
  }

  /// Before an imported claim's first change, its first revision (until then the record itself) is
  /// kept as a revision row, with the actor, time and origin of the chunk that created it. Only a claim
  /// at revision 1 can lack its row.
  static func keepImportedRevision(_ db: Database, before: Resource?) throws {
    guard case .claim(let claim)? = before?.kind, claim.revision == 1,
      try Bool.fetchOne(
        db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM claim_revision WHERE claim_id = ? AND revision = ?)"),
        arguments: [claim.id, claim.revision]) == false,
      let chunk = try chunkEvent(db, creating: claim.id)
    else { return }
    let revision = AuditDraft.importedRevision(of: claim, chunk: chunk)
    try db.cachedStatement(sql: "INSERT INTO claim_revision(claim_id, revision, record) VALUES (?, ?, ?)").execute(
      arguments: [revision.claimID, revision.revision, Data(revision.serializedBytes())])
  }

  /// Appends the one event of an import chunk that created the records `ids`, and the mentions that put
  /// it in each record's history.
  static func appendChunkAudit(
    _ db: Database, _ draft: AuditDraft, _ chunk: ImportChunk, created ids: [String], clock: AuditClock
  ) throws -> AuditEvent {
    let event = try insert(db, draft.chunkEvent(chunk, created: ids, time: try clock.next(draft.time, db)))
    try mention(db, ids, in: event.sequence)
    return event
  }

  /// Puts the event `sequence` in the history of each of `ids`.
  static func mention(_ db: Database, _ ids: [String], in sequence: Int64) throws {
    let statement = try db.cachedStatement(sql: "INSERT INTO audit_mention(resource_id, sequence) VALUES (?, ?)")
    for id in ids { try statement.execute(arguments: [id, sequence]) }
  }

  /// The import chunk event that created `id`, if an import did.
  static func chunkEvent(_ db: Database, creating id: String) throws -> AuditEvent? {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT e.sequence, e.record FROM audit_mention m JOIN audit_event e ON e.sequence = m.sequence
            WHERE m.resource_id = ? ORDER BY m.sequence LIMIT 1
            """),
        arguments: [id])
    else { return nil }
    var event = try AuditEvent(serializedBytes: row[1] as Data)
    event.sequence = row[0]
    return event
  }

  public func auditEvents(_ query: AuditQuery) async throws -> [AuditEvent] {
    var conditions = ["sequence > ?"]
    var arguments: StatementArguments = [query.afterSequence]
    if !query.resourceID.isEmpty {
      // Its own events, and the import chunk's that created it.
      conditions.append(
        "sequence IN (SELECT sequence FROM audit_event WHERE resource_id = ?"
          + " UNION ALL SELECT sequence FROM audit_mention WHERE resource_id = ?)")
      arguments += [query.resourceID, query.resourceID]
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
