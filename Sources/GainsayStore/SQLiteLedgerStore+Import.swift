import Foundation
import GRDB
public import GainsayCore
public import GainsayProto
import Synchronization

/// Imports: batches of records in one transaction, and the lookups that resolve their references.
extension SQLiteLedgerStore {
  public func importBatch(
    created: [Resource], updated: [Resource], readRevisions: [String: Int32], audit: AuditDraft
  ) async throws -> [AuditEvent] {
    let clock = auditClock
    let events = try await write { db in
      var events: [AuditEvent] = []
      for resource in created {
        try Self.checkConstraints(db, for: resource, replacing: nil)
        try Self.store(db, resource, isNew: true, fresh: true)
        if audit.importChunks.isEmpty {
          events.append(try Self.appendAudit(db, audit, before: nil, after: resource, clock: clock))
        }
      }
      for (chunk, ids) in audit.chunks(of: created.map(\.typeAndID.1)) {
        events.append(try Self.appendChunkAudit(db, audit, chunk, created: ids, clock: clock))
      }
      for resource in updated {
        let (type, id) = resource.typeAndID
        guard let before = try Self.fetch(db, type, id: id) else {
          throw LedgerError.notFound(type.noun, id, field: "id")
        }
        if let read = readRevisions[id], let current = before.countedRevision {
          try StoreRefusal.checkImportBase(type, id, current: current, read: read)
        }
        try Self.checkConstraints(db, for: resource, replacing: before)
        try Self.store(db, resource, isNew: false)
        events.append(try Self.appendAudit(db, audit, before: before, after: resource, clock: clock))
      }
      return events
    }
    countWords(of: created + updated)
    return events
  }

  public func restore(_ restore: VerifiedRestore) async throws {
    try await write { db in
      let holdsRecords = try Bool.fetchOne(
        db,
        sql: """
          SELECT EXISTS(SELECT 1 FROM audit_event) OR EXISTS(SELECT 1 FROM speaker) OR EXISTS(SELECT 1 FROM claim)
            OR EXISTS(SELECT 1 FROM source)
          """)
      guard holdsRecords != true else {
        throw LedgerError(
          .failedPrecondition, "a restore goes into an empty ledger only; this one holds records now; nothing written")
      }
      for resource in restore.resources {
        try Self.checkConstraints(db, for: resource, replacing: nil)
        try Self.store(db, resource, isNew: true, fresh: true)
      }
      for revision in restore.revisions {
        try db.cachedStatement(sql: "INSERT INTO claim_revision(claim_id, revision, record) VALUES (?, ?, ?)").execute(
          arguments: [revision.claimID, revision.revision, Data(revision.serializedBytes())])
      }
      for event in restore.auditEvents {
        var record = event
        record.sequence = 0
        try db.cachedStatement(
          sql: "INSERT INTO audit_event(sequence, resource_id, actor_uid, record) VALUES (?, ?, ?, ?)"
        ).execute(
          arguments: [event.sequence, event.resourceID, event.actor?.uid ?? 0, Data(record.serializedBytes())])
        if event.importChunk != nil { try Self.mention(db, event.relatedIds, in: event.sequence) }
      }
      // The restored claims were searched for repeats in the ledger they come from.
      try db.execute(
        sql: "UPDATE repeat_search SET searched_through = (SELECT ifnull(max(sequence), 0) FROM audit_event) WHERE id = 1")
    }
    auditClock.reset()
    wordCounts.withLock { $0 = WordCounts() }
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
      // Not cached statements: their SQL changes with the number of ids.
      for chunk in ids.batches() {
        found.formUnion(
          try String.fetchAll(
            db, sql: "SELECT id FROM \(table) WHERE id IN (\(Self.placeholders(chunk.count)))",
            arguments: StatementArguments(chunk)))
      }
      return found
    }
  }

  public func speakerIDs(named names: [String]) async throws -> [String: String] {
    let keys = Array(Set(names.map { $0.lowercased() }))
    guard !keys.isEmpty else { return [:] }
    return try await read { db in
      var found: [String: String] = [:]
      for chunk in keys.batches() {
        let marks = Self.placeholders(chunk.count)
        for row in try Row.fetchAll(
          db, sql: "SELECT key, speaker_id FROM speaker_name WHERE key IN (\(marks))",
          arguments: StatementArguments(chunk))
        {
          found[row[0]] = row[1]
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
      for chunk in hashes.batches() {
        let marks = Self.placeholders(chunk.count)
        let rows = try Row.fetchAll(
          db, sql: "SELECT id, speaker_id, text_key FROM claim WHERE text_hash IN (\(marks)) AND state = 1",
          arguments: StatementArguments(chunk))
        // A hash can be shared: only rows whose speaker and text are those wanted count.
        for row in rows where wanted.contains(Key(speakerID: row[1], textKey: row[2])) {
          if case .claim(let claim)? = try Self.fetch(db, .claim, id: row[0])?.kind { found.append(claim) }
        }
      }
      return found
    }
  }
}
