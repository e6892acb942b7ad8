import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// The mark of the background search for repeats, and what it found, recorded in the audit log.
extension SQLiteLedgerStore {
  public func repeatSearchMark() async throws -> Int64 {
    try await read { db in try Self.repeatSearchMark(db) }
  }

  public func recordRepeats(
    _ found: [(claimID: String, audit: AuditDraft)], searched: Int64, through: Int64
  ) async throws -> [AuditEvent]? {
    let clock = auditClock
    return try await write { db -> [AuditEvent]? in
      guard try Self.repeatSearchMark(db) == searched else { return nil }
      var events: [AuditEvent] = []
      for (claimID, audit) in found {
        // A claim is never deleted; one missing here was never written, and has nothing to record.
        guard let claim = try Self.fetch(db, .claim, id: claimID) else { continue }
        events.append(try Self.appendAudit(db, audit, before: claim, after: claim, clock: clock))
      }
      try db.cachedStatement(sql: "UPDATE repeat_search SET searched_through = ? WHERE id = 1").execute(
        arguments: [through])
      return events
    }
  }

  static func repeatSearchMark(_ db: Database) throws -> Int64 {
    try Int64.fetchOne(db.cachedStatement(sql: "SELECT searched_through FROM repeat_search WHERE id = 1")) ?? 0
  }
}
