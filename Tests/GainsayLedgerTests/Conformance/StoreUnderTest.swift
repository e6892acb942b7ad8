import Foundation
import GainsayCore
import GainsayPostgres
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Testing

/// A kind of ``LedgerStore`` the conformance suite runs against: how to make a fresh, empty one for one
/// test, and how to get rid of it afterwards.
///
/// Every conformance test takes one as its argument (`@Test(arguments: StoreUnderTest.all)`), so each test
/// runs once per store and its name says which store failed.
struct StoreUnderTest: Sendable, CustomTestStringConvertible {
  /// What the test results call the store ("SQLite", "PostgreSQL").
  let name: String
  /// A new empty store, and what closes and removes it.
  let make: @Sendable () async throws -> (store: any LedgerStore, cleanup: @Sendable () async throws -> Void)

  var testDescription: String { name }

  /// Every store the suite runs against: SQLite always, PostgreSQL when a test cluster is configured.
  static var all: [StoreUnderTest] { [sqlite] + postgresStores() }

  /// The embedded store, in a temporary folder of its own.
  static let sqlite = StoreUnderTest(name: "SQLite") {
    let directory = try makeShortTempDirectory(prefix: "gconf")
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    return (
      store,
      {
        try store.close()
        try FileManager.default.removeItem(atPath: directory)
      }
    )
  }

  // MARK: - PostgreSQL: the one place the lead adds the second store.

  /// The PostgreSQL store, when `GAINSAY_TEST_POSTGRES_URL` names a cluster (Scripts/test starts one with
  /// Scripts/lib/postgres-cluster.sh): a fresh database per test, dropped afterwards. None otherwise.
  static func postgresStores() -> [StoreUnderTest] {
    guard postgresTestURL != nil else { return [] }
    return [
      StoreUnderTest(name: "PostgreSQL") {
        let name = "gainsay_conf_\(UInt32.random(in: 0...UInt32.max))"
        try await PostgresStoreTests.administer("CREATE DATABASE \(name)")
        let store = try await PostgresStoreTests.connect(try PostgresStoreTests.url(database: name))
        return (
          store,
          {
            await store.close()
            try await PostgresStoreTests.administer("DROP DATABASE \(name) WITH (FORCE)")
          }
        )
      }
    ]
  }
}

/// The callers of the conformance tests: an admin (every method is open to it) and a second account, so
/// that audit filters by actor have something to tell apart.
enum ConformanceCallers {
  static let admin = CallerIdentity(uid: 1001, gid: 1001, userName: "desk-admin", role: .admin)
  static let editor = CallerIdentity(uid: 1002, gid: 1002, userName: "night-editor", role: .editor)
}

extension StoreUnderTest {
  /// Runs `body` with a fresh store and a ``Ledger`` on it, then cleans the store up, also when `body`
  /// throws.
  func withLedger(_ body: (_ ledger: Ledger, _ store: any LedgerStore) async throws -> Void) async throws {
    let (store, cleanup) = try await make()
    do {
      try await body(Ledger(store: store, configuration: LedgerConfiguration(publisher: "Conformance Desk")), store)
    } catch {
      try? await cleanup()
      throw error
    }
    try await cleanup()
  }
}
