import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Claims: their rows, topics and search entries, what a write must not break, and lists.
extension SQLiteLedgerStore {
  /// A claim with its evidence counts, latest rating and speaker's name.
  static let claimSelect = SharedSQL.claimWithCounts(insertionOrder: "rowid")

  static func claim(from row: Row) throws -> Claim {
    var claim = try Claim(serializedBytes: row[0] as Data)
    var counts = EvidenceCounts()
    counts.contradicting = row[1]
    counts.supporting = row[2]
    counts.context = row[3]
    counts.repeats = row[4]
    claim.evidence = counts
    claim.latestRating = row[5] ?? ""
    claim.speakerName = row[6] ?? ""
    return claim
  }

  static func fetchClaim(_ db: Database, id: String) throws -> Claim? {
    try Row.fetchOne(db.cachedStatement(sql: claimSelect + " WHERE c.id = ?"), arguments: [id]).map(claim(from:))
  }

  /// Refuses a claim whose speaker is missing or merged, and a new text that drops words links quote.
  static func checkClaim(_ db: Database, _ claim: Claim, replacing old: Claim?) throws {
    // Checked where the claim is written: a merge committed since the speaker was looked up counts.
    try StoreRefusal.checkSpeaker(
      of: claim,
      mergedInto: try String.fetchOne(
        db.cachedStatement(sql: "SELECT merged_into FROM speaker WHERE id = ?"), arguments: [claim.speakerID]))
    // Links that quote this claim's words (a flip-flop, a repeat) must still find them in a new text.
    guard let old, old.text != claim.text else { return }
    let quoting = try Row.fetchAll(
      db.cachedStatement(
        sql: "SELECT id, quote FROM link WHERE target_claim_id = ? AND state = 1 AND quote <> '' ORDER BY rowid"),
      arguments: [claim.id])
    let broken = quoting.filter { !TextQuoteAnchor.occurs($0[1] as String, in: claim.text) }.map { $0[0] as String }
    if !broken.isEmpty { throw StoreRefusal.quotedWordsGone(broken, from: claim.id) }
  }

  /// Writes a claim's row (without what is filled on read), its topics and its search entry.
  static func storeClaim(_ db: Database, _ claim: Claim, isNew: Bool, fresh: Bool) throws {
    var claim = claim
    claim.evidence = nil
    claim.latestRating = ""
    claim.speakerName = ""
    let saidOn = claim.saidOn ?? PartialDate()
    let textKey = Similarity.normalised(claim.text)
    // A plain INSERT for a new claim, not an upsert: an upsert that may change `speaker_id` (a foreign
    // key) runs in a statement transaction, and each one makes FTS5 flush the terms it holds in memory
    // as a new segment: that was a quarter of an import's time.
    try db.cachedStatement(
      sql: isNew
        ? """
        INSERT INTO claim(speaker_id, said_start, said_end, text_key, text_hash, state, record, id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """
        : """
        UPDATE claim SET speaker_id = ?, said_start = ?, said_end = ?, text_key = ?, text_hash = ?, state = ?,
          record = ?
        WHERE id = ?
        """
    ).execute(
      arguments: [
        claim.speakerID, saidOn.rangeStart, saidOn.rangeEnd, textKey,
        ClaimTextHash.of(speakerID: claim.speakerID, textKey: textKey), claim.state.rawValue,
        Data(claim.serializedBytes()), claim.id,
      ])
    if !fresh {
      try db.cachedStatement(sql: "DELETE FROM claim_topic WHERE claim_id = ?").execute(arguments: [claim.id])
    }
    for topic in claim.topics {
      try db.cachedStatement(sql: "INSERT INTO claim_topic(topic, claim_id) VALUES (?, ?)").execute(
        arguments: [topic, claim.id])
    }
    try indexClaim(db, claim, fresh: fresh)
  }

  /// Writes a claim's search entry: its text, then its context, its speaker's names and its topics.
  static func indexClaim(_ db: Database, _ claim: Claim, fresh: Bool = false) throws {
    let names = try String.fetchAll(
      db.cachedStatement(sql: "SELECT name FROM speaker_name WHERE speaker_id = ? ORDER BY is_alias, name"),
      arguments: [claim.speakerID])
    try index(
      db, .claim, claim.id, title: claim.text, body: ([claim.context] + names + claim.topics).joined(separator: "\n"),
      fresh: fresh)
  }

  public func listClaims(_ filter: ClaimFilter, pageSize: Int, pageToken: String) async throws -> Page<Claim> {
    let (conditions, arguments) = Self.conditions(of: filter)
    return try await page(
      sql: Self.claimSelect + " WHERE " + conditions + " ORDER BY c.said_start DESC, c.id",
      arguments: arguments, pageSize: pageSize, pageToken: pageToken, decode: Self.claim(from:))
  }

  /// The SQL conditions (on `claim c`) and arguments selecting the claims `filter` describes.
  static func conditions(of filter: ClaimFilter) -> (String, StatementArguments) {
    var conditions = ["c.state = ?"]
    var arguments: StatementArguments = [filter.state.rawValue]
    if !filter.speakerID.isEmpty {
      conditions.append("c.speaker_id = ?")
      arguments += [filter.speakerID]
    }
    if !filter.topic.isEmpty {
      conditions.append("c.id IN (SELECT claim_id FROM claim_topic WHERE topic = ?)")
      arguments += [filter.topic]
    }
    if let from = filter.saidFrom {
      conditions.append("c.said_end >= ?")
      arguments += [from.rangeStart]
    }
    if let until = filter.saidUntil {
      conditions.append("c.said_start <= ?")
      arguments += [until.rangeEnd]
    }
    if filter.hasContradictingEvidence {
      conditions.append("EXISTS (SELECT 1 FROM link l WHERE l.claim_id = c.id AND l.relation = 1 AND l.state = 1)")
    }
    return (conditions.joined(separator: " AND "), arguments)
  }

  public func listClaimRevisions(claimID: String, pageSize: Int, pageToken: String) async throws -> Page<ClaimRevision>
  {
    func stored() async throws -> Page<ClaimRevision> {
      try await page(
        sql: "SELECT record FROM claim_revision WHERE claim_id = ? ORDER BY revision", arguments: [claimID],
        pageSize: pageSize, pageToken: pageToken
      ) { try ClaimRevision(serializedBytes: $0[0] as Data) }
    }
    let kept = try await stored()
    guard kept.items.isEmpty, pageToken.isEmpty, pageSize > 0 else { return kept }
    // An imported claim unchanged since: its first revision is the record itself, read in one snapshot
    // with the check that it is still unchanged (a change keeps revision 1 as a row first).
    let imported = try await read { db -> Page<ClaimRevision>? in
      guard
        try Bool.fetchOne(
          db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM claim_revision WHERE claim_id = ?)"),
          arguments: [claimID]) == false
      else { return nil }
      guard let claim = try Self.fetchClaim(db, id: claimID), claim.revision == 1,
        let chunk = try Self.chunkEvent(db, creating: claimID)
      else { return kept }
      return Page(items: [AuditDraft.importedRevision(of: claim, chunk: chunk)], nextPageToken: "")
    }
    if let imported { return imported }
    return try await stored()
  }
}
