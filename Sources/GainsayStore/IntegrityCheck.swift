import Foundation
public import GainsayCore
import GRDBSQLite
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// SQLite's `PRAGMA integrity_check` of a ledger database, on a read-only connection of its own, on a
/// thread of its own at the lowest CPU priority (nice 19), so the daemon serves calls meanwhile.
///
/// Two kinds:
/// - **per table** (the background check after an unclean stop): each table with its indexes in turn,
///   `PRAGMA integrity_check("table")`, so progress can be told; it leaves out what only the whole check
///   sees (pages in no table, or in two, and the free list);
/// - **full** (`CheckIntegrity`, `gainsayd --check`): one `PRAGMA integrity_check` of everything.
///
/// Each table is checked in a read transaction of its own (a snapshot): writes go on, and the WAL can be
/// checkpointed between tables. Cancelling the task interrupts the statement running
/// (`sqlite3_interrupt`).
public enum IntegrityCheck {
  /// The problems found (at most `limit`); empty when the database is sound. `tableChecked` runs after
  /// each table of a per-table check; `begin` first, with the number of tables (1 for a full check).
  public static func run(
    path: String, full: Bool, limit: Int = 10,
    begin: @escaping @Sendable (Int) -> Void = { _ in },
    tableChecked: @escaping @Sendable () -> Void = {}
  ) async throws -> [String] {
    let connection = Mutex<Connection?>(nil)
    let interrupted = Mutex(false)
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[String], any Error>) in
        let thread = Thread {
          // This thread only: on Linux a nice value is per thread (who 0 is the calling thread), and the
          // thread ends with the check.
          _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
          continuation.resume(
            with: Result {
              try check(
                path: path, full: full, limit: limit, begin: begin, tableChecked: tableChecked,
                opened: { db in
                  connection.withLock { $0 = Connection(db: db) }
                  if interrupted.withLock({ $0 }) { sqlite3_interrupt(db) }
                },
                closing: { connection.withLock { $0 = nil } })
            })
        }
        thread.name = "gainsay-integrity-check"
        thread.start()
      }
    } onCancel: {
      interrupted.withLock { $0 = true }
      // Interrupting from another thread is what sqlite3_interrupt is for; the connection stays open
      // until the checking thread has cleared it under the same lock.
      connection.withLock { if let db = $0?.db { sqlite3_interrupt(db) } }
    }
  }

  /// The connection, for the cancellation handler.
  private struct Connection: @unchecked Sendable {
    let db: OpaquePointer
  }

  private static func check(
    path: String, full: Bool, limit: Int,
    begin: @Sendable (Int) -> Void, tableChecked: @Sendable () -> Void,
    opened: (OpaquePointer) -> Void, closing: () -> Void
  ) throws -> [String] {
    var db: OpaquePointer?
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nil) == SQLITE_OK, let db else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close(db)
      throw LedgerError(.unavailable, "cannot open \(path) to check it: \(message)")
    }
    opened(db)
    defer {
      closing()
      sqlite3_close(db)
    }
    if full {
      begin(1)
      let problems = try rows(db, "PRAGMA integrity_check(\(limit))", path: path)
      tableChecked()
      return problems == ["ok"] ? [] : problems
    }
    let tables = try rows(
      db,
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
      path: path)
    begin(tables.count)
    var problems: [String] = []
    for table in tables {
      let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
      let found = try rows(db, "PRAGMA integrity_check(\(quoted))", path: path)
      if found != ["ok"] { problems += found.map { "\(table): \($0)" } }
      tableChecked()
      if problems.count >= limit { break }
    }
    return Array(problems.prefix(limit))
  }

  /// The first column of every row of `sql`, split into lines.
  private static func rows(_ db: OpaquePointer, _ sql: String, path: String) throws -> [String] {
    var statement: OpaquePointer?
    defer { sqlite3_finalize(statement) }
    var result: [String] = []
    var code = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
    while code == SQLITE_OK || code == SQLITE_ROW {
      code = sqlite3_step(statement)
      if code == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) {
        result += String(cString: text).split(whereSeparator: \.isNewline).map {
          $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty && !$0.hasPrefix("*** in database") }
      }
    }
    if code == SQLITE_INTERRUPT { throw CancellationError() }
    guard code == SQLITE_DONE else {
      // SQLITE_CORRUPT and the like are findings, not failures of the check.
      let message = String(cString: sqlite3_errmsg(db))
      switch code & 0xff {
      case SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_IOERR: return result + [message]
      default: throw LedgerError(.unavailable, "cannot check \(path): \(message)")
      }
    }
    return result
  }
}
