import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Writes: a resource, its side tables, its search entry and its audit event, in one transaction.
extension SQLiteLedgerStore {
  public func insert<R: StoredRecord>(_ record: R, audit: AuditDraft) async throws -> AuditEvent {
    let clock = auditClock
    let resource = record.resource
    let event = try await write { db in
      try Self.checkConstraints(db, for: resource, replacing: nil)
      try Self.store(db, resource, isNew: true, fresh: true)
      return try Self.appendAudit(db, audit, before: nil, after: resource, clock: clock)
    }
    countWords(of: [resource])
    return event
  }

  public func update<R: StoredRecord>(
    _ type: R.Type,
    id: String,
    expectedRevision: Int32,
    audit: AuditDraft,
    change: @escaping @Sendable (R) throws -> R
  ) async throws -> (R, AuditEvent) {
    let clock = auditClock
    let (stored, event) = try await write { db in
      guard let before = try Self.fetch(db, R.resourceType, id: id) else {
        throw LedgerError.notFound(R.resourceType.noun, id, field: "id")
      }
      let after = try R.changed(before, expectedRevision: expectedRevision, by: change)
      try Self.checkConstraints(db, for: after, replacing: before)
      try Self.store(db, after, isNew: false)
      let event = try Self.appendAudit(db, audit, before: before, after: after, clock: clock)
      return (try Self.fetch(db, R.resourceType, id: id) ?? after, event)
    }
    // A claim's new text may hold words it did not.
    countWords(of: [stored])
    return (try R.unwrapped(stored), event)
  }

