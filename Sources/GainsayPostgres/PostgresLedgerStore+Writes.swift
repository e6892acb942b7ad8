import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Writes: a resource, its side tables, its search entry and its audit event, in one transaction.
extension PostgresLedgerStore {
  public func insert<R: StoredRecord>(_ record: R, audit: AuditDraft) async throws -> AuditEvent {
    let resource = record.resource
    return try await write { tx in
      try await Self.checkConstraints(tx.db, for: resource, replacing: nil)
      try await Self.store(tx.db, resource, isNew: true)
      return try await Self.appendAudit(tx, audit, before: nil, after: resource)
    }
  }

  public func update<R: StoredRecord>(
    _ type: R.Type,
    id: String,
    expectedRevision: Int32,
    audit: AuditDraft,
    change: @escaping @Sendable (R) throws -> R
  ) async throws -> (R, AuditEvent) {
    try await write { tx in
      guard let before = try await Self.fetch(tx.db, R.resourceType, id: id, forUpdate: true) else {
        throw LedgerError.notFound(R.resourceType.noun, id, field: "id")
      }
      let after = try R.changed(before, expectedRevision: expectedRevision, by: change)
      try await Self.checkConstraints(tx.db, for: after, replacing: before)
      try await Self.store(tx.db, after, isNew: false)
      let event = try await Self.appendAudit(tx, audit, before: before, after: after)
      return (try R.unwrapped(try await Self.fetch(tx.db, R.resourceType, id: id) ?? after), event)
    }
  }

  /// Clear errors for the conflicts the constraints would refuse less helpfully: the SQLite store's
  /// checks, with its codes and messages, in the transaction that writes.
  static func checkConstraints(_ db: PGConnection, for resource: Resource, replacing: Resource?) async throws {
    switch resource.kind {
    case .speaker(let speaker):
      for (index, name) in ([speaker.name] + speaker.aliases).enumerated() {
        if let owner = try await db.one("SELECT speaker_id FROM speaker_name WHERE key = \(name.lowercased())")?
          .decode(String.self), owner != speaker.id
        {
          let field = index == 0 ? "speaker.name" : "speaker.aliases[\(index - 1)]"
          throw LedgerError(
            .alreadyExists, "\(field): \"\(name)\" is already a name or alias of speaker \(owner)", field: field,
            resource: owner)
        }
      }
    case .claim(let claim):
      try checkSpeaker(
        of: claim,
        mergedInto: try await db.one("SELECT merged_into FROM speaker WHERE id = \(claim.speakerID)")?
          .decode(String.self))
      guard case .claim(let old)? = replacing?.kind, old.text != claim.text else { break }
      let quoting = try await db.rows(
        "SELECT id, quote FROM link WHERE target_claim_id = \(claim.id) AND state = 1 AND quote <> '' ORDER BY seq")
      var broken: [String] = []
      for row in quoting {
        let (id, quote) = try row.decode((String, String).self)
        if !TextQuoteAnchor.occurs(quote, in: claim.text) { broken.append(id) }
      }
      if !broken.isEmpty {
        throw LedgerError(
          .failedPrecondition,
          "claim.text: the evidence of \(listed(broken)) quotes words of \(claim.id) that the new text no longer "
            + "holds; withdraw \(broken.count == 1 ? "that link" : "those links") first (gainsay link withdraw LINK "
            + "--reason …)",
          field: "claim.text", resource: claim.id)
      }
    case .link(let link) where link.state == .active && replacing == nil:
      let columns = LinkColumns(link)
      if let sourceID = columns.sourceID, !columns.quote.isEmpty,
        let text = try await db.one("SELECT archived_text FROM source WHERE id = \(sourceID)")?.decode(String.self),
        !text.isEmpty, !TextQuoteAnchor.occurs(columns.quote, in: text)
      {
        throw LedgerError(
          .failedPrecondition,
          "link.quote.exact: the passage no longer occurs in the archived text of \(sourceID), which changed meanwhile",
          field: "link.quote.exact", resource: sourceID)
      }
      if let existing = try await db.one(
        """
        SELECT id FROM link WHERE claim_id = \(link.claimID) AND coalesce(source_id, '') = \(columns.sourceID ?? "")
          AND coalesce(target_claim_id, '') = \(columns.targetClaimID ?? "") AND relation = \(Int(link.relation.rawValue))
          AND quote = \(columns.quote) AND quote_start = \(columns.quoteStart) AND state = 1
        """)?.decode(String.self)
      {
        throw LedgerError(
          .alreadyExists, "link: the same link already exists as \(existing)", field: "link", resource: existing)
      }
    default:
      break
    }
  }

