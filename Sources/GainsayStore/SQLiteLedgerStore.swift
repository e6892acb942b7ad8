import Foundation
import GRDB
public import GainsayCore
public import GainsayProto
import Synchronization

/// The ledger in one SQLite database (GRDB): WAL journal, `synchronous=FULL`, so a method returns only
/// once its transaction is durable. Concurrent writes are group-committed (see ``GroupCommitter``).
public final class SQLiteLedgerStore: LedgerStore {
  let pool: DatabasePool
  /// Every write goes through it: concurrent writes share one durable commit.
  let committer: GroupCommitter
  /// The database file.
  public let path: String
  /// The most matches a search ranks by bm25: a query matching more ranks only its most recent matches,
  /// so a search of a very common word costs the same in a ledger of any size.
  public let rankedMatchLimit: Int
  /// The most matches ranked when every phrase of the query is common: held by at least
  /// `commonPhraseShare` of all entries.
  public let commonRankedMatchLimit: Int
  public let commonPhraseShare: Double
  /// The database's integrity: sealed at a clean stop, else due for ``checkIntegrityInBackground(log:)``;
  /// damage found refuses every write.
  public let integrity: LedgerIntegrity
  /// At most one check at a time.
  private let checking = Mutex(false)

  /// Opens (creating if needed) the database at `path` and migrates it to the current schema, telling
  /// `progress` how a long migration is getting on.
  ///
  /// Throws UNAVAILABLE-style errors with a clear message when the file is not a database, is corrupt
  /// or cannot be written.
  ///
  /// Nothing is checked here, so a daemon serves at once at any size: unless ``close()`` sealed the file
  /// at the last shutdown and it has not changed since, ``integrityCheckDue`` is true and the daemon runs
  /// ``checkIntegrityInBackground(log:)`` while it serves.
  public init(
    path: String, rankedMatchLimit: Int = 1_500, commonRankedMatchLimit: Int = 300, commonPhraseShare: Double = 0.01,
    progress: @escaping @Sendable (String) -> Void = { _ in }
  ) throws {
    self.path = path
    self.rankedMatchLimit = max(1, rankedMatchLimit)
    self.commonRankedMatchLimit = max(1, commonRankedMatchLimit)
    self.commonPhraseShare = commonPhraseShare
    let sealed = CloseSeal.matches(databasePath: path)
    integrity = LedgerIntegrity(sealed: sealed)
    // From now on the file changes: only the next clean close may seal it again.
    try CloseSeal.remove(databasePath: path)
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.busyMode = .timeout(10)
    configuration.label = "gainsay"
    configuration.prepareDatabase { db in try SearchExtensions.register(db) }
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
      committer = try GroupCommitter(pool: pool)
      try pool.writeWithoutTransaction { db in
        // GRDB turns the writer's `synchronous` down to NORMAL when it sets up WAL mode, after
        // `prepareDatabase`: NORMAL does not sync the WAL at each commit, so an acknowledged write could
        // be lost with the machine (not with the process). Every commit must be on disk: FULL.
        try db.execute(sql: "PRAGMA synchronous = FULL")
        // The writer touches the indexes of every table: a larger page cache than SQLite's 2 MiB
        // default saves re-reading them on every commit. Readers keep the default.
        try db.execute(sql: "PRAGMA cache_size = -32768")
      }
      try Schema.migrator(progress: progress).migrate(pool)
    } catch let error as DatabaseError {
      throw LedgerError(.unavailable, "cannot open the ledger database \(path): \(error.message ?? "\(error)")")
    }
  }

  /// Closes the database (checkpointing its WAL) and seals the file, so the next start can skip the
  /// full check. Nothing may use the store afterwards.
  public func close() throws {
    do {
      // Everything into the database file, the WAL emptied: the file alone is the ledger.
      _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
      try pool.close()
    } catch let error as DatabaseError {
      throw LedgerError(.internal, "cannot close the ledger database \(path): \(error.message ?? "\(error)")")
    }
    try CloseSeal.write(databasePath: path)
  }

  /// Whether the file was not sealed at the last stop (a crash, or a change while the daemon was down).
  public var integrityCheckDue: Bool { integrity.report.state == .checking }

  public var integrityReport: IntegrityReport? { integrity.report }

  /// The check after an unclean stop: each table with its indexes, at the lowest CPU priority, while the
  /// daemon serves; `log` hears its start, its progress (every 10 s) and its outcome.
  public func checkIntegrityInBackground(log: @escaping @Sendable (_ damaged: Bool, _ message: String) -> Void) async {
    do {
      let clock = ContinuousClock()
      let started = clock.now
      let lastLog = Mutex(started)
      let integrity = self.integrity
      let report = try await runCheck(full: false) { tables in
        log(false, "checking the ledger database after an unclean stop: \(tables) tables, in the background; calls are served meanwhile")
      } tableChecked: {
        let report = integrity.report
        let due = lastLog.withLock { last in
          guard clock.now - last >= .seconds(10) else { return false }
          last = clock.now
          return true
        }
        if due { log(false, "integrity check: \(report.tablesChecked) of \(report.tablesTotal) tables checked") }
      }
      let seconds = Double((clock.now - started).components.seconds)
        + Double((clock.now - started).components.attoseconds) / 1e18
      if report.state == .damaged {
        log(
          true,
          "the ledger database \(path) is DAMAGED (PRAGMA integrity_check: \(report.problems.prefix(3).joined(separator: "; "))): "
            + "writes are refused from now on, reads are still served; restore the latest backup (docs/OPERATIONS.md)")
      } else {
        log(false, "integrity check: the ledger database is sound (\(report.tablesTotal) tables in \(String(format: "%.1f", seconds)) s)")
      }
    } catch {
      log(false, "integrity check did not finish: \(error)")
    }
  }

  /// The full check, now: every table and index together, page accounting included.
  public func checkIntegrity() async throws -> IntegrityReport {
    try await runCheck(full: true)
  }

  private func runCheck(
    full: Bool, begin: @escaping @Sendable (Int) -> Void = { _ in }, tableChecked: @escaping @Sendable () -> Void = {}
  ) async throws -> IntegrityReport {
    let previous = integrity.report
    guard checking.withLock({ running in defer { running = true }; return !running }) else {
      throw LedgerError(
        .failedPrecondition,
        "an integrity check is running (\(previous.tablesChecked) of \(previous.tablesTotal) tables): see Health, and try again when it ends",
        reason: "CHECK_RUNNING")
    }
    defer { checking.withLock { $0 = false } }
    let integrity = self.integrity
    do {
      let problems = try await IntegrityCheck.run(
        path: path, full: full,
        begin: { tables in
          integrity.begin(tables: tables, full: full)
          begin(tables)
        },
        tableChecked: {
          integrity.tableChecked()
          tableChecked()
        })
      integrity.finish(problems: problems)
      return integrity.report
    } catch {
      integrity.abandon(previous: previous.state)
      throw error
    }
  }

  /// A write, committed with those arriving meanwhile (``GroupCommitter``): when the calling task is
  /// cancelled, the write is not started, or is interrupted, and throws `CancellationError`.
  func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    if let refusal = integrity.writeRefusal { throw refusal }
    do {
      return try await committer.write(body)
    } catch let error as DatabaseError {
      throw Self.storeError(error)
    }
  }

  func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try await Self.read(pool, body)
  }

  /// A read on `reader` (the pool, or a report's snapshot), its database errors as ``LedgerError``s.
  ///
  /// When the calling task is cancelled (the server cancels a call at its deadline, and when its client
  /// cancels or goes away), GRDB interrupts the statement running (`sqlite3_interrupt`) and refuses
  /// the next ones: the read throws `CancellationError` and its connection is free for the next.
  static func read<T: Sendable>(
    _ reader: some DatabaseReader, _ body: @escaping @Sendable (Database) throws -> T
  ) async throws -> T {
    do {
      return try await reader.read(body)
    } catch let error as DatabaseError {
      throw storeError(error)
    }
  }

  /// A database error as the store reports it: a statement interrupted because its task was cancelled
  /// as `CancellationError`, others as ``LedgerError``s.
  static func storeError(_ error: DatabaseError) -> any Error {
    error.resultCode == .SQLITE_INTERRUPT ? CancellationError() : ledgerError(error)
  }

  /// `?, ?, …` for `count` arguments of an `IN (…)` list.
  static func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
  }

  static func ledgerError(_ error: DatabaseError) -> LedgerError {
    switch error.resultCode {
    case .SQLITE_FULL:
      return LedgerError(.resourceExhausted, "the disk holding the ledger is full; nothing was written")
    case .SQLITE_CONSTRAINT:
      return LedgerError(.failedPrecondition, "the ledger refused the change: \(error.message ?? "constraint failed")")
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return LedgerError(.unavailable, "the ledger database is busy; try again")
    default:
      return LedgerError(.internal, "database error: \(error.message ?? "\(error)")")
    }
  }

  /// Words' match counts (up to ``rarityCountLimit``), remembered and kept up to date by the writes.
  let wordCounts = Mutex(WordCounts())
  /// Speakers' names by name key, for search (loaded again when a name changes).
  let speakerNames = SpeakerNameCache()
  /// Keeps audit times from going back.
  let auditClock = AuditClock()
}
