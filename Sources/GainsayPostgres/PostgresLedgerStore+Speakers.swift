import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Speakers: their rows and names, the names' uniqueness, lookups by name, and lists.
extension PostgresLedgerStore {
  /// A speaker by id; `lock` is empty or " FOR UPDATE".
  static func fetchSpeaker(_ db: PGConnection, id: String, lock: String = "") async throws -> Speaker? {
    var sql = SQL()
    sql.add("SELECT record FROM speaker WHERE id = ?" + lock, id)
    return try await db.one(sql.query).map { try Speaker(serializedBytes: try $0.decode(Data.self)) }
  }

  /// Refuses a name or alias that is already another speaker's.
  static func checkNames(_ db: PGConnection, of speaker: Speaker) async throws {
    for (index, name) in ([speaker.name] + speaker.aliases).enumerated() {
      if let owner = try await db.one("SELECT speaker_id FROM speaker_name WHERE key = \(name.lowercased())")?
        .decode(String.self), owner != speaker.id
      {
        throw StoreRefusal.nameTaken(name, index: index, owner: owner)
      }
    }
  }

  /// Writes a speaker's row, its names and its search entry; a changed speaker's claims are re-indexed,
  /// since their search entries hold its names.
  static func storeSpeaker(_ db: PGConnection, _ speaker: Speaker, isNew: Bool) async throws {
    try await db.run(
      """
      INSERT INTO speaker(id, name, country, merged_into, record)
      VALUES (\(speaker.id), \(speaker.name), \(speaker.country), \(speaker.mergedInto), \(Data(speaker.serializedBytes())))
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, country = excluded.country,
        merged_into = excluded.merged_into, record = excluded.record
      """)
    if !isNew { try await db.run("DELETE FROM speaker_name WHERE speaker_id = \(speaker.id)") }
    guard speaker.mergedInto.isEmpty else {
      // A redirect: its names now belong to the speaker it was merged into, and search finds that one.
      try await unindex(db, .speaker, speaker.id)
      return
    }
    for (index, name) in ([speaker.name] + speaker.aliases).enumerated() {
      try await db.run(
        """
        INSERT INTO speaker_name(key, name, speaker_id, is_alias, fold)
        VALUES (\(name.lowercased()), \(name), \(speaker.id), \(index != 0), \(SpeakerNameMatch.fold(name)))
        """)
    }
    try await index(
      db, .speaker, speaker.id, title: speaker.name,
      body: ([speaker.role, speaker.affiliation] + speaker.aliases).joined(separator: " "))
    guard !isNew else { return }
    // The speaker's names are in the search entries of their claims: a bounded batch at a time.
    var after = ""
    while true {
      let rows = try await db.rows(
        "SELECT id FROM claim WHERE speaker_id = \(speaker.id) AND id > \(after) ORDER BY id LIMIT 500")
      for row in rows {
        let id = try row.decode(String.self)
        if let claim = try await fetchClaim(db, id: id) { try await indexClaim(db, claim) }
        after = id
      }
      if rows.count < 500 { break }
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
      guard let id else { return nil }
      return try await Self.fetchSpeaker(db, id: id)
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
        if let speaker = try await Self.fetchSpeaker(db, id: entry.key) { speakers.append(speaker) }
      }
      return speakers
    }
  }

  public func listSpeakers(
    nameContains: String, country: String, includeMerged: Bool, pageSize: Int, pageToken: String
  ) async throws -> Page<Speaker> {
    var sql = SQL("SELECT record FROM speaker WHERE " + (includeMerged ? "true" : "merged_into = ''"))
    if !nameContains.isEmpty {
      sql.add(" AND id IN (SELECT speaker_id FROM speaker_name WHERE strpos(key, ?) > 0)", nameContains.lowercased())
    }
    if !country.isEmpty { sql.add(" AND country = ?", country) }
    // SQLite's NOCASE folds ASCII only: so does lower() under the "C" collation.
    sql += " ORDER BY lower(name), name, id"
    return try await page(sql, pageSize: pageSize, pageToken: pageToken) {
      try Speaker(serializedBytes: try $0.decode(Data.self))
    }
  }
}
