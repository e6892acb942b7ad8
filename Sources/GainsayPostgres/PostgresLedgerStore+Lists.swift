import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Pages of lists, with the SQLite store's orders, byte budget and page tokens.
extension PostgresLedgerStore {
  /// The most bytes of encoded items a page holds (as the SQLite store's `pageByteBudget`).
  static let pageByteBudget = 2 * 1024 * 1024
  /// What an item may encode to beyond its stored record: a claim's evidence counts and latest rating.
  static let itemAllowance = 128

  /// Runs a paged query (`sql` must end before LIMIT); the page token is an offset, as the SQLite
  /// store's: tokens of one store are tokens of the other.
  func page<Element: Sendable>(
    _ sql: SQL, pageSize: Int, pageToken: String, decode: @escaping @Sendable (PostgresRow) throws -> Element
  ) async throws -> Page<Element> {
    let offset = try PageToken.offset(pageToken)
    var sql = sql
    sql.add(" LIMIT ? OFFSET ?", Int64(pageSize + 1), Int64(offset))
    let query = try sql.query
    return try await read { db in
      var items: [Element] = []
      var bytes = 0
      for try await row in try await db.stream(query) {
        guard items.count < pageSize else {
          return Page(items: items, nextPageToken: PageToken.make(offset: offset + items.count))
        }
        let size = (try row.decode(Data.self).count) + Self.itemAllowance + 1 + 5
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
    return try await page(sql, pageSize: pageSize, pageToken: pageToken) {
      try ClaimRevision(serializedBytes: try $0.decode(Data.self))
    }
  }

  public func listSources(
    outlet: String, kind: SourceKind, pageSize: Int, pageToken: String
  ) async throws -> Page<Source> {
    var sql = SQL("SELECT record FROM source WHERE true")
    if !outlet.isEmpty { sql.add(" AND lower(outlet) = lower(?)", outlet) }
    if kind != .unspecified { sql.add(" AND kind = ?", Int(kind.rawValue)) }
    sql += " ORDER BY seq"
    return try await page(sql, pageSize: pageSize, pageToken: pageToken) {
      try Source(serializedBytes: try $0.decode(Data.self))
    }
  }

  public func listLinks(_ filter: LinkFilter, pageSize: Int, pageToken: String) async throws -> Page<Link> {
    var sql = SQL("SELECT record FROM link WHERE true")
    if !filter.claimID.isEmpty {
      sql.add(" AND (claim_id = ? OR target_claim_id = ?)", filter.claimID, filter.claimID)
    }
    if !filter.sourceID.isEmpty { sql.add(" AND source_id = ?", filter.sourceID) }
    if let relation = filter.relation { sql.add(" AND relation = ?", Int(relation.rawValue)) }
    if !filter.includeWithdrawn { sql += " AND state = 1" }
    sql += " ORDER BY seq"
    return try await page(sql, pageSize: pageSize, pageToken: pageToken) {
      try Link(serializedBytes: try $0.decode(Data.self))
    }
  }

  public func listVerdicts(
    claimID: String, includeWithdrawn: Bool, pageSize: Int, pageToken: String
  ) async throws -> Page<Verdict> {
    var sql = SQL()
    sql.add("SELECT record FROM verdict WHERE claim_id = ?", claimID)
    if !includeWithdrawn { sql += " AND state = 1" }
    sql += " ORDER BY create_time DESC, seq DESC"
    return try await page(sql, pageSize: pageSize, pageToken: pageToken) {
      try Verdict(serializedBytes: try $0.decode(Data.self))
    }
  }
}

/// Opaque page tokens: an offset, base64-encoded so clients do not build them (the SQLite store's format,
/// copied from GainsayStore's PageToken.swift, which is internal there).
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
