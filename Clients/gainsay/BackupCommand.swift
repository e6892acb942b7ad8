import ArgumentParser
import CSQLite
import Foundation
import GainsayProto
import GainsayRPC
import Glibc

/// `gainsay backup PATH`: the daemon streams a consistent snapshot; the CLI writes it as the caller.
struct BackupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Save a consistent copy of the ledger to PATH while the daemon keeps serving (admin).",
    discussion: """
      The daemon sends a snapshot of its database over the socket; gainsay writes it to PATH as you, \
      as a new file only (mode 0600; an existing file or symlink at PATH is refused), and reports \
      success only after SQLite's integrity check of the written file passes. See docs/OPERATIONS.md \
      to restore.

      EXAMPLES:
        gainsay backup ~/backups/ledger-$(date +%F).sqlite
      """)
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "Where the copy goes: a new file.") var path: String

  func run() async throws {
    var options = connection
    options.timeout = max(connection.timeout, 3600)
    let file = try BackupFile(creating: path)
    var header = BackupHeader()
    do {
      try await options.run { session in
        for try await chunk in session.stream(LedgerService.backup, BackupRequest()) {
          switch chunk.part {
          case .header(let value)?: header = value
          case .data(let bytes)?: try file.append(bytes)
          case nil: break
          }
        }
      }
      try file.finish(expectedSize: header.sizeBytes)
    } catch {
      file.discard()
      throw error
    }
    if connection.json {
      var summary = BackupHeader()
      summary.sizeBytes = file.written
      summary.lastSequence = header.lastSequence
      return Output.json(summary)
    }
    Output.line("\(path)  \(file.written) bytes, audit log up to \(header.lastSequence), integrity check ok")
  }
}

/// The file a backup is written to: created new (never through a symlink, never over a file), mode 0600,
/// synced and checked with `PRAGMA integrity_check` before it counts; removed if anything fails.
final class BackupFile {
  let path: String
  private let descriptor: Int32
  private(set) var written: Int64 = 0
  private var isOpen = true

  init(creating path: String) throws {
    self.path = path
    descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      let hint = errno == EEXIST ? "; a backup never overwrites a file: choose a new path" : ""
      throw CLIError(
        code: errno == EEXIST ? .alreadyExists : .unavailable, message: "cannot create \(path): \(reason)\(hint)")
    }
  }

  func append(_ bytes: [UInt8]) throws {
    guard writeAll(descriptor, bytes) else {
      throw CLIError(code: .unavailable, message: "cannot write \(path): \(String(cString: strerror(errno)))")
    }
    written += Int64(bytes.count)
  }

  /// Syncs and closes the file, then checks it: every byte announced arrived and SQLite finds the
  /// database whole.
  func finish(expectedSize: Int64) throws {
    guard written == expectedSize, expectedSize > 0 else {
      throw CLIError(
        code: .dataLoss, message: "the backup stream ended after \(written) of \(expectedSize) bytes; \(path) removed")
    }
    guard fsync(descriptor) == 0 else {
      throw CLIError(code: .unavailable, message: "cannot sync \(path): \(String(cString: strerror(errno)))")
    }
    closeFile()
    let check = Self.integrityCheck(path)
    guard check == "ok" else {
      throw CLIError(
        code: .dataLoss, message: "the written backup fails SQLite's integrity check (\(check)); \(path) removed")
    }
  }

  /// Removes the partial file after a failure.
  func discard() {
    closeFile()
    unlink(path)
  }

  private func closeFile() {
    if isOpen { close(descriptor) }
    isOpen = false
  }

  /// `PRAGMA integrity_check` of the database file at `path`, opened read-only: "ok" or the problems.
  static func integrityCheck(_ path: String) -> String {
    var db: OpaquePointer?
    defer { sqlite3_close(db) }
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
      return "cannot open: " + String(cString: sqlite3_errmsg(db))
    }
    var statement: OpaquePointer?
    defer { sqlite3_finalize(statement) }
    guard sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nil) == SQLITE_OK else {
      return String(cString: sqlite3_errmsg(db))
    }
    var problems: [String] = []
    while sqlite3_step(statement) == SQLITE_ROW {
      if let text = sqlite3_column_text(statement, 0) { problems.append(String(cString: text)) }
    }
    return problems.isEmpty ? "no answer" : problems.prefix(3).joined(separator: "; ")
  }
}
