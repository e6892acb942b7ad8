import Foundation
import GRDB
public import GainsayCore
import GainsayProto

#if canImport(Glibc)
  import Glibc
#endif

/// Backups and checks of the database file.
extension SQLiteLedgerStore {
  public func withBackupSnapshot<T: Sendable>(
    _ body: (_ file: BackupSnapshot) async throws -> T
  ) async throws -> T {
    // The copy lives beside the ledger, in the daemon's own private data folder (checked at startup:
    // owned by the daemon's user, no access for others), under a name no one else can have made.
    let directory = (path as NSString).deletingLastPathComponent
    let copyPath = directory + "/backup-" + ResourceID.make("tmp") + ".sqlite"
    defer { unlink(copyPath) }
    // VACUUM INTO reads one consistent snapshot (a read transaction in WAL mode) while writers go on, and
    // writes a compact, self-contained database file.
    do {
      try await pool.unsafeRead { db in
        try db.execute(sql: "VACUUM INTO ?", arguments: [copyPath])
      }
    } catch let error as DatabaseError {
      throw Self.ledgerError(error)
    }
    let lastSequence: Int64
    do {
      let copy = try DatabaseQueue(path: copyPath)
      defer { try? copy.close() }
      lastSequence = try await copy.read { db in
        let check = try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "?"
        guard check == "ok" else { throw LedgerError(.internal, "the backup failed its integrity check: \(check)") }
        return try Int64.fetchOne(db, sql: "SELECT ifnull(max(sequence), 0) FROM audit_event") ?? 0
      }
    } catch let error as DatabaseError {
      throw Self.ledgerError(error)
    }
    let descriptor = open(copyPath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw LedgerError(.internal, "cannot open the backup copy: \(String(cString: strerror(errno)))")
    }
    defer { Glibc.close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw LedgerError(.internal, "cannot read the backup copy: \(String(cString: strerror(errno)))")
    }
    return try await body(
      BackupSnapshot(descriptor: descriptor, size: Int64(status.st_size), lastSequence: lastSequence))
  }

  /// The writer connection's `PRAGMA synchronous` (2 is FULL: every commit synced to disk).
  func writerSynchronousMode() async throws -> Int {
    try await committer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
  }

  /// `PRAGMA integrity_check` of the live database: "ok" or SQLite's list of problems.
  public func integrityCheck() async throws -> String {
    try await read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "?" }
  }
}
