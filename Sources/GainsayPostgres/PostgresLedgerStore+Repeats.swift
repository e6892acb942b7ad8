import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// The mark of the background search for repeats, and what it found, recorded in the audit log. The mark
/// is moved under the audit lock, so of two daemons searching the same claims one records them.
extension PostgresLedgerStore {
  public func repeatSearchMark() async throws -> Int64 {
    try await read { db in try await Self.repeatSearchMark(db) }
  }

  public func recordRepeats(
    _ found: [(claimID: String, audit: AuditDraft)], searched: Int64, through: Int64
  ) async throws -> [AuditEvent]? {
    try await write { tx -> [AuditEvent]? in
      guard try await Self.repeatSearchMark(tx.db) == searched else { return nil }
      var events: [AuditEvent] = []
      for (claimID, audit) in found {
        guard let claim = try await Self.fetch(tx.db, .claim, id: claimID) else { continue }
        events.append(try await Self.appendAudit(tx, audit, before: claim, after: claim))
      }
      try await tx.db.run("UPDATE repeat_search SET searched_through = \(through) WHERE id = 1")
      return events
    }
  }

  static func repeatSearchMark(_ db: PGConnection) async throws -> Int64 {
    try await db.one("SELECT searched_through FROM repeat_search WHERE id = 1")?.decode(Int64.self) ?? 0
  }
}
