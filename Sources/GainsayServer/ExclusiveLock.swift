import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive `flock` on a file, held for the life of the process (the kernel drops it when the
/// process dies, so a crashed daemon never leaves a stale lock). The file holds the owner's pid.
///
/// The file is opened with `O_NOFOLLOW` (created with `O_EXCL` when new): a symbolic link planted in its
/// place is refused, never followed, so the daemon cannot be made to truncate another file. An existing
/// file must be a regular file owned by the daemon's user; the holder's pid is printed only when the
/// file holds a plain decimal number.
final class ExclusiveLock: Sendable {
  private let descriptor: Int32

  /// Takes the lock, or throws naming the process that holds it.
  init(path: String, purpose: String) throws {
    let fd = try Self.open(path)
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let code = errno
      close(fd)
      throw ConfigurationError("cannot inspect the lock file \(path): \(String(cString: strerror(code)))")
    }
    let owner = geteuid()
    guard info.st_mode & S_IFMT == S_IFREG, info.st_uid == owner else {
      close(fd)
      let kind = info.st_mode & S_IFMT == S_IFREG ? "a file" : "not a regular file"
      throw ConfigurationError(
        "the lock file \(path) is \(kind) owned by \(PrivateDirectory.userName(info.st_uid)) (uid \(info.st_uid)), not by this daemon's user (uid \(owner)); remove it and start again"
      )
    }
    if info.st_mode & 0o077 != 0 { _ = fchmod(fd, 0o600) }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      var buffer = [UInt8](repeating: 0, count: 32)
      let count = pread(fd, &buffer, buffer.count, 0)
      close(fd)
      let holder = Self.validatedPID(count > 0 ? Array(buffer.prefix(count)) : [])
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

  /// Opens the lock file without following a symbolic link: created new (`O_EXCL`), else the existing one.
  private static func open(_ path: String) throws -> Int32 {
    for _ in 0..<2 {
      let created = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      if created >= 0 { return created }
      guard errno == EEXIST else { break }
      let existing = Glibc.open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
      if existing >= 0 { return existing }
      // Removed in between: try creating it again.
      guard errno == ENOENT else { break }
    }
    let code = errno
    if code == ELOOP {
      throw ConfigurationError(
        "the lock file \(path) is a symbolic link; refusing to follow it: remove it and start again")
    }
    throw ConfigurationError("cannot open the lock file \(path): \(String(cString: strerror(code)))")
  }

  /// The holder's pid when `content` is a decimal number (and a newline), else "unknown": the file's
  /// content is never printed as it is (it could hold terminal escape sequences).
  static func validatedPID(_ content: [UInt8]) -> String {
    var digits = content[...]
    if digits.last == UInt8(ascii: "\n") { digits = digits.dropLast() }
    guard (1...10).contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }),
      let pid = Int32(String(decoding: digits, as: UTF8.self)), pid > 0
    else { return "unknown" }
    return String(pid)
  }
}
