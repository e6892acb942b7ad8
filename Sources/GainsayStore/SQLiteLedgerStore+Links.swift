import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Links: their rows, what a new link must not duplicate or lose, and lists.
extension SQLiteLedgerStore {
  static func fetchLink(_ db: Database, id: String) throws -> Link? {
    try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM link WHERE id = ?"), arguments: [id]).map {
      try Link(serializedBytes: $0)
    }
  }

  /// Refuses a new active link whose passage left its source's text meanwhile, or that exists already.
  static func checkNewLink(_ db: Database, _ link: Link) throws {
    let columns = LinkColumns(link)
    // Checked in the transaction that writes the link, so a concurrent change of the source's text
    // cannot slip in between the check and the write.
    if let sourceID = columns.sourceID, !columns.quote.isEmpty,
      let text = try String.fetchOne(
        db.cachedStatement(sql: "SELECT archived_text FROM source WHERE id = ?"), arguments: [sourceID]),
      !text.isEmpty, !TextQuoteAnchor.occurs(columns.quote, in: text)
    {
      throw StoreRefusal.passageGone(from: sourceID)
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
      throw StoreRefusal.duplicateLink(existing)
    }
  }

  static func storeLink(_ db: Database, _ link: Link) throws {
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
        columns.quoteStart, link.state.rawValue, Data(link.serializedBytes()),
      ])
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
}
