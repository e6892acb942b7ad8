import Foundation
import GainsayCore
import GainsayProto
import PostgresNIO

/// New claims written many at a time (an import's batch): a statement per table for the whole run, not a
/// dozen per claim, with the same checks, rows, search entries and audit events as one claim at a time.
extension PostgresLedgerStore {
  /// Inserts `claims` (all new) in order, each with an audit event by `draft`, in the transaction `tx`.
  static func insertClaims(_ tx: WriteContext, _ claims: [Claim], audit draft: AuditDraft) async throws -> [AuditEvent] {
    guard !claims.isEmpty else { return [] }
    let db = tx.db
    let speakerIDs = Array(Set(claims.map(\.speakerID))).sorted()

    // The speakers: each claim's must exist and not be merged (checked in order, as one at a time would).
    var mergedInto: [String: String] = [:]
    for row in try await db.rows(
      "SELECT id, merged_into FROM speaker WHERE id = ANY(\(speakerIDs)::text[])")
    {
      let (id, merged) = try row.decode((String, String).self)
      mergedInto[id] = merged
    }
    for claim in claims { try StoreRefusal.checkSpeaker(of: claim, mergedInto: mergedInto[claim.speakerID]) }

    // The claims and their topics, in the order given (their `seq` follows it).
    let rows = claims.map(ClaimColumns.init)
    try await db.run(
      """
      INSERT INTO claim(id, speaker_id, said_start, said_end, text_key, text_hash, state, record)
      SELECT id, speaker_id, said_start, said_end, text_key, text_hash, state, decode(record, 'hex')
      FROM unnest(\(claims.map(\.id))::text[], \(claims.map(\.speakerID))::text[], \(rows.map(\.saidStart))::text[],
        \(rows.map(\.saidEnd))::text[], \(rows.map(\.textKey))::text[], \(rows.map(\.textHash))::int8[],
        \(rows.map { Int64($0.state) })::int8[], \(rows.map { $0.record.hexadecimal })::text[])
        WITH ORDINALITY AS c(id, speaker_id, said_start, said_end, text_key, text_hash, state, record, n)
      ORDER BY n
      """)
    let topics = claims.flatMap { claim in Set(claim.topics).sorted().map { (topic: $0, claimID: claim.id) } }
    try await db.run(
      """
      INSERT INTO claim_topic(topic, claim_id)
      SELECT * FROM unnest(\(topics.map(\.topic))::text[], \(topics.map(\.claimID))::text[])
      """)

    // Their search entries: the speakers' names are read once for the run.
    var names: [String: [String]] = [:]
    for row in try await db.rows(
      "SELECT speaker_id, name FROM speaker_name WHERE speaker_id = ANY(\(speakerIDs)::text[]) ORDER BY is_alias, name")
    {
      let (speakerID, name) = try row.decode((String, String).self)
      if names[speakerID, default: []].count < indexedSpeakerNames { names[speakerID, default: []].append(name) }
    }
    var titles: [String] = []
    var bodies: [String] = []
    var vectors: [String] = []
    var words: Set<String> = []
    for claim in claims {
      let body = searchBody(of: claim, speakerNames: names[claim.speakerID] ?? [])
      let (vector, written) = SearchLexemes.vector(title: claim.text, body: body)
      titles.append(String(claim.text.prefix(snippetCharacters)))
      bodies.append(String(body.prefix(snippetCharacters)))
      vectors.append(vector)
      words.formUnion(written.lazy.filter { $0.utf8.count <= 200 })
    }
    try await db.run(
      """
      INSERT INTO search_entry(resource_type, resource_id, title, body, lexemes)
      SELECT \(Int64(ResourceType.claim.rawValue)), id, title, body, lexemes::tsvector
      FROM unnest(\(claims.map(\.id))::text[], \(titles)::text[], \(bodies)::text[], \(vectors)::text[])
        WITH ORDINALITY AS e(id, title, body, lexemes, n)
      ORDER BY n
      """)
    for batch in words.sorted().batches(of: 10_000) {
      try await db.run(
        "INSERT INTO search_word(word) SELECT unnest(\(Array(batch))::text[]) ON CONFLICT DO NOTHING")
    }

    // An import chunk's claims share its one event (written by the caller); otherwise each has its own
    // audit event and first revision, numbered in order.
    guard draft.importChunks.isEmpty else { return [] }
    var events: [AuditEvent] = []
    var revisions: [ClaimRevision] = []
    for claim in claims {
      let (event, revision) = auditRecords(tx, draft, before: nil, after: Resource(claim))
      events.append(event)
      if let revision { revisions.append(revision) }
    }
    let auditRows = events.map(auditRow)
    try await db.run(
      """
      INSERT INTO audit_event(sequence, resource_id, actor_uid, time_ns, record)
      SELECT sequence, resource_id, \(Int64(draft.actor.uid)), time_ns, decode(record, 'hex')
      FROM unnest(\(events.map(\.sequence))::int8[], \(events.map(\.resourceID))::text[],
        \(auditRows.map(\.nanoseconds))::int8[], \(auditRows.map { $0.record.hexadecimal })::text[])
        AS a(sequence, resource_id, time_ns, record)
      """)
    try await db.run(
      """
      INSERT INTO claim_revision(claim_id, revision, record)
      SELECT claim_id, revision, decode(record, 'hex')
      FROM unnest(\(revisions.map(\.claimID))::text[], \(revisions.map { Int64($0.revision) })::int8[],
        \(revisions.map { Data($0.serializedBytes()).hexadecimal })::text[]) AS r(claim_id, revision, record)
      """)
    return events
  }
}

extension Data {
  /// The bytes in lower-case hexadecimal, for `decode(…, 'hex')`: postgres-nio binds no `bytea[]`.
  var hexadecimal: String {
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    text.reserveCapacity(count * 2)
    for byte in self {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
