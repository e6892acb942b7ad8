import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Verdicts: their rows and lists, newest first.
extension PostgresLedgerStore {
  /// A verdict by id; `lock` is empty or " FOR UPDATE".
  static func fetchVerdict(_ db: PGConnection, id: String, lock: String = "") async throws -> Verdict? {
    var sql = SQL()
    sql.add("SELECT record FROM verdict WHERE id = ?" + lock, id)
    return try await db.one(sql.query).map { try Verdict(serializedBytes: try $0.decode(Data.self)) }
  }

  static func storeVerdict(_ db: PGConnection, _ verdict: Verdict) async throws {
    var verdict = verdict
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
