import Foundation
import GRDB
public import GainsayCore
import GainsayProto
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

  /// Opens (creating if needed) the database at `path` and migrates it to the current schema, telling
  /// `progress` how a long migration is getting on.
  ///
  /// Throws UNAVAILABLE-style errors with a clear message when the file is not a database, is corrupt
  /// or cannot be written.
  ///
  /// The whole file is checked (`PRAGMA integrity_check`, which reads every page and compares every
  /// index with its table) unless ``close()`` sealed
  /// it at the last shutdown and it has not changed since: a clean restart of a large ledger stays fast,
  /// and after a crash, or any change made while the daemon was down, the check runs.
  public init(
    path: String, rankedMatchLimit: Int = 1_500, commonRankedMatchLimit: Int = 300, commonPhraseShare: Double = 0.01,
    progress: @escaping @Sendable (String) -> Void = { _ in }
  ) throws {
    self.path = path
    self.rankedMatchLimit = max(1, rankedMatchLimit)
    self.commonRankedMatchLimit = max(1, commonRankedMatchLimit)
    self.commonPhraseShare = commonPhraseShare
    let sealed = CloseSeal.matches(databasePath: path)
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
      if !sealed {
        try pool.read { db in try Self.checkIntegrity(db, path: path) }
      }
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

  /// Refuses a damaged database before anything is served from it.
  ///
  /// `PRAGMA integrity_check`, not `quick_check`: only the full check compares every index with its
  /// table, and an index out of step with its table makes queries return wrong rows (see
  /// docs/RELIABILITY.md for its cost at startup). The problems become one line.
  static func checkIntegrity(_ db: Database, path: String) throws {
    let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check(10)")
      .flatMap { $0.split(whereSeparator: \.isNewline) }
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty && !$0.hasPrefix("*** in database") }
    guard problems != ["ok"] else { return }
    let shown = problems.prefix(3).joined(separator: "; ")
    throw LedgerError(
      .internal,
      "the ledger database \(path) is damaged (PRAGMA integrity_check: \(shown)\(problems.count > 3 ? "; …" : "")); "
        + "refusing to serve it: restore the latest backup (docs/OPERATIONS.md)")
  }

  /// A write, committed with those arriving meanwhile (``GroupCommitter``): when the calling task is
  /// cancelled, the write is not started, or is interrupted, and throws `CancellationError`.
  func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
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
