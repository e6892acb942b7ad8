import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Reads: resources by id, speakers by name, the audit log.
extension PostgresLedgerStore {
  public func get<R: StoredRecord>(_ type: R.Type, id: String) async throws -> R? {
    try await read { db in try await Self.fetch(db, R.resourceType, id: id).map(R.unwrapped) }
  }

  /// A claim with its evidence counts, latest rating and speaker's name, as the SQLite store reads it.
  static let claimSelect = """
    SELECT c.record,
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 1),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 2),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 3),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 4),
      (SELECT v.rating FROM verdict v WHERE v.claim_id = c.id AND v.state = 1
        ORDER BY v.create_time DESC, v.seq DESC LIMIT 1),
      (SELECT s.name FROM speaker s WHERE s.id = c.speaker_id)
    FROM claim c
    """

  static func claim(from row: PostgresRow) throws -> Claim {
    let (record, contradicting, supporting, context, repeats, rating, speakerName) = try row.decode(
      (Data, Int64, Int64, Int64, Int64, String?, String?).self)
    var claim = try Claim(serializedBytes: record)
    var counts = EvidenceCounts()
    counts.contradicting = Int32(clamping: contradicting)
    counts.supporting = Int32(clamping: supporting)
    counts.context = Int32(clamping: context)
    counts.repeats = Int32(clamping: repeats)
    claim.evidence = counts
    claim.latestRating = rating ?? ""
    claim.speakerName = speakerName ?? ""
    return claim
  }

  /// A resource by id, sources with their archived text; `forUpdate` locks its row to the transaction's end.
  static func fetch(
    _ db: PGConnection, _ type: ResourceType, id: String, forUpdate: Bool = false
  ) async throws
    -> Resource?
  {
    let lock = forUpdate ? " FOR UPDATE" : ""
    var sql = SQL()
    switch type {
    case .speaker:
      sql.add("SELECT record FROM speaker WHERE id = ?" + lock, id)
      return try await db.one(sql.query).map { Resource(try Speaker(serializedBytes: try $0.decode(Data.self))) }
    case .claim:
      if forUpdate { try await db.run("SELECT 1 FROM claim WHERE id = \(id) FOR UPDATE") }
      sql.add(claimSelect + " WHERE c.id = ?", id)
      return try await db.one(sql.query).map { Resource(try claim(from: $0)) }
    case .source:
      sql.add("SELECT record, archived_text FROM source WHERE id = ?" + lock, id)
      return try await db.one(sql.query).map { row in
        let (record, text) = try row.decode((Data, String).self)
        var source = try Source(serializedBytes: record)
        source.archivedText = text
        return Resource(source)
      }
    case .link:
      sql.add("SELECT record FROM link WHERE id = ?" + lock, id)
      return try await db.one(sql.query).map { Resource(try Link(serializedBytes: try $0.decode(Data.self))) }
    case .verdict:
      sql.add("SELECT record FROM verdict WHERE id = ?" + lock, id)
      return try await db.one(sql.query).map { Resource(try Verdict(serializedBytes: try $0.decode(Data.self))) }
    default:
      return nil
    }
  }

  public func speaker(named name: String) async throws -> Speaker? {
    try await read { db in
      var id = try await db.one("SELECT speaker_id FROM speaker_name WHERE key = \(name.lowercased())")?
        .decode(String.self)
      if id == nil {
        // The same name after folding case, spacing and diacritics, if it names one speaker only.
        let ids = try await db.rows(
          "SELECT DISTINCT speaker_id FROM speaker_name WHERE fold = \(SpeakerNameMatch.fold(name)) LIMIT 2")
        if ids.count == 1 { id = try ids[0].decode(String.self) }
      }
      guard let id, case .speaker(let speaker)? = try await Self.fetch(db, .speaker, id: id)?.kind else { return nil }
      return speaker
    }
  }

  public func similarSpeakers(to query: String, limit: Int) async throws -> [Speaker] {
    try await read { db in
      // Every name and alias on record (merged speakers have none): a lookup by hand, not a hot path.
      var best: [String: Double] = [:]
      let reference = SpeakerNameMatch.Query(query)
      for try await row in try await db.stream("SELECT speaker_id, fold FROM speaker_name") {
        let (id, fold) = try row.decode((String, String).self)
        guard let score = reference.closeness(toFolded: fold) else { continue }
        best[id] = max(best[id] ?? 0, score)
      }
      var speakers: [Speaker] = []
      for entry in best.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }).prefix(limit) {
        if case .speaker(let speaker)? = try await Self.fetch(db, .speaker, id: entry.key)?.kind {
          speakers.append(speaker)
        }
      }
      return speakers
    }
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
