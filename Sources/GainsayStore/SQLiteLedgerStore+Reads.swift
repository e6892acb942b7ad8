import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Reads: resources by id, pages of lists, the audit log.
extension SQLiteLedgerStore {
  public func get<R: StoredRecord>(_ type: R.Type, id: String) async throws -> R? {
    try await read { db in try Self.fetch(db, R.resourceType, id: id).map(R.unwrapped) }
  }

  static let claimSelect = """
    SELECT c.record,
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 1),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 2),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 3),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 4),
      (SELECT v.rating FROM verdict v WHERE v.claim_id = c.id AND v.state = 1
        ORDER BY v.create_time DESC, v.rowid DESC LIMIT 1),
      (SELECT s.name FROM speaker s WHERE s.id = c.speaker_id)
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
    claim.speakerName = row[6] ?? ""
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
      var id = try String.fetchOne(
        db.cachedStatement(sql: "SELECT speaker_id FROM speaker_name WHERE key = ?"), arguments: [name.lowercased()])
      if id == nil {
        // The same name after folding case, spacing and diacritics, if it names one speaker only.
        let ids = try String.fetchAll(
          db.cachedStatement(sql: "SELECT DISTINCT speaker_id FROM speaker_name WHERE fold = ? LIMIT 2"),
          arguments: [SpeakerNameMatch.fold(name)])
        if ids.count == 1 { id = ids[0] }
      }
      guard let id, case .speaker(let speaker)? = try Self.fetch(db, .speaker, id: id)?.kind else { return nil }
      return speaker
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
        guard case .speaker(let speaker)? = try Self.fetch(db, .speaker, id: $0.key)?.kind else { return nil }
        return speaker
      }
    }
  }

  /// The most bytes of encoded items a page holds: a page stops short of it (with a token for the rest),
  /// so that a list of large items (claims of 10,000 characters, sources with long titles) always fits
  /// in a response frame (4 MiB) instead of failing with RESOURCE_EXHAUSTED.
  public static let pageByteBudget = 2 * 1024 * 1024
  /// What an item may encode to beyond its stored record: a claim's evidence counts and latest rating.
  static let itemAllowance = 128

  /// Runs a paged query: `sql` must end before ORDER BY/LIMIT; the page token is an offset.
  ///
  /// A page holds up to `pageSize` items, fewer when their encoding would pass ``pageByteBudget``
  /// (always at least one); rows are read one at a time and no further than needed.
  func page<Element: ProtoMessage>(
    sql: String,
    arguments: StatementArguments,
    pageSize: Int,
    pageToken: String,
    decode: @escaping @Sendable (Row) throws -> Element
  ) async throws -> Page<Element> {
    let offset = try PageToken.offset(pageToken)
    return try await read { db in
      let rows = try Row.fetchCursor(db, sql: sql + " LIMIT ? OFFSET ?", arguments: arguments + [pageSize + 1, offset])
      var items: [Element] = []
      var bytes = 0
      while let row = try rows.next() {
        guard items.count < pageSize else {
          return Page(items: items, nextPageToken: PageToken.make(offset: offset + items.count))
        }
        // The stored record's bytes (what the item encodes to, but for the evidence counts and rating a
        // claim gains when read: ``itemAllowance``), its field tag and its length; nothing encoded twice.
        let size = ((row[0] as Data?)?.count ?? 0) + Self.itemAllowance + 1 + 5
        let item = try decode(row)
        guard items.isEmpty || bytes + size <= Self.pageByteBudget else {
          return Page(items: items, nextPageToken: PageToken.make(offset: offset + items.count))
        }
        bytes += size
        items.append(item)
      }
      return Page(items: items, nextPageToken: "")
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

  public func listLinks(_ filter: LinkFilter, pageSize: Int, pageToken: String) async throws -> Page<Link> {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if !filter.claimID.isEmpty {
      // As a union of two index lookups: the OR of two columns made SQLite scan the whole table.
      conditions.append(
        "rowid IN (SELECT rowid FROM link WHERE claim_id = ? UNION SELECT rowid FROM link WHERE target_claim_id = ?)")
      arguments += [filter.claimID, filter.claimID]
    }
    if !filter.sourceID.isEmpty {
      conditions.append("source_id = ?")
      arguments += [filter.sourceID]
    }
    if let relation = filter.relation {
      conditions.append("relation = ?")
      arguments += [relation.rawValue]
    }
    if !filter.includeWithdrawn { conditions.append("state = 1") }
    let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    return try await page(
      sql: "SELECT record FROM link" + whereClause + " ORDER BY rowid", arguments: arguments, pageSize: pageSize,
      pageToken: pageToken
    ) { try Link(serializedBytes: $0[0] as Data) }
  }

  public func listVerdicts(
    claimID: String, includeWithdrawn: Bool, pageSize: Int, pageToken: String
  ) async throws -> Page<Verdict> {
    try await page(
      sql: "SELECT record FROM verdict WHERE claim_id = ?" + (includeWithdrawn ? "" : " AND state = 1")
        + " ORDER BY create_time DESC, rowid DESC",
      arguments: [claimID],
      pageSize: pageSize, pageToken: pageToken
    ) { try Verdict(serializedBytes: $0[0] as Data) }
  }

  public func auditEvents(_ query: AuditQuery) async throws -> [AuditEvent] {
    var conditions = ["sequence > ?"]
    var arguments: StatementArguments = [query.afterSequence]
    if !query.resourceID.isEmpty {
      conditions.append("resource_id = ?")
      arguments += [query.resourceID]
    }
    if let actorUID = query.actorUID {
      conditions.append("actor_uid = ?")
      arguments += [Int64(actorUID)]
    }
    let limit = query.limit.map { " LIMIT \(max(0, $0))" } ?? ""
    let sql =
      "SELECT sequence, record FROM audit_event WHERE " + conditions.joined(separator: " AND ") + " ORDER BY sequence"
      + limit
    let finalArguments = arguments
    return try await read { db in
      try Row.fetchAll(db, sql: sql, arguments: finalArguments).map { row in
        var event = try AuditEvent(serializedBytes: row[1] as Data)
        event.sequence = row[0]
        // Events written before sources' texts were left out of the log still hold them: not sent on.
        event.before = event.before?.withoutArchivedText
        event.after = event.after?.withoutArchivedText
        return event
      }
    }
  }

  public func lastSequence() async throws -> Int64 {
    try await read { db in try Int64.fetchOne(db, sql: "SELECT ifnull(max(sequence), 0) FROM audit_event") ?? 0 }
  }
}
