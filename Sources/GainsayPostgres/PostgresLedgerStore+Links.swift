import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Links: their rows, what a new link must not duplicate or lose, and lists.
extension PostgresLedgerStore {
  /// A link by id; `lock` is empty or " FOR UPDATE".
  static func fetchLink(_ db: PGConnection, id: String, lock: String = "") async throws -> Link? {
    var sql = SQL()
    sql.add("SELECT record FROM link WHERE id = ?" + lock, id)
    return try await db.one(sql.query).map { try Link(serializedBytes: try $0.decode(Data.self)) }
  }

  /// Refuses a new active link whose passage left its source's text meanwhile, or that exists already.
  static func checkNewLink(_ db: PGConnection, _ link: Link) async throws {
    let columns = LinkColumns(link)
    if let sourceID = columns.sourceID, !columns.quote.isEmpty,
      let text = try await db.one("SELECT archived_text FROM source WHERE id = \(sourceID)")?.decode(String.self),
      !text.isEmpty, !TextQuoteAnchor.occurs(columns.quote, in: text)
    {
      throw StoreRefusal.passageGone(from: sourceID)
    }
    if let existing = try await db.one(
      """
      SELECT id FROM link WHERE claim_id = \(link.claimID) AND coalesce(source_id, '') = \(columns.sourceID ?? "")
        AND coalesce(target_claim_id, '') = \(columns.targetClaimID ?? "") AND relation = \(Int(link.relation.rawValue))
        AND quote = \(columns.quote) AND quote_start = \(columns.quoteStart) AND state = 1
      """)?.decode(String.self)
    {
      throw StoreRefusal.duplicateLink(existing)
    }
  }

  static func storeLink(_ db: PGConnection, _ link: Link) async throws {
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
}
