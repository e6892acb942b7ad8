import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Verdicts: their rows and lists, newest first.
extension SQLiteLedgerStore {
  static func fetchVerdict(_ db: Database, id: String) throws -> Verdict? {
    try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM verdict WHERE id = ?"), arguments: [id]).map {
      try Verdict(serializedBytes: $0)
    }
  }

  static func storeVerdict(_ db: Database, _ verdict: Verdict) throws {
    var verdict = verdict
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
}
