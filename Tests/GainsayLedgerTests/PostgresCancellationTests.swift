import Foundation
import GainsayCore
import GainsayProto
import GainsayTestSupport
import PostgresNIO
import Testing

@testable import GainsayPostgres

/// A call cancelled at its deadline (or by its client going away) stops its statement on the PostgreSQL
/// server instead of letting it run to its end, and leaves its connection fit for the next call.
@Suite(
  "PostgreSQL store: cancelled calls",
  .enabled(
    if: postgresTestURL != nil,
    "GAINSAY_TEST_POSTGRES_URL is not set: no throwaway PostgreSQL cluster to test against"),
  .serialized)
struct PostgresCancellationTests {
  /// The statements of the test's database still running `pg_sleep`, as PostgreSQL lists them.
  static func sleepers(_ store: PostgresLedgerStore) async throws -> Int {
    try await store.read { db in
      try await db.one(
        """
        SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep%'
        """)?.decode(Int.self) ?? -1
    }
  }

  /// Whether PostgreSQL stops running `pg_sleep` within `limit` (it checks for a closed client every second).
  static func sleepersStop(_ store: PostgresLedgerStore, within limit: Duration = .seconds(5)) async throws -> Bool {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < limit {
      if try await sleepers(store) == 0 { return true }
      try await Task.sleep(for: .milliseconds(100))
    }
    return false
  }

  @Test("a cancelled read ends at once, its statement stops on the server, and the next calls succeed")
  func cancelledRead() async throws {
    try await PostgresStoreTests().withStore { ledger, store, _ in
      let started = ContinuousClock.now
      let slow = Task { try await store.read { db in try await db.run("SELECT pg_sleep(30)") } }
      try await Task.sleep(for: .milliseconds(300))
      #expect(try await Self.sleepers(store) == 1)
      slow.cancel()
      await #expect(throws: CancellationError.self) { try await slow.value }
      #expect(ContinuousClock.now - started < .seconds(5), "the statement ran on after its call was cancelled")
      #expect(try await Self.sleepersStop(store), "pg_sleep still runs on the server")
      // Every pooled connection still works: a cancel never reaches a later statement.
      for _ in 0..<20 { #expect(try await ledger.store.lastSequence() == 0) }
    }
  }

  @Test("a cancelled write is rolled back: nothing of it is committed, the audit log stays contiguous")
  func cancelledWrite() async throws {
    try await PostgresStoreTests().withStore { ledger, store, _ in
      let created = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: PostgresStoreTests.editor)
      let started = ContinuousClock.now
      let slow = Task {
        try await store.write { tx in
          try await tx.db.run(
            "INSERT INTO speaker_name(key, name, speaker_id, is_alias, fold) VALUES ('x', 'x', \(created.id), true, 'x')")
          try await tx.db.run("SELECT pg_sleep(30)")
        }
      }
      try await Task.sleep(for: .milliseconds(300))
      slow.cancel()
      await #expect(throws: CancellationError.self) { try await slow.value }
      #expect(ContinuousClock.now - started < .seconds(5), "the transaction ran on after its call was cancelled")
      let names = try await store.read { db in
        try await db.one("SELECT count(*) FROM speaker_name WHERE key = 'x'")?.decode(Int.self)
      }
      #expect(names == 0)
      #expect(try await Self.sleepersStop(store), "pg_sleep still runs on the server")
      #expect(try await store.lastSequence() == 1)
    }
  }
}
