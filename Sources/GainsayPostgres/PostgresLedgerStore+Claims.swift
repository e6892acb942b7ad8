import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Claims: their rows, topics and search entries, what a write must not break, and lists.
extension PostgresLedgerStore {
  /// A claim with its evidence counts, latest rating and speaker's name, as the SQLite store reads it.
  static let claimSelect = SharedSQL.claimWithCounts(insertionOrder: "seq")

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

  /// A claim by id; `forUpdate` locks its row to the transaction's end.
  static func fetchClaim(_ db: PGConnection, id: String, forUpdate: Bool = false) async throws -> Claim? {
    if forUpdate { try await db.run("SELECT 1 FROM claim WHERE id = \(id) FOR UPDATE") }
    var sql = SQL()
    sql.add(claimSelect + " WHERE c.id = ?", id)
    return try await db.one(sql.query).map(claim(from:))
  }

  /// Refuses a claim whose speaker is missing or merged, and a new text that drops words links quote.
  static func checkClaim(_ db: PGConnection, _ claim: Claim, replacing old: Claim?) async throws {
    try StoreRefusal.checkSpeaker(
      of: claim,
      mergedInto: try await db.one("SELECT merged_into FROM speaker WHERE id = \(claim.speakerID)")?
        .decode(String.self))
    guard let old, old.text != claim.text else { return }
    let quoting = try await db.rows(
      "SELECT id, quote FROM link WHERE target_claim_id = \(claim.id) AND state = 1 AND quote <> '' ORDER BY seq")
    var broken: [String] = []
    for row in quoting {
      let (id, quote) = try row.decode((String, String).self)
      if !TextQuoteAnchor.occurs(quote, in: claim.text) { broken.append(id) }
    }
    if !broken.isEmpty { throw StoreRefusal.quotedWordsGone(broken, from: claim.id) }
  }

  /// Writes a claim's row, its topics and its search entry.
  static func storeClaim(_ db: PGConnection, _ claim: Claim, isNew: Bool) async throws {
    let row = ClaimColumns(claim)
    // A new claim is a plain INSERT, as in the SQLite store: an id already taken fails.
    var sql = SQL(
      "INSERT INTO claim(id, speaker_id, said_start, said_end, text_key, text_hash, state, record) VALUES (")
    sql.addList([
      claim.id, claim.speakerID, row.saidStart, row.saidEnd, row.textKey, row.textHash, row.state, row.record,
    ])
    sql += ")"
    if !isNew {
      sql += """
         ON CONFLICT (id) DO UPDATE SET speaker_id = excluded.speaker_id, said_start = excluded.said_start,
          said_end = excluded.said_end, text_key = excluded.text_key, text_hash = excluded.text_hash,
          state = excluded.state, record = excluded.record
        """
    }
    let topics = Set(claim.topics).sorted()
    if isNew {
      // The claim and its topics in one statement (one round trip).
      var statement = SQL("WITH inserted AS (")
      statement.append(sql)
      statement.add(
        " RETURNING id) INSERT INTO claim_topic(topic, claim_id) SELECT t, inserted.id FROM inserted, unnest(?::text[]) t",
        topics)
      try await db.run(statement.query)
    } else {
      try await db.run(sql.query)
      try await db.run("DELETE FROM claim_topic WHERE claim_id = \(claim.id)")
      try await db.run("INSERT INTO claim_topic(topic, claim_id) SELECT unnest(\(topics)::text[]), \(claim.id)")
    }
    try await indexClaim(db, claim)
  }

  /// Writes a claim's search entry: its text, then its context, its speaker's names and its topics.
  static func indexClaim(_ db: PGConnection, _ claim: Claim) async throws {
    let names = try await db.rows(
      """
      SELECT name FROM speaker_name WHERE speaker_id = \(claim.speakerID) ORDER BY is_alias, name
      LIMIT \(Self.indexedSpeakerNames)
      """
    ).map { try $0.decode(String.self) }
    try await index(db, .claim, claim.id, title: claim.text, body: searchBody(of: claim, speakerNames: names))
  }

