import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Speakers: their rows and names, the names' uniqueness, lookups by name, and lists.
extension SQLiteLedgerStore {
  static func fetchSpeaker(_ db: Database, id: String) throws -> Speaker? {
    try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM speaker WHERE id = ?"), arguments: [id]).map {
      try Speaker(serializedBytes: $0)
    }
  }

  /// Refuses a name or alias that is already another speaker's.
  static func checkNames(_ db: Database, of speaker: Speaker) throws {
    for (index, name) in ([speaker.name] + speaker.aliases).enumerated() {
      if let owner = try String.fetchOne(
        db.cachedStatement(sql: "SELECT speaker_id FROM speaker_name WHERE key = ?"), arguments: [name.lowercased()]),
        owner != speaker.id
      {
        throw StoreRefusal.nameTaken(name, index: index, owner: owner)
      }
    }
  }

  /// Writes a speaker's row, its names and its search entry; a changed speaker's claims are re-indexed,
  /// since their search entries hold its names.
  static func storeSpeaker(_ db: Database, _ speaker: Speaker, isNew: Bool, fresh: Bool) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO speaker(id, name, country, merged_into, record) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, country = excluded.country,
          merged_into = excluded.merged_into, record = excluded.record
        """
    ).execute(
      arguments: [speaker.id, speaker.name, speaker.country, speaker.mergedInto, Data(speaker.serializedBytes())])
    try db.cachedStatement(sql: "DELETE FROM speaker_name WHERE speaker_id = ?").execute(arguments: [speaker.id])
    guard speaker.mergedInto.isEmpty else {
      // A redirect: its names now belong to the speaker it was merged into, and search finds that one.
      try unindex(db, .speaker, speaker.id)
      return
    }
    for (index, name) in ([speaker.name] + speaker.aliases).enumerated() {
      try db.cachedStatement(
        sql: "INSERT INTO speaker_name(key, name, speaker_id, is_alias, fold) VALUES (?, ?, ?, ?, ?)"
      ).execute(arguments: [name.lowercased(), name, speaker.id, index == 0 ? 0 : 1, SpeakerNameMatch.fold(name)])
    }
    try index(
      db, .speaker, speaker.id, title: speaker.name,
      body: ([speaker.role, speaker.affiliation] + speaker.aliases).joined(separator: " "), fresh: fresh)
    if !isNew {
      for claimID in try String.fetchAll(
        db.cachedStatement(sql: "SELECT id FROM claim WHERE speaker_id = ?"), arguments: [speaker.id])
      {
        if let claim = try fetchClaim(db, id: claimID) { try indexClaim(db, claim) }
      }
    }
  }

  public func speaker(named name: String) async throws -> Speaker? {
    try await read { db in
      var id = try String.fetchOne(
        db.cachedStatement(sql: "SELECT speaker_id FROM speaker_name WHERE key = ?"), arguments: [name.lowercased()])
      if id == nil {
        // The same name after folding case, spacing and diacritics, if it names one speaker only.
        let ids = try String.fetchAll(
          db.cachedStatement(sql: "SELECT DISTINCT speaker_id FROM speaker_name WHERE fold = ? LIMIT 2"),
          arguments: [SpeakerNameMatch.fold(name)])
        if ids.count == 1 { id = ids[0] }
      }
      guard let id else { return nil }
      return try Self.fetchSpeaker(db, id: id)
    }
  }

  public func similarSpeakers(to query: String, limit: Int) async throws -> [Speaker] {
    try await read { db in
      // Every name and alias on record (merged speakers have none): a speaker lookup by hand, not a hot path.
      var best: [String: Double] = [:]
      let reference = SpeakerNameMatch.Query(query)
      // Folded when stored: only the reference is folded here.
      let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT speaker_id, fold FROM speaker_name"))
      while let row = try rows.next() {
        guard let score = reference.closeness(toFolded: row[1] as String) else { continue }
        let id: String = row[0]
        best[id] = max(best[id] ?? 0, score)
      }
      return try best.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).compactMap {
        try Self.fetchSpeaker(db, id: $0.key)
      }
    }
  }

  public func listSpeakers(
    nameContains: String, country: String, includeMerged: Bool, pageSize: Int, pageToken: String
  ) async throws -> Page<Speaker> {
    var conditions = includeMerged ? ["1"] : ["merged_into = ''"]
    var arguments: StatementArguments = []
    if !nameContains.isEmpty {
      conditions.append("id IN (SELECT speaker_id FROM speaker_name WHERE instr(key, ?) > 0)")
      arguments += [nameContains.lowercased()]
    }
    if !country.isEmpty {
      conditions.append("country = ?")
      arguments += [country]
    }
    let whereClause = " WHERE " + conditions.joined(separator: " AND ")
    return try await page(
      sql: "SELECT record FROM speaker" + whereClause + " ORDER BY name COLLATE NOCASE, id", arguments: arguments,
      pageSize: pageSize, pageToken: pageToken
    ) { try Speaker(serializedBytes: $0[0] as Data) }
  }
}
