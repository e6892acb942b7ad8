import Foundation
import GRDB
import GainsayRanking
import Synchronization
public import GainsayCore
public import GainsayProto

/// The ledger in one SQLite database (GRDB): WAL journal, `synchronous=FULL`, so a method returns only
/// once its transaction is durable. Concurrent writes are group-committed (see ``GroupCommitter``).
public final class SQLiteLedgerStore: LedgerStore {
  let pool: DatabasePool
  /// Every write goes through it: concurrent writes share one durable commit.
  private let committer: GroupCommitter
  /// The database file.
  public let path: String
  /// The most matches a search ranks by bm25: a query matching more ranks only its most recent matches,
  /// so a search of a very common word costs the same in a ledger of any size.
  public let rankedMatchLimit: Int
  /// The most matches ranked when every phrase of the query is common: held by at least
  /// `commonPhraseShare` of all entries.
  public let commonRankedMatchLimit: Int
  public let commonPhraseShare: Double

  /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
  ///
  /// Throws UNAVAILABLE-style errors with a clear message when the file is not a database, is corrupt
  /// or cannot be written.
  ///
  /// The whole file is checked (`PRAGMA integrity_check`, which reads every page and compares every
  /// index with its table) unless ``close()`` sealed
  /// it at the last shutdown and it has not changed since: a clean restart of a large ledger stays fast,
  /// and after a crash, or any change made while the daemon was down, the check runs.
  public init(
    path: String, rankedMatchLimit: Int = 1_500, commonRankedMatchLimit: Int = 300, commonPhraseShare: Double = 0.01
  ) throws {
    self.path = path
    self.rankedMatchLimit = max(1, rankedMatchLimit)
    self.commonRankedMatchLimit = max(1, commonRankedMatchLimit)
    self.commonPhraseShare = commonPhraseShare
    let sealed = CloseSeal.matches(databasePath: path)
    // From now on the file changes: only the next clean close may seal it again.
    try CloseSeal.remove(databasePath: path)
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.busyMode = .timeout(10)
    configuration.label = "gainsay"
    configuration.prepareDatabase { db in
      let registered = gainsay_register_rank(db.sqliteConnection)
      guard registered == 0 else {
        throw DatabaseError(resultCode: ResultCode(rawValue: registered), message: "cannot register gainsay_rank")
      }
    }
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
      committer = GroupCommitter(pool: pool)
      try pool.writeWithoutTransaction { db in
        // GRDB turns the writer's `synchronous` down to NORMAL when it sets up WAL mode, after
        // `prepareDatabase`: NORMAL does not sync the WAL at each commit, so an acknowledged write could
        // be lost with the machine (not with the process). Every commit must be on disk: FULL.
        try db.execute(sql: "PRAGMA synchronous = FULL")
        // The writer touches the indexes of every table: a larger page cache than SQLite's 2 MiB
        // default saves re-reading them on every commit. Readers keep the default.
        try db.execute(sql: "PRAGMA cache_size = -32768")
      }
      try Schema.migrator.migrate(pool)
      if !sealed {
        try pool.read { db in try Self.checkIntegrity(db, path: path) }
      }
    } catch let error as DatabaseError {
      throw LedgerError(.unavailable, "cannot open the ledger database \(path): \(error.message ?? "\(error)")")
    }
  }

  /// Closes the database (checkpointing its WAL) and seals the file, so the next start can skip the
  /// full check. Nothing may use the store afterwards.
  public func close() throws {
    do {
      // Everything into the database file, the WAL emptied: the file alone is the ledger.
      try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
      try pool.close()
    } catch let error as DatabaseError {
      throw LedgerError(.internal, "cannot close the ledger database \(path): \(error.message ?? "\(error)")")
    }
    try CloseSeal.write(databasePath: path)
  }

  /// Refuses a damaged database before anything is served from it.
  ///
  /// `PRAGMA integrity_check`, not `quick_check`: only the full check compares every index with its
  /// table, and an index out of step with its table makes queries return wrong rows (see
  /// docs/RELIABILITY.md for its cost at startup). The problems become one line.
  static func checkIntegrity(_ db: Database, path: String) throws {
    let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check(10)")
      .flatMap { $0.split(whereSeparator: \.isNewline) }
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty && !$0.hasPrefix("*** in database") }
    guard problems != ["ok"] else { return }
    let shown = problems.prefix(3).joined(separator: "; ")
    throw LedgerError(
      .internal,
      "the ledger database \(path) is damaged (PRAGMA integrity_check: \(shown)\(problems.count > 3 ? "; …" : "")); "
        + "refusing to serve it: restore the latest backup (docs/OPERATIONS.md)")
  }

  // MARK: - Writes

  public func insert(_ resource: Resource, audit: AuditDraft) async throws -> AuditEvent {
    let event = try await write { db in
      try Self.checkConstraints(db, for: resource, replacing: nil)
      try Self.store(db, resource, isNew: true, fresh: true)
      return try Self.appendAudit(db, audit, before: nil, after: resource)
    }
    countWords(of: [resource])
    return event
  }

  public func update(
    _ type: ResourceType,
    id: String,
    audit: AuditDraft,
    change: @escaping @Sendable (Resource) throws -> Resource
  ) async throws -> (Resource, AuditEvent) {
    let (stored, event) = try await write { db in
      guard let before = try Self.fetch(db, type, id: id) else {
        throw LedgerError.notFound(type.noun, id, field: "id")
      }
      let after = try change(before)
      try Self.checkConstraints(db, for: after, replacing: before)
      try Self.store(db, after, isNew: false)
      let event = try Self.appendAudit(db, audit, before: before, after: after)
      return (try Self.fetch(db, type, id: id) ?? after, event)
    }
    // A claim's new text may hold words it did not.
    countWords(of: [stored])
    return (stored, event)
  }

  private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    do {
      return try await committer.write(body)
    } catch let error as DatabaseError {
      throw Self.ledgerError(error)
    }
  }

  private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try await Self.read(pool, body)
  }

  /// A read on `reader` (the pool, or a report's snapshot), its database errors as ``LedgerError``s.
  static func read<T: Sendable>(
    _ reader: some DatabaseReader, _ body: @escaping @Sendable (Database) throws -> T
  ) async throws -> T {
    do {
      return try await reader.read(body)
    } catch let error as DatabaseError {
      throw ledgerError(error)
    }
  }

  /// `?, ?, …` for `count` arguments of an `IN (…)` list.
  static func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
  }

  static func ledgerError(_ error: DatabaseError) -> LedgerError {
    switch error.resultCode {
    case .SQLITE_FULL:
      return LedgerError(.resourceExhausted, "the disk holding the ledger is full; nothing was written")
    case .SQLITE_CONSTRAINT:
      return LedgerError(.failedPrecondition, "the ledger refused the change: \(error.message ?? "constraint failed")")
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return LedgerError(.unavailable, "the ledger database is busy; try again")
    default:
      return LedgerError(.internal, "database error: \(error.message ?? "\(error)")")
    }
  }

  /// Clear errors for the conflicts SQLite's constraints would refuse less helpfully.
  private static func checkConstraints(_ db: Database, for resource: Resource, replacing: Resource?) throws {
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
        try Bool.fetchOne(
          db.cachedStatement(sql: "SELECT 1 FROM speaker WHERE id = ?"), arguments: [claim.speakerID]) == true
      else {
        throw LedgerError.notFound("speaker", claim.speakerID, field: "claim.speaker_id")
      }
    case .link(let link) where link.state == .active && replacing == nil:
      let columns = LinkColumns(link)
      if let existing = try String.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT id FROM link WHERE claim_id = ? AND ifnull(source_id, '') = ? AND ifnull(target_claim_id, '') = ?
              AND relation = ? AND quote = ? AND state = 1
            """),
        arguments: [
          link.claimID, columns.sourceID ?? "", columns.targetClaimID ?? "", link.relation.rawValue, columns.quote,
        ])
      {
        throw LedgerError(
          .alreadyExists, "link: the same link already exists as \(existing)", field: "link", resource: existing)
      }
    default:
      break
    }
  }

  private struct LinkColumns {
    var sourceID: String?
    var targetClaimID: String?
    var quote: String

    init(_ link: Link) {
      switch link.target {
      case .sourceID(let id)?: sourceID = id
      case .targetClaimID(let id)?: targetClaimID = id
      case nil: break
      }
      quote = link.quote?.exact ?? ""
    }
  }

  /// Writes a resource's row, its side tables and its search entry.
  ///
  /// `isNew`: the resource is not in the ledger yet. `fresh`: its id was minted for this write, so
  /// there are no side rows or search entry to replace.
  private static func store(_ db: Database, _ resource: Resource, isNew: Bool, fresh: Bool = false) throws {
    switch resource.kind {
    case .speaker(let speaker):
      try db.cachedStatement(
        sql: """
          INSERT INTO speaker(id, name, country, record) VALUES (?, ?, ?, ?)
          ON CONFLICT(id) DO UPDATE SET name = excluded.name, country = excluded.country, record = excluded.record
          """
      ).execute(
        arguments: [speaker.id, speaker.name, speaker.country, Data(speaker.serializedBytes())])
      try db.cachedStatement(sql: "DELETE FROM speaker_name WHERE speaker_id = ?").execute(
        arguments: [speaker.id])
      for (index, name) in ([speaker.name] + speaker.aliases).enumerated() {
        try db.cachedStatement(sql: "INSERT INTO speaker_name(key, name, speaker_id, is_alias) VALUES (?, ?, ?, ?)")
          .execute(
            arguments: [name.lowercased(), name, speaker.id, index == 0 ? 0 : 1])
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
          INSERT INTO link(id, claim_id, source_id, target_claim_id, relation, quote, state, record)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT(id) DO UPDATE SET state = excluded.state, record = excluded.record
          """
      ).execute(
        arguments: [
          link.id, link.claimID, columns.sourceID, columns.targetClaimID, link.relation.rawValue, columns.quote,
          link.state.rawValue, Data(link.serializedBytes()),
        ])

    case .verdict(let verdict):
      let time = (verdict.createTime?.seconds ?? 0) * 1_000_000_000 + Int64(verdict.createTime?.nanos ?? 0)
      try db.cachedStatement(
        sql: "INSERT INTO verdict(id, claim_id, rating, create_time, record) VALUES (?, ?, ?, ?, ?)"
      ).execute(
        arguments: [verdict.id, verdict.claimID, verdict.rating, time, Data(verdict.serializedBytes())])

    case nil:
      throw LedgerError(.internal, "an empty resource cannot be stored")
    }
  }

  private static func indexClaim(_ db: Database, _ claim: Claim, fresh: Bool = false) throws {
    let names = try String.fetchAll(
      db.cachedStatement(sql: "SELECT name FROM speaker_name WHERE speaker_id = ? ORDER BY is_alias, name"),
      arguments: [claim.speakerID])
    try index(
      db, .claim, claim.id, title: claim.text, body: ([claim.context] + names + claim.topics).joined(separator: "\n"),
      fresh: fresh)
  }

  /// Writes the search entry of a resource, replacing its old one unless the resource is `fresh`.
  private static func index(
    _ db: Database, _ type: ResourceType, _ id: String, title: String, body: String, fresh: Bool
  ) throws {
    if !fresh, let entry = try Int64.fetchOne(
      db.cachedStatement(sql: "SELECT entry FROM search_entry WHERE resource_type = ? AND resource_id = ?"),
      arguments: [type.rawValue, id])
    {
      try db.cachedStatement(sql: "DELETE FROM search_index WHERE rowid = ?").execute(
        arguments: [entry])
    }
    try db.cachedStatement(sql: "INSERT INTO search_index(resource_type, resource_id, title, body) VALUES (?, ?, ?, ?)")
      .execute(
        arguments: [type.rawValue, id, title, body])
    try db.cachedStatement(
      sql: fresh
        ? "INSERT INTO search_entry(resource_type, resource_id, entry) VALUES (?, ?, ?)"
        : "INSERT OR REPLACE INTO search_entry(resource_type, resource_id, entry) VALUES (?, ?, ?)"
    ).execute(
      arguments: [type.rawValue, id, db.lastInsertedRowID])
  }

  private static func appendAudit(
    _ db: Database, _ draft: AuditDraft, before: Resource?, after: Resource
  ) throws -> AuditEvent {
    var event = AuditEvent()
    event.time = draft.time
    event.actor = draft.actor
    event.method = draft.method
    event.action = draft.action
    event.reason = draft.reason
    (event.resourceType, event.resourceID) = after.typeAndID
    event.before = before
    event.after = after
    try db.cachedStatement(sql: "INSERT INTO audit_event(resource_id, actor_uid, record) VALUES (?, ?, ?)").execute(
      arguments: [event.resourceID, draft.actor.uid, Data(event.serializedBytes())])
    event.sequence = db.lastInsertedRowID
    if case .claim(let claim) = after.kind {
      var revision = ClaimRevision()
      revision.claimID = claim.id
      revision.revision = claim.revision
      revision.claim = claim
      revision.actor = draft.actor
      revision.time = draft.time
      revision.reason = draft.reason
      try db.cachedStatement(sql: "INSERT INTO claim_revision(claim_id, revision, record) VALUES (?, ?, ?)").execute(
        arguments: [claim.id, claim.revision, Data(revision.serializedBytes())])
    }
    return event
  }

  // MARK: - Reads

  public func resource(_ type: ResourceType, id: String) async throws -> Resource? {
    try await read { db in try Self.fetch(db, type, id: id) }
  }

  static let claimSelect = """
    SELECT c.record,
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 1),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 2),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 3),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 4),
      (SELECT v.rating FROM verdict v WHERE v.claim_id = c.id ORDER BY v.create_time DESC, v.rowid DESC LIMIT 1)
    FROM claim c
    """

  static func claim(from row: Row) throws -> Claim {
    var claim = try Claim(serializedBytes: row[0] as Data)
    var counts = EvidenceCounts()
    counts.contradicting = row[1]
    counts.supporting = row[2]
    counts.context = row[3]
    counts.repeats = row[4]
    claim.evidence = counts
    claim.latestRating = row[5] ?? ""
    return claim
  }

  static func fetch(_ db: Database, _ type: ResourceType, id: String) throws -> Resource? {
    switch type {
    case .speaker:
      return try Data.fetchOne(
        db.cachedStatement(sql: "SELECT record FROM speaker WHERE id = ?"), arguments: [id]
      ).map {
        Resource(try Speaker(serializedBytes: $0))
      }
    case .claim:
      return try Row.fetchOne(db.cachedStatement(sql: claimSelect + " WHERE c.id = ?"), arguments: [id]).map {
        Resource(try claim(from: $0))
      }
    case .source:
      return try Row.fetchOne(
        db.cachedStatement(sql: "SELECT record, archived_text FROM source WHERE id = ?"), arguments: [id]
      ).map {
        row in
        var source = try Source(serializedBytes: row[0] as Data)
        source.archivedText = row[1]
        return Resource(source)
      }
    case .link:
      return try Data.fetchOne(
        db.cachedStatement(sql: "SELECT record FROM link WHERE id = ?"), arguments: [id]
      ).map {
        Resource(try Link(serializedBytes: $0))
      }
    case .verdict:
      return try Data.fetchOne(
        db.cachedStatement(sql: "SELECT record FROM verdict WHERE id = ?"), arguments: [id]
      ).map {
        Resource(try Verdict(serializedBytes: $0))
      }
    default:
      return nil
    }
  }

  public func speaker(named name: String) async throws -> Speaker? {
    try await read { db in
      guard
        let id = try String.fetchOne(
          db.cachedStatement(sql: "SELECT speaker_id FROM speaker_name WHERE key = ?"), arguments: [name.lowercased()])
      else { return nil }
      guard case .speaker(let speaker)? = try Self.fetch(db, .speaker, id: id)?.kind else { return nil }
      return speaker
    }
  }

  /// Runs a paged query: `sql` must end before ORDER BY/LIMIT; the page token is an offset.
  private func page<Element: Sendable>(
    sql: String,
    arguments: StatementArguments,
    pageSize: Int,
    pageToken: String,
    decode: @escaping @Sendable (Row) throws -> Element
  ) async throws -> Page<Element> {
    let offset = try PageToken.offset(pageToken)
    return try await read { db in
      let rows = try Row.fetchAll(db, sql: sql + " LIMIT ? OFFSET ?", arguments: arguments + [pageSize + 1, offset])
      let items = try rows.prefix(pageSize).map(decode)
      let next = rows.count > pageSize ? PageToken.make(offset: offset + pageSize) : ""
      return Page(items: items, nextPageToken: next)
    }
  }

  public func listSpeakers(
    nameContains: String, country: String, pageSize: Int, pageToken: String
  ) async throws -> Page<Speaker> {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if !nameContains.isEmpty {
      conditions.append("id IN (SELECT speaker_id FROM speaker_name WHERE instr(key, ?) > 0)")
      arguments += [nameContains.lowercased()]
    }
    if !country.isEmpty {
      conditions.append("country = ?")
      arguments += [country]
    }
    let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    return try await page(
      sql: "SELECT record FROM speaker" + whereClause + " ORDER BY name COLLATE NOCASE, id", arguments: arguments,
      pageSize: pageSize, pageToken: pageToken
    ) { try Speaker(serializedBytes: $0[0] as Data) }
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
    try await page(
      sql: "SELECT record FROM claim_revision WHERE claim_id = ? ORDER BY revision", arguments: [claimID],
      pageSize: pageSize, pageToken: pageToken
    ) { try ClaimRevision(serializedBytes: $0[0] as Data) }
  }

  public func listSources(
    outlet: String, kind: SourceKind, pageSize: Int, pageToken: String
  ) async throws -> Page<Source> {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if !outlet.isEmpty {
      conditions.append("outlet = ? COLLATE NOCASE")
      arguments += [outlet]
    }
    if kind != .unspecified {
      conditions.append("kind = ?")
      arguments += [kind.rawValue]
    }
    let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    return try await page(
      sql: "SELECT record FROM source" + whereClause + " ORDER BY rowid", arguments: arguments, pageSize: pageSize,
      pageToken: pageToken
    ) { try Source(serializedBytes: $0[0] as Data) }
  }

  public func listLinks(_ request: ListLinksRequest, pageSize: Int, pageToken: String) async throws -> Page<Link> {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if !request.claimID.isEmpty {
      // As a union of two index lookups: the OR of two columns made SQLite scan the whole table.
      conditions.append(
        "rowid IN (SELECT rowid FROM link WHERE claim_id = ? UNION SELECT rowid FROM link WHERE target_claim_id = ?)")
      arguments += [request.claimID, request.claimID]
    }
    if !request.sourceID.isEmpty {
      conditions.append("source_id = ?")
      arguments += [request.sourceID]
    }
    if request.relation != .unspecified {
      conditions.append("relation = ?")
      arguments += [request.relation.rawValue]
    }
    if !request.includeWithdrawn { conditions.append("state = 1") }
    let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    return try await page(
      sql: "SELECT record FROM link" + whereClause + " ORDER BY rowid", arguments: arguments, pageSize: pageSize,
      pageToken: pageToken
    ) { try Link(serializedBytes: $0[0] as Data) }
  }

  public func listVerdicts(claimID: String, pageSize: Int, pageToken: String) async throws -> Page<Verdict> {
    try await page(
      sql: "SELECT record FROM verdict WHERE claim_id = ? ORDER BY create_time DESC, rowid DESC", arguments: [claimID],
      pageSize: pageSize, pageToken: pageToken
    ) { try Verdict(serializedBytes: $0[0] as Data) }
  }

  public func auditEvents(_ request: ListAuditEventsRequest) async throws -> [AuditEvent] {
    var conditions = ["sequence > ?"]
    var arguments: StatementArguments = [request.afterSequence]
    if !request.resourceID.isEmpty {
      conditions.append("resource_id = ?")
      arguments += [request.resourceID]
    }
    if request.filterByActor {
      conditions.append("actor_uid = ?")
      arguments += [Int64(request.actorUID)]
    }
    let limit = request.limit > 0 ? " LIMIT \(request.limit)" : ""
    let sql =
      "SELECT sequence, record FROM audit_event WHERE " + conditions.joined(separator: " AND ") + " ORDER BY sequence"
      + limit
    let finalArguments = arguments
    return try await read { db in
      try Row.fetchAll(db, sql: sql, arguments: finalArguments).map { row in
        var event = try AuditEvent(serializedBytes: row[1] as Data)
        event.sequence = row[0]
        return event
      }
    }
  }

  public func lastSequence() async throws -> Int64 {
    try await read { db in try Int64.fetchOne(db, sql: "SELECT ifnull(max(sequence), 0) FROM audit_event") ?? 0 }
  }

  // MARK: - Import

  public func importBatch(
    created: [Resource], restored: [Resource], revisions: [ClaimRevision], auditEvents: [AuditEvent], audit: AuditDraft
  ) async throws -> [AuditEvent] {
    let events = try await write { db in
      var events: [AuditEvent] = []
      for resource in restored {
        try Self.checkConstraints(db, for: resource, replacing: nil)
        try Self.store(db, resource, isNew: true)
      }
      for revision in revisions {
        try db.cachedStatement(sql: "INSERT INTO claim_revision(claim_id, revision, record) VALUES (?, ?, ?)").execute(
          arguments: [revision.claimID, revision.revision, Data(revision.serializedBytes())])
      }
      for event in auditEvents {
        var record = event
        record.sequence = 0
        try db.cachedStatement(
          sql: "INSERT INTO audit_event(sequence, resource_id, actor_uid, record) VALUES (?, ?, ?, ?)"
        ).execute(
          arguments: [event.sequence, event.resourceID, event.actor?.uid ?? 0, Data(record.serializedBytes())])
      }
      for resource in created {
        try Self.checkConstraints(db, for: resource, replacing: nil)
        try Self.store(db, resource, isNew: true, fresh: true)
        events.append(try Self.appendAudit(db, audit, before: nil, after: resource))
      }
      return events
    }
    countWords(of: restored + created)
    return events
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
    let hashes = Array(Set(wanted.map { Schema.textHash(speakerID: $0.speakerID, textKey: $0.textKey) }))
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

  // MARK: - Backup

  public func backup(to path: String) async throws -> (size: Int64, lastSequence: Int64) {
    // VACUUM INTO reads one consistent snapshot (a read transaction in WAL mode) while writers go on, and
    // writes a compact, self-contained database file.
    do {
      try await pool.unsafeRead { db in
        try db.execute(sql: "VACUUM INTO ?", arguments: [path])
      }
    } catch let error as DatabaseError {
      throw Self.ledgerError(error)
    }
    let copy = try DatabaseQueue(path: path)
    defer { try? copy.close() }
    return try await copy.read { db in
      let check = try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "?"
      guard check == "ok" else { throw LedgerError(.internal, "the backup failed its integrity check: \(check)") }
      let last = try Int64.fetchOne(db, sql: "SELECT ifnull(max(sequence), 0) FROM audit_event") ?? 0
      let attributes = try FileManager.default.attributesOfItem(atPath: path)
      return ((attributes[.size] as? NSNumber)?.int64Value ?? 0, last)
    }
  }

  /// The writer connection's `PRAGMA synchronous` (2 is FULL: every commit synced to disk).
  func writerSynchronousMode() async throws -> Int {
    try await committer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
  }

  /// `PRAGMA integrity_check` of the live database: "ok" or SQLite's list of problems.
  public func integrityCheck() async throws -> String {
    try await read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "?" }
  }

  // MARK: - Similar claims and evidence candidates

  /// Claims that may repeat `text`, for ``Similarity`` to score: their records only, without evidence
  /// counts or ratings. The work is bounded whatever the size of the ledger: only the claim's rarest
  /// words are looked up (a repeat shares them), ranked by bm25 while they are rare, otherwise the most
  /// recent claims holding them.
  ///
  /// How rare a word is comes from counting its matches up to ``rarityCountLimit``: FTS5 reads a
  /// doclist incrementally, so a common word costs no more than a rare one (fts5vocab's document
  /// counts read the word's whole doclist, which at a million claims took milliseconds per word).
  public func claimCandidates(similarTo text: String, limit: Int) async throws -> [Claim] {
    let words = SearchQuery.words(of: text, maximumWords: 64)
    guard !words.isEmpty else { return [] }
    let known = wordCounts.withLock { $0.counts(of: words) }
    return try await read { db in
      var frequencies: [(word: String, documents: Int)] = []
      var counted: [String: Int] = [:]
      for word in words {
        var documents = known[word] ?? -1
        if documents < 0 {
          documents =
            try Int.fetchOne(
              db.cachedStatement(
                sql: "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT ?)"),
              arguments: ["title : \"" + word + "\"", Self.rarityCountLimit]) ?? 0
          counted[word] = documents
        }
        // A word no claim holds yet cannot find a repeat.
        if documents > 0 { frequencies.append((word, documents)) }
      }
      if !counted.isEmpty { self.wordCounts.withLock { $0.remember(counted) } }
      let rarest = frequencies.sorted { $0.documents < $1.documents }.prefix(Self.candidateWords)
      guard !rarest.isEmpty else { return [] }
      let match = "title : (" + rarest.map { "\"" + $0.word + "\"" }.joined(separator: " OR ") + ")"
      // bm25 scores every match: only when they are few.
      let ranked = rarest.reduce(0) { $0 + $1.documents } <= Self.rarityCountLimit
      let records = try Data.fetchAll(
        db.cachedStatement(
          sql: ranked
            ? """
            SELECT c.record FROM search_index s JOIN claim c ON c.id = s.resource_id
            WHERE search_index MATCH ? AND s.resource_type = 2
            ORDER BY bm25(search_index, 0.0, 0.0, 10.0, 0.0) LIMIT ?
            """
            : """
            SELECT c.record FROM search_index s JOIN claim c ON c.id = s.resource_id
            WHERE search_index MATCH ? AND s.resource_type = 2
            ORDER BY s.rowid DESC LIMIT ?
            """),
        arguments: [match, limit])
      return try records.map { try Claim(serializedBytes: $0) }
    }
  }

  /// How many of a claim's rarest words find its repeat candidates.
  static let candidateWords = 4
  /// Words' match counts (up to ``rarityCountLimit``), remembered and kept up to date by the writes.
  private let wordCounts = Mutex(WordCounts())

  /// How many claims hold each word, up to ``rarityCountLimit``: counted once by a query, then counted
  /// on by every claim written, so repeat detection rarely queries at all (a count query costs more
  /// than the rest of a write). Counts are estimates — a rolled-back write or a retraction leaves them a
  /// little high — and are all counted again after ``lifetime``.
  struct WordCounts {
    private var counts: [String: Int] = [:]
    private var since = ContinuousClock.now
    /// The most words remembered, and for how long.
    static let capacity = 100_000
    static let lifetime = Duration.seconds(600)

    mutating func counts(of words: [String]) -> [String: Int] {
      if ContinuousClock.now - since > Self.lifetime {
        counts.removeAll(keepingCapacity: true)
        since = .now
      }
      var found: [String: Int] = [:]
      for word in words { if let count = counts[word] { found[word] = count } }
      return found
    }

    mutating func remember(_ new: [String: Int]) {
      if counts.count + new.count > Self.capacity { counts.removeAll(keepingCapacity: true) }
      counts.merge(new) { _, latest in latest }
    }

    var isEmpty: Bool { counts.isEmpty }

    /// A claim holding `words` was written.
    mutating func written(_ words: [String]) {
      for word in words {
        if let count = counts[word], count < SQLiteLedgerStore.rarityCountLimit { counts[word] = count + 1 }
      }
    }
  }

  /// Keeps the remembered word counts up to date with claims just committed.
  private func countWords(of resources: [Resource]) {
    var texts: [String] = []
    for resource in resources { if case .claim(let claim) = resource.kind { texts.append(claim.text) } }
    // Nothing remembered (no claim created since the start, say, only imports): nothing to count on.
    guard !texts.isEmpty, !wordCounts.withLock({ $0.isEmpty }) else { return }
    // A large import would spend more on counting its words than the next claims spend counting
    // again: forget the counts instead.
    guard texts.count <= 64 else {
      wordCounts.withLock { $0 = WordCounts() }
      return
    }
    let words = texts.map { SearchQuery.words(of: $0, maximumWords: 64) }
    wordCounts.withLock { counts in for list in words { counts.written(list) } }
  }

  /// Matches of a word counted to tell how rare it is; a word with this many is common.
  static let rarityCountLimit = 100

  public func sourceCandidates(matching query: String, limit: Int) async throws -> [(Source, Double)] {
    try await read { db in
      let rows = try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT resource_id, bm25(search_index, 0.0, 0.0, 2.0, 1.0) FROM search_index
            WHERE search_index MATCH ? AND resource_type = 3 ORDER BY 2 LIMIT ?
            """),
        arguments: [query, limit])
      return try rows.compactMap { row in
        guard case .source(let source)? = try Self.fetch(db, .source, id: row[0])?.kind else { return nil }
        return (source, -(row[1] as Double))
      }
    }
  }

  // MARK: - Search

  /// How many entries hold each phrase of a search (for its idf), and how many entries there are: counted
  /// up to ``phraseCountLimit`` matches and beyond that estimated from how densely the phrase occurs
  /// among the most recent entries. (FTS5's own bm25 counts every match of every phrase on each query,
  /// which grows with the ledger.)
  static func phraseCounts(_ db: Database, phrases: [String]) throws -> (counts: [Double], entries: Double) {
    let newest =
      try Int64.fetchOne(db.cachedStatement(sql: "SELECT rowid FROM search_index ORDER BY rowid DESC LIMIT 1")) ?? 0
    var counts: [Double] = []
    for phrase in phrases {
      let row = try Row.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT count(*), min(rowid) FROM
              (SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?)
            """),
        arguments: [phrase, Self.phraseCountLimit])
      let counted: Int64 = row?[0] ?? 0
      // min(rowid) is NULL when nothing matches.
      let oldest: Int64 = (row?[1] as Int64?) ?? newest
      // Entries are numbered in the order they were written (give or take rewritten ones), so the
      // phrase's density among the newest entries, times all of them, estimates its count.
      counts.append(
        counted < Int64(Self.phraseCountLimit)
          ? Double(counted) : Double(counted) * Double(newest) / Double(max(1, newest - oldest + 1)))
    }
    return (counts, Double(newest))
  }

  /// The ranking of a search: `gainsay_rank`, bm25 weighting titles 10 to 1 over bodies, with the
  /// phrases' counts from ``phraseCounts(_:phrases:)``.
  static func rankFunction(counts: [Double]) -> String {
    "gainsay_rank(" + (["0.0", "0.0", "10.0", "1.0"] + counts.map { String(format: "%.1f", $0) })
      .joined(separator: ", ") + ")"
  }

  /// How far back, in entries, a query made only of common words looks first.
  static let commonEntryRange = 100_000

  /// A phrase's matches counted exactly up to this many; beyond, its count is estimated.
  static let phraseCountLimit = 2_000

  public func search(_ request: SearchRequest, limit: Int) async throws -> [SearchHit] {
    guard let match = SearchQuery.fts5Expression(request.query) else {
      throw LedgerError.invalid("query", "has no words to search for")
    }
    let phrases = SearchQuery.fts5Phrases(request.query)
    let types = request.resourceTypes.isEmpty ? [ResourceType.claim, .speaker, .source] : request.resourceTypes
    var conditions = [
      "resource_type IN (\(Set(types).map { String($0.rawValue) }.sorted().joined(separator: ",")))"
    ]
    var filterArguments: StatementArguments = []
    if !request.speakerID.isEmpty {
      conditions.append("(resource_type <> 2 OR resource_id IN (SELECT id FROM claim WHERE speaker_id = ?))")
      filterArguments += [request.speakerID]
    }
    if !request.includeRetracted {
      conditions.append("(resource_type <> 2 OR resource_id NOT IN (SELECT id FROM claim WHERE state = 2))")
    }
    // FTS5 sorts the matches by `rank` itself and the rest of the query (filters, snippets) runs only on
    // the rows it hands out in that order, until the limit is reached.
    let sql = """
      SELECT resource_type, resource_id, rank,
        snippet(search_index, 2, char(2), char(3), '…', 24), snippet(search_index, 3, char(2), char(3), '…', 24)
      FROM search_index
      WHERE search_index MATCH ? AND rank MATCH ? AND rowid >= ?
        AND \(conditions.joined(separator: " AND "))
      ORDER BY rank LIMIT ?
      """
    let filters = filterArguments
    return try await read { [rankedMatchLimit, commonRankedMatchLimit, commonPhraseShare] db in
      let rows: [Row]
      do {
        let (counts, entries) = try Self.phraseCounts(db, phrases: phrases)
        // Ranking every match of a very common word would cost time in proportion to the ledger: past
        // `rankedMatchLimit` matches, only that many of the most recent ones are ranked. When even the
        // rarest phrase is common, finding those matches means scanning many entries (an AND of common
        // words matches few of them), and a ranking of such words says little: fewer are ranked.
        let everyPhraseCommon = counts.allSatisfy { $0 >= commonPhraseShare * entries }
        let window = everyPhraseCommon ? min(commonRankedMatchLimit, rankedMatchLimit) : rankedMatchLimit
        var oldestRanked: Int64?
        if everyPhraseCommon {
          // Words that are each common can still be rare together, and then their window would reach
          // far back. Look among the newest `commonEntryRange` entries first; only if they hold fewer
          // matches than were asked for, look further.
          let lowest = Int64(entries) - Int64(Self.commonEntryRange)
          if let row = try Row.fetchOne(
            db.cachedStatement(
              sql: """
                SELECT count(*), min(rowid) FROM (SELECT rowid FROM search_index WHERE search_index MATCH ?
                  AND rowid >= ? ORDER BY rowid DESC LIMIT ?)
                """),
            arguments: [match, lowest, window])
          {
            let found: Int = row[0]
            if found == window {
              oldestRanked = row[1]
            } else if found >= limit || lowest <= 0 {
              oldestRanked = lowest
            }
          }
        }
        if oldestRanked == nil {
          oldestRanked =
            try Int64.fetchOne(
              db.cachedStatement(
                sql: "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?"),
              arguments: [match, window - 1]) ?? Int64.min
        }
        let rank = Self.rankFunction(counts: counts)
        rows = try Row.fetchAll(
          db.cachedStatement(sql: sql), arguments: [match, rank, oldestRanked ?? Int64.min] + filters + [limit])
      } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
        throw LedgerError.invalid("query", "cannot be searched: \(error.message ?? "syntax error")")
      }
      return try rows.map { row in
        var hit = SearchHit()
        hit.resourceType = ResourceType(rawValue: Int32(row[0] as Int64))
        hit.resourceID = row[1]
        hit.score = -((row[2] as Double?) ?? 0)
        let titleSnippet: String = row[3]
        let bodySnippet: String = row[4]
        let marked = titleSnippet.contains("\u{2}") || bodySnippet.isEmpty ? titleSnippet : bodySnippet
        (hit.snippet, hit.highlights) = SearchQuery.highlights(in: marked)
        if var resource = try Self.fetch(db, hit.resourceType, id: hit.resourceID) {
          if case .source(var source) = resource.kind {
            source.archivedText = ""
            resource.kind = .source(source)
          }
          hit.resource = resource
        }
        return hit
      }
    }
  }

}

extension ResourceType {
  var noun: String {
    switch self {
    case .speaker: "speaker"
    case .claim: "claim"
    case .source: "source"
    case .link: "link"
    case .verdict: "verdict"
    default: "resource"
    }
  }
}

/// Opaque page tokens: an offset, base64-encoded so clients do not build them.
enum PageToken {
  static func make(offset: Int) -> String {
    Data("o:\(offset)".utf8).base64EncodedString()
  }

  static func offset(_ token: String) throws -> Int {
    guard !token.isEmpty else { return 0 }
    guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8), text.hasPrefix("o:"),
      let offset = Int(text.dropFirst(2)), offset >= 0
    else {
      throw LedgerError.invalid("page_token", "is not a token from a previous response")
    }
    return offset
  }
}