  /// Clear errors for the conflicts SQLite's constraints would refuse less helpfully.
  static func checkConstraints(_ db: Database, for resource: Resource, replacing: Resource?) throws {
    switch resource.kind {
    case .speaker(let speaker):
      for (index, name) in ([speaker.name] + speaker.aliases).enumerated() {
        if let owner = try String.fetchOne(
          db.cachedStatement(sql: "SELECT speaker_id FROM speaker_name WHERE key = ?"), arguments: [name.lowercased()]),
          owner != speaker.id
        {
          let field = index == 0 ? "speaker.name" : "speaker.aliases[\(index - 1)]"
          throw LedgerError(
            .alreadyExists, "\(field): \"\(name)\" is already a name or alias of speaker \(owner)", field: field,
            resource: owner)
        }
      }
    case .claim(let claim):
      guard
        let mergedInto = try String.fetchOne(
          db.cachedStatement(sql: "SELECT merged_into FROM speaker WHERE id = ?"), arguments: [claim.speakerID])
      else {
        throw LedgerError.notFound("speaker", claim.speakerID, field: "claim.speaker_id")
      }
      // Checked where the claim is written: a merge committed since the speaker was looked up counts.
      guard mergedInto.isEmpty else {
        throw LedgerError(
          .failedPrecondition,
          "claim.speaker_id: speaker \(claim.speakerID) was merged into \(mergedInto); use \(mergedInto)",
          field: "claim.speaker_id", resource: mergedInto)
      }
      // Links that quote this claim's words (a flip-flop, a repeat) must still find them in a new text.
      guard case .claim(let old)? = replacing?.kind, old.text != claim.text else { break }
      let quoting = try Row.fetchAll(
        db.cachedStatement(
          sql: "SELECT id, quote FROM link WHERE target_claim_id = ? AND state = 1 AND quote <> '' ORDER BY rowid"),
        arguments: [claim.id])
      let broken = quoting.filter { !TextQuoteAnchor.occurs($0[1] as String, in: claim.text) }.map { $0[0] as String }
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
      // Checked in the transaction that writes the link, so a concurrent change of the source's text
      // cannot slip in between the check and the write.
      if let sourceID = columns.sourceID, !columns.quote.isEmpty,
        let text = try String.fetchOne(
          db.cachedStatement(sql: "SELECT archived_text FROM source WHERE id = ?"), arguments: [sourceID]),
        !text.isEmpty, !TextQuoteAnchor.occurs(columns.quote, in: text)
      {
        throw LedgerError(
          .failedPrecondition,
          "link.quote.exact: the passage no longer occurs in the archived text of \(sourceID), which changed meanwhile",
          field: "link.quote.exact", resource: sourceID)
      }
      if let existing = try String.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT id FROM link WHERE claim_id = ? AND ifnull(source_id, '') = ? AND ifnull(target_claim_id, '') = ?
              AND relation = ? AND quote = ? AND quote_start = ? AND state = 1
            """),
        arguments: [
          link.claimID, columns.sourceID ?? "", columns.targetClaimID ?? "", link.relation.rawValue, columns.quote,
          columns.quoteStart,
        ])
      {
        throw LedgerError(
          .alreadyExists, "link: the same link already exists as \(existing)", field: "link", resource: existing)
      }
    default:
      break
    }
  }

  /// The refusal of a new text for source `id` that no longer holds the passages of links `ids`.
  static func brokenEvidence(_ ids: [String], in id: String) -> LedgerError {
    LedgerError(
      .failedPrecondition,
      "source.archived_text: the evidence of \(listed(ids)) is anchored in the archived text of "
        + "\(id) and would no longer occur in it; fix the new text, or withdraw those links with it "
        + "(--withdraw-broken-links; UpdateSourceRequest.withdraw_broken_links)",
      field: "source.archived_text", resource: id)
  }

  /// Up to five ids, then how many more: "lnk_1, lnk_2 and 3 more".
  static func listed(_ ids: [String]) -> String {
    ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? " and \(ids.count - 5) more" : "")
  }

  struct LinkColumns {
    var sourceID: String?
    var targetClaimID: String?
    var quote: String
    /// Where the passage starts: the same passage quoted at another place is another link.
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
  ///
  /// `isNew`: the resource is not in the ledger yet. `fresh`: its id was minted for this write, so
  /// there are no side rows or search entry to replace.
  static func store(_ db: Database, _ resource: Resource, isNew: Bool, fresh: Bool = false) throws {
    switch resource.kind {
    case .speaker(let speaker):
      try db.cachedStatement(
        sql: """
          INSERT INTO speaker(id, name, country, merged_into, record) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT(id) DO UPDATE SET name = excluded.name, country = excluded.country,
            merged_into = excluded.merged_into, record = excluded.record
          """
      ).execute(
        arguments: [speaker.id, speaker.name, speaker.country, speaker.mergedInto, Data(speaker.serializedBytes())])
      try db.cachedStatement(sql: "DELETE FROM speaker_name WHERE speaker_id = ?").execute(
        arguments: [speaker.id])
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
          if let claim = try fetch(db, .claim, id: claimID), case .claim(let value) = claim.kind {
            try indexClaim(db, value)
          }
        }
      }

    case .claim(var claim):
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
          Schema.textHash(speakerID: claim.speakerID, textKey: textKey), claim.state.rawValue,
          Data(claim.serializedBytes()), claim.id,
        ])
      if !fresh {
        try db.cachedStatement(sql: "DELETE FROM claim_topic WHERE claim_id = ?").execute(
          arguments: [claim.id])
      }
      for topic in claim.topics {
        try db.cachedStatement(sql: "INSERT INTO claim_topic(topic, claim_id) VALUES (?, ?)").execute(
          arguments: [topic, claim.id])
      }
      try indexClaim(db, claim, fresh: fresh)

    case .source(let source):
      var record = source
      record.archivedText = ""
      try db.cachedStatement(
        sql: """
          INSERT INTO source(id, outlet, kind, record, archived_text) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT(id) DO UPDATE SET outlet = excluded.outlet, kind = excluded.kind, record = excluded.record,
            archived_text = excluded.archived_text
          """
      ).execute(
        arguments: [
          source.id, source.outlet, source.kind.rawValue, Data(record.serializedBytes()), source.archivedText,
        ])
      try index(
        db, .source, source.id, title: source.title,
        body: ([source.outlet] + source.authors + [source.archivedText]).joined(separator: "\n"), fresh: fresh)

    case .link(let link):
      let columns = LinkColumns(link)
      try db.cachedStatement(
        sql: """
          INSERT INTO link(id, claim_id, source_id, target_claim_id, relation, quote, quote_start, state, record)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT(id) DO UPDATE SET state = excluded.state, quote = excluded.quote,
            quote_start = excluded.quote_start, record = excluded.record
          """
      ).execute(
        arguments: [
          link.id, link.claimID, columns.sourceID, columns.targetClaimID, link.relation.rawValue, columns.quote,
          columns.quoteStart,
          link.state.rawValue, Data(link.serializedBytes()),
        ])

    case .verdict(var verdict):
      // Filled on read from the daemon's config: a record keeps only who recorded it.
      verdict.signedBy = ""
      let time = (verdict.createTime?.seconds ?? 0) * 1_000_000_000 + Int64(verdict.createTime?.nanos ?? 0)
      try db.cachedStatement(
        sql: """
          INSERT INTO verdict(id, claim_id, rating, create_time, state, record) VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT(id) DO UPDATE SET state = excluded.state, record = excluded.record
          """
      ).execute(
        arguments: [
          verdict.id, verdict.claimID, verdict.rating, time, verdict.state == .withdrawn ? 2 : 1,
          Data(verdict.serializedBytes()),
        ])

    case nil:
      throw LedgerError(.internal, "an empty resource cannot be stored")
    }
  }

  static func indexClaim(_ db: Database, _ claim: Claim, fresh: Bool = false) throws {
    let names = try String.fetchAll(
      db.cachedStatement(sql: "SELECT name FROM speaker_name WHERE speaker_id = ? ORDER BY is_alias, name"),
      arguments: [claim.speakerID])
    try index(
      db, .claim, claim.id, title: claim.text, body: ([claim.context] + names + claim.topics).joined(separator: "\n"),
      fresh: fresh)
  }

  /// Writes the search entry of a resource, replacing its old one unless the resource is `fresh`.
  static func index(
    _ db: Database, _ type: ResourceType, _ id: String, title: String, body: String, fresh: Bool
  ) throws {
    if !fresh { try unindex(db, type, id) }
    try db.cachedStatement(sql: "INSERT INTO search_index(resource_type, resource_id, title, body) VALUES (?, ?, ?, ?)")
      .execute(
        arguments: [type.rawValue, id, title, body])
    try db.cachedStatement(sql: "INSERT INTO search_entry(resource_type, resource_id, entry) VALUES (?, ?, ?)").execute(
      arguments: [type.rawValue, id, db.lastInsertedRowID])
  }

  /// Removes the search entry of a resource, if it has one.
  static func unindex(_ db: Database, _ type: ResourceType, _ id: String) throws {
    guard
      let entry = try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT entry FROM search_entry WHERE resource_type = ? AND resource_id = ?"),
        arguments: [type.rawValue, id])
    else { return }
    try db.cachedStatement(sql: "DELETE FROM search_index WHERE rowid = ?").execute(arguments: [entry])
    try db.cachedStatement(sql: "DELETE FROM search_entry WHERE resource_type = ? AND resource_id = ?").execute(
      arguments: [type.rawValue, id])
  }

  /// Appends the audit event of a change (and a claim's revision). A source's archived text is not copied
  /// into the event: the source's hash and size identify it, so the audit log does not grow by the text
  /// on every change. The event's time never goes back from the last event's (``AuditClock``).
  static func appendAudit(
    _ db: Database, _ draft: AuditDraft, before: Resource?, after: Resource, clock: AuditClock
  ) throws -> AuditEvent {
    var event = draft.event(before: before, after: after, time: try clock.next(draft.time, db))
    try db.cachedStatement(sql: "INSERT INTO audit_event(resource_id, actor_uid, record) VALUES (?, ?, ?)").execute(
      arguments: [event.resourceID, draft.actor.uid, Data(event.serializedBytes())])
    event.sequence = db.lastInsertedRowID
    if let revision = draft.claimRevision(of: event) {
      try db.cachedStatement(sql: "INSERT INTO claim_revision(claim_id, revision, record) VALUES (?, ?, ?)").execute(
        arguments: [revision.claimID, revision.revision, Data(revision.serializedBytes())])
    }
    return event
  }
}