  /// Refuses a claim whose speaker is missing (`mergedInto` nil) or merged into another.
  static func checkSpeaker(of claim: Claim, mergedInto: String?) throws {
    guard let mergedInto else { throw LedgerError.notFound("speaker", claim.speakerID, field: "claim.speaker_id") }
    guard mergedInto.isEmpty else {
      throw LedgerError(
        .failedPrecondition,
        "claim.speaker_id: speaker \(claim.speakerID) was merged into \(mergedInto); use \(mergedInto)",
        field: "claim.speaker_id", resource: mergedInto)
    }
  }

  /// Up to five ids, then how many more: "lnk_1, lnk_2 and 3 more".
  static func listed(_ ids: [String]) -> String {
    ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? " and \(ids.count - 5) more" : "")
  }

  struct LinkColumns {
    var sourceID: String?
    var targetClaimID: String?
    var quote: String
    var quoteStart: Int64

    init(_ link: Link) {
      switch link.target {
      case .sourceID(let id)?: sourceID = id
      case .targetClaimID(let id)?: targetClaimID = id
      case nil: break
      }
      quote = link.quote?.exact ?? ""
      quoteStart = link.quote?.start ?? 0
    }
  }

  /// Writes a resource's row, its side tables and its search entry.
  static func store(_ db: PGConnection, _ resource: Resource, isNew: Bool) async throws {
    switch resource.kind {
    case .speaker(let speaker):
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
      if !isNew {
        // The speaker's names are in the search entries of their claims: a bounded batch at a time.
        var after = ""
        while true {
          let rows = try await db.rows(
            "SELECT id FROM claim WHERE speaker_id = \(speaker.id) AND id > \(after) ORDER BY id LIMIT 500")
          for row in rows {
            let id = try row.decode(String.self)
            if case .claim(let claim)? = try await fetch(db, .claim, id: id)?.kind { try await indexClaim(db, claim) }
            after = id
          }
          if rows.count < 500 { break }
        }
      }

    case .claim(let claim):
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
        try await db.run(
          "INSERT INTO claim_topic(topic, claim_id) SELECT unnest(\(topics)::text[]), \(claim.id)")
      }
      try await indexClaim(db, claim)

    case .source(let source):
      var record = source
      record.archivedText = ""
      try await db.run(
        """
        INSERT INTO source(id, outlet, kind, record, archived_text)
        VALUES (\(source.id), \(source.outlet), \(Int(source.kind.rawValue)), \(Data(record.serializedBytes())),
          \(source.archivedText))
        ON CONFLICT (id) DO UPDATE SET outlet = excluded.outlet, kind = excluded.kind, record = excluded.record,
          archived_text = excluded.archived_text
        """)
      try await index(
        db, .source, source.id, title: source.title,
        body: ([source.outlet] + source.authors + [source.archivedText]).joined(separator: "\n"))

    case .link(let link):
      let columns = LinkColumns(link)
      try await db.run(
        """
        INSERT INTO link(id, claim_id, source_id, target_claim_id, relation, quote, quote_start, state, record)
        VALUES (\(link.id), \(link.claimID), \(columns.sourceID), \(columns.targetClaimID),
          \(Int(link.relation.rawValue)), \(columns.quote), \(columns.quoteStart), \(Int(link.state.rawValue)),
          \(Data(link.serializedBytes())))
        ON CONFLICT (id) DO UPDATE SET state = excluded.state, quote = excluded.quote,
          quote_start = excluded.quote_start, record = excluded.record
        """)

    case .verdict(var verdict):
      // Filled on read from the daemon's config: a record keeps only who recorded it.
      verdict.signedBy = ""
      let time = (verdict.createTime?.seconds ?? 0) * 1_000_000_000 + Int64(verdict.createTime?.nanos ?? 0)
      try await db.run(
        """
        INSERT INTO verdict(id, claim_id, rating, create_time, state, record)
        VALUES (\(verdict.id), \(verdict.claimID), \(verdict.rating), \(time), \(verdict.state == .withdrawn ? 2 : 1),
          \(Data(verdict.serializedBytes())))
        ON CONFLICT (id) DO UPDATE SET state = excluded.state, record = excluded.record
        """)

    case nil:
      throw LedgerError(.internal, "an empty resource cannot be stored")
    }
  }

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
      textHash = PostgresLedgerStore.textHash(speakerID: claim.speakerID, textKey: textKey)
      state = Int(claim.state.rawValue)
      record = Data(stored.serializedBytes())
    }
  }

  /// FNV-1a (64-bit) of a claim's speaker id and normalised text, as the SQLite store computes it.
  static func textHash(speakerID: String, textKey: String) -> Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func add(_ byte: UInt8) {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    for byte in speakerID.utf8 { add(byte) }
    add(0)
    for byte in textKey.utf8 { add(byte) }
    return Int64(bitPattern: hash)
  }

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
}
