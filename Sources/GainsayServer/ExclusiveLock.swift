import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive `flock` on a file, held for the life of the process (the kernel drops it when the
/// process dies, so a crashed daemon never leaves a stale lock). The file holds the owner's pid.
final class ExclusiveLock: Sendable {
  private let descriptor: Int32

  /// Takes the lock, or throws naming the process that holds it.
  init(path: String, purpose: String) throws {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw ConfigurationError("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
    }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      var buffer = [UInt8](repeating: 0, count: 32)
      let count = pread(fd, &buffer, buffer.count, 0)
      let holder =
        count > 0
        ? String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
      close(fd)
      throw ConfigurationError("another gainsayd (pid \(holder)) is already using \(purpose); leaving it alone")
    }
    let pid = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = pwrite(fd, pid, pid.count, 0)
    descriptor = fd
  }

  deinit {
    close(descriptor)
  }
}
