import Foundation
import GainsayRPC
import Glibc

/// Writes what the CLI saves for the caller (`export --output`, `report --output`): a file only the
/// caller can read, mode 0600, that appears whole or not at all.
///
/// The bytes go to a new temporary file in the destination's folder, created with
/// `O_CREAT | O_EXCL | O_NOFOLLOW` and mode 0600 (so nothing already there, a symlink included, can
/// receive them), synced, then renamed over the destination. rename(2) replaces a symlink at the
/// destination instead of following it, so the write never lands anywhere but at the path given.
enum PrivateFile {
  /// Writes `bytes` to `path` as described above; on failure nothing is left behind.
  static func write(_ bytes: [UInt8], to path: String) throws {
    var info = stat()
    if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
      throw CLIError(code: .invalidArgument, message: "\(path) is a folder: give a file name in it, e.g. \(path)/out")
    }
    let (descriptor, temporary) = try createTemporary(beside: path)
    var isOpen = true
    do {
      guard fchmod(descriptor, 0o600) == 0 else { throw failure("cannot set the mode of", temporary) }
      guard writeAll(descriptor, bytes) else { throw failure("cannot write", path) }
      guard fsync(descriptor) == 0 else { throw failure("cannot sync", path) }
      close(descriptor)
      isOpen = false
      guard rename(temporary, path) == 0 else { throw failure("cannot write", path) }
    } catch {
      if isOpen { close(descriptor) }
      unlink(temporary)
      throw error
    }
    syncFolder(of: path)
  }

  /// A new file beside `path`: `.NAME.gainsay-tmp`, or when that name is taken (by anything, a symlink
  /// too) `.NAME.gainsay-tmp-RANDOM`.
  private static func createTemporary(beside path: String) throws -> (Int32, String) {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    let base = folder + "/." + url.lastPathComponent + ".gainsay-tmp"
    for attempt in 0..<16 {
      let name = attempt == 0 ? base : base + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
      let descriptor = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      if descriptor >= 0 { return (descriptor, name) }
      guard errno == EEXIST else { throw failure("cannot create a file in", folder) }
    }
    throw CLIError(code: .unavailable, message: "cannot create a temporary file beside \(path)")
  }

  /// Makes the rename durable (best effort: a folder that cannot be opened is left as it is).
  private static func syncFolder(of path: String) {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }

  private static func failure(_ what: String, _ path: String) -> CLIError {
    CLIError(code: .unavailable, message: "\(what) \(path): \(String(cString: strerror(errno)))")
  }
}

/// Writes all of `bytes` to `descriptor`, retrying short and interrupted writes; false (with `errno` set)
/// if a write fails.
func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
  var offset = 0
  while offset < bytes.count {
    let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
    if count < 0 {
      if errno == EINTR { continue }
      return false
    }
    offset += count
  }
  return true
}
