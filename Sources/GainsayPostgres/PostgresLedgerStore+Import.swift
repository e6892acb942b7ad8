import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Imports and restores: batches of records in one transaction, and the lookups that resolve references.
extension PostgresLedgerStore {
  public func importBatch(
    created: [Resource], updated: [Resource], readRevisions: [String: Int32], audit: AuditDraft
  ) async throws -> [AuditEvent] {
    try await write { tx in
      var events: [AuditEvent] = []
      // Runs of new claims (most of an import) go in a few statements each; other records one at a time.
      var claims: [Claim] = []
      for resource in created {
        if case .claim(let claim)? = resource.kind {
          claims.append(claim)
          continue
        }
        events += try await Self.insertClaims(tx, claims, audit: audit)
        claims = []
        try await Self.checkConstraints(tx.db, for: resource, replacing: nil)
        try await Self.store(tx.db, resource, isNew: true)
        if audit.importChunks.isEmpty {
          events.append(try await Self.appendAudit(tx, audit, before: nil, after: resource))
        }
      }
      events += try await Self.insertClaims(tx, claims, audit: audit)
      for (chunk, ids) in audit.chunks(of: created.map(\.typeAndID.1)) {
        events.append(try await Self.appendChunkAudit(tx, audit, chunk, created: ids))
      }
      for resource in updated {
        let (type, id) = resource.typeAndID
        guard let before = try await Self.fetch(tx.db, type, id: id, forUpdate: true) else {
          throw LedgerError.notFound(type.noun, id, field: "id")
        }
        if let read = readRevisions[id], let current = before.countedRevision {
          try StoreRefusal.checkImportBase(type, id, current: current, read: read)
        }
        try await Self.checkConstraints(tx.db, for: resource, replacing: before)
        try await Self.store(tx.db, resource, isNew: false)
        events.append(try await Self.appendAudit(tx, audit, before: before, after: resource))
      }
      return events
    }
  }

  public func restore(_ restore: VerifiedRestore) async throws {
    try await write { tx in
      // Under the audit lock: no other daemon's write can land between this check and the restore's commit.
      let holdsRecords =
        try await tx.db.one(
          """
          SELECT EXISTS (SELECT 1 FROM audit_event) OR EXISTS (SELECT 1 FROM speaker) OR EXISTS (SELECT 1 FROM claim)
            OR EXISTS (SELECT 1 FROM source)
          """)?.decode(Bool.self) ?? true
      guard !holdsRecords else {
        throw LedgerError(
          .failedPrecondition, "a restore goes into an empty ledger only; this one holds records now; nothing written")
      }
      for resource in restore.resources {
        try await Self.checkConstraints(tx.db, for: resource, replacing: nil)
        try await Self.store(tx.db, resource, isNew: true)
      }
      for revision in restore.revisions {
        try await tx.db.run(
          """
          INSERT INTO claim_revision(claim_id, revision, record)
          VALUES (\(revision.claimID), \(Int64(revision.revision)), \(Data(revision.serializedBytes())))
          """)
      }
      for event in restore.auditEvents {
        var record = event
        record.sequence = 0
        let time = (event.time?.seconds ?? 0) &* 1_000_000_000 &+ Int64(event.time?.nanos ?? 0)
        try await tx.db.run(
          """
          INSERT INTO audit_event(sequence, resource_id, actor_uid, time_ns, record)
          VALUES (\(event.sequence), \(event.resourceID), \(Int64(event.actor?.uid ?? 0)), \(time),
            \(Data(record.serializedBytes())))
          """)
        if event.importChunk != nil { try await Self.mention(tx.db, event.relatedIds, in: event.sequence) }
      }
      // The restored claims were searched for repeats in the ledger they come from.
      try await tx.db.run(
        "UPDATE repeat_search SET searched_through = (SELECT coalesce(max(sequence), 0) FROM audit_event) WHERE id = 1")
      if let last = restore.auditEvents.map(\.sequence).max() {
        try await tx.db.run("SELECT pg_notify(\(Self.channel), \(String(last)))")
      }
    }
  }

  public func existingIDs(_ type: ResourceType, among ids: [String]) async throws -> Set<String> {
    let table: String
    switch type {
    case .speaker: table = "speaker"
    case .claim: table = "claim"
    case .source: table = "source"
    case .link: table = "link"
    case .verdict: table = "verdict"
    default: return []
    }
    guard !ids.isEmpty else { return [] }
    return try await read { db in
      var found = Set<String>()
      for batch in ids.batches() {
        var sql = SQL()
        sql.add("SELECT id FROM \(table) WHERE id = ANY(?)", Array(batch))
        for row in try await db.rows(sql) { found.insert(try row.decode(String.self)) }
      }
      return found
    }
  }

  public func speakerIDs(named names: [String]) async throws -> [String: String] {
    let keys = Array(Set(names.map { $0.lowercased() }))
    guard !keys.isEmpty else { return [:] }
    return try await read { db in
      var found: [String: String] = [:]
      for batch in keys.batches() {
        let rows = try await db.rows("SELECT key, speaker_id FROM speaker_name WHERE key = ANY(\(Array(batch)))")
        for row in rows {
          let (key, id) = try row.decode((String, String).self)
          found[key] = id
        }
      }
      return found
    }
  }

  public func claims(matching keys: [(speakerID: String, text: String)]) async throws -> [Claim] {
    struct Key: Hashable {
      let speakerID: String
      let textKey: String
    }
    let wanted = Set(keys.map { Key(speakerID: $0.speakerID, textKey: Similarity.normalised($0.text)) })
    guard !wanted.isEmpty else { return [] }
    let hashes = Array(Set(wanted.map { ClaimTextHash.of(speakerID: $0.speakerID, textKey: $0.textKey) }))
    return try await read { db in
      var found: [Claim] = []
      for batch in hashes.batches() {
        var sql = SQL(Self.claimSelect)
        sql.add(" WHERE c.text_hash = ANY(?) AND c.state = 1 ORDER BY c.seq", Array(batch))
        // Only rows whose speaker and text are those wanted count (a hash can be shared).
        for row in try await db.rows(sql) {
          let claim = try Self.claim(from: row)
          if wanted.contains(Key(speakerID: claim.speakerID, textKey: Similarity.normalised(claim.text))) {
            found.append(claim)
          }
        }
      }
      return found
    }
  }
}
