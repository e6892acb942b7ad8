import Foundation
import GainsayCore

#if canImport(Glibc)
  import Glibc
#endif

/// A record, beside the database, of exactly how a clean close left it (size, modification time,
/// inode). If the file still matches at the next start and has no WAL, nothing has touched it since
/// it was last known good, and the full integrity check can be skipped.
enum CloseSeal {
  static func sealPath(_ databasePath: String) -> String { databasePath + "-closed" }

  /// The identity of the file as it is now, or nil when it cannot be read.
  private static func fingerprint(_ path: String) -> String? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino)\n"
  }

  static func matches(databasePath: String) -> Bool {
    guard let sealed = try? String(contentsOfFile: sealPath(databasePath), encoding: .utf8),
      let current = fingerprint(databasePath), sealed == current
    else { return false }
    // A WAL with content means the file alone is not the database.
    var wal = stat()
    return stat(databasePath + "-wal", &wal) != 0 || wal.st_size == 0
  }

  static func remove(databasePath: String) throws {
    let path = sealPath(databasePath)
    guard unlink(path) == 0 || errno == ENOENT else {
      throw LedgerError(.unavailable, "cannot remove \(path): \(String(cString: strerror(errno)))")
    }
  }

  static func write(databasePath: String) throws {
    guard let current = fingerprint(databasePath) else { return }
    do {
      try current.write(toFile: sealPath(databasePath), atomically: true, encoding: .utf8)
    } catch {
      throw LedgerError(.internal, "cannot write \(sealPath(databasePath)): \(error.localizedDescription)")
    }
  }
}