  /// How many of a speaker's names (the name, then aliases) go into their claims' search entries.
  static let indexedSpeakerNames = 1_000

  /// What a claim's search entry holds besides its text: the context, the speaker's names and the topics.
  static func searchBody(of claim: Claim, speakerNames: [String]) -> String {
    ([claim.context] + speakerNames + claim.topics).joined(separator: "\n")
  }

  /// A claim's row: the record as stored (without what is filled on read) and the columns it is found by.
  struct ClaimColumns {
    var saidStart: String
    var saidEnd: String
    var textKey: String
    var textHash: Int64
    var state: Int
    var record: Data

    init(_ claim: Claim) {
      var stored = claim
      stored.evidence = nil
      stored.latestRating = ""
      stored.speakerName = ""
      let saidOn = claim.saidOn ?? PartialDate()
      saidStart = saidOn.rangeStart
      saidEnd = saidOn.rangeEnd
      textKey = Similarity.normalised(claim.text)
      textHash = ClaimTextHash.of(speakerID: claim.speakerID, textKey: textKey)
      state = Int(claim.state.rawValue)
      record = Data(stored.serializedBytes())
    }
  }

  public func listClaims(_ filter: ClaimFilter, pageSize: Int, pageToken: String) async throws -> Page<Claim> {
    var sql = SQL(Self.claimSelect + " WHERE ")
    Self.addConditions(of: filter, to: &sql)
    sql += " ORDER BY c.said_start DESC, c.id"
    return try await page(sql, pageSize: pageSize, pageToken: pageToken, decode: Self.claim(from:))
  }

  /// The conditions (on `claim c`) selecting the claims `filter` describes.
  static func addConditions(of filter: ClaimFilter, to sql: inout SQL) {
    sql.add("c.state = ?", Int(filter.state.rawValue))
    if !filter.speakerID.isEmpty { sql.add(" AND c.speaker_id = ?", filter.speakerID) }
    if !filter.topic.isEmpty {
      sql.add(" AND c.id IN (SELECT claim_id FROM claim_topic WHERE topic = ?)", filter.topic)
    }
    if let from = filter.saidFrom { sql.add(" AND c.said_end >= ?", from.rangeStart) }
    if let until = filter.saidUntil { sql.add(" AND c.said_start <= ?", until.rangeEnd) }
    if filter.hasContradictingEvidence {
      sql += " AND EXISTS (SELECT 1 FROM link l WHERE l.claim_id = c.id AND l.relation = 1 AND l.state = 1)"
    }
  }

  public func listClaimRevisions(claimID: String, pageSize: Int, pageToken: String) async throws -> Page<ClaimRevision>
  {
    var sql = SQL()
    sql.add("SELECT record FROM claim_revision WHERE claim_id = ? ORDER BY revision", claimID)
    let kept = try await page(sql, pageSize: pageSize, pageToken: pageToken) {
      try ClaimRevision(serializedBytes: try $0.decode(Data.self))
    }
    guard kept.items.isEmpty, pageToken.isEmpty, pageSize > 0 else { return kept }
    // An imported claim unchanged since: its first revision is the record itself, read in one snapshot
    // with the check that it is still unchanged (a change keeps revision 1 as a row first).
    let imported = try await snapshot { db -> Page<ClaimRevision>? in
      let changed = try await db.one(
        "SELECT EXISTS (SELECT 1 FROM claim_revision WHERE claim_id = \(claimID))")?.decode(Bool.self)
      guard changed == false else { return nil }
      guard let claim = try await Self.fetchClaim(db, id: claimID), claim.revision == 1,
        let chunk = try await Self.chunkEvent(db, creating: claimID)
      else { return kept }
      return Page(items: [AuditDraft.importedRevision(of: claim, chunk: chunk)], nextPageToken: "")
    }
    if let imported { return imported }
    return try await page(sql, pageSize: pageSize, pageToken: pageToken) {
      try ClaimRevision(serializedBytes: try $0.decode(Data.self))
    }
  }
}
