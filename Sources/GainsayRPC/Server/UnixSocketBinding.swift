import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Creates the server's listening Unix socket with its final mode, without ever changing a mode by path.
///
/// `bind(2)` creates the socket file with mode `0777 & ~umask`, and a `chmod` of the path afterwards
/// would follow whatever is at that path by then (in a folder someone else can write to: a symlink to
/// the daemon user's `~/.bashrc`). So the mode is set by the umask, for the duration of the `bind(2)`
/// call only, and nothing is ever changed by path.
///
/// umask is process-wide: the change is serialised by a process-wide lock (concurrent servers in one
/// process, e.g. tests, never see each other's value) and lasts one system call. A file created by
/// another thread in that instant would get the socket's umask: `gainsayd` opens its store and lock files
/// before the server starts, so it creates nothing then; the daemon also runs with umask 077 throughout.
package enum UnixSocketBinding {
  private static let umaskLock = Mutex(())

  /// A bound (not yet listening) stream socket at `path` whose file has exactly `mode` (e.g. 0600, 0666).
  ///
  /// With `replaceExistingSocket`, a socket file already at `path` is removed first (the caller knows no
  /// server uses it); anything else there (a symlink, a regular file, a folder) is refused.
  package static func bind(path: String, mode: UInt32, replaceExistingSocket: Bool) throws -> Int32 {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else {
      throw RPCError(
        code: .invalidArgument,
        message: "the socket path \(path) is \(bytes.count) bytes; it must be 1 to \(capacity - 1) bytes without NUL")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      buffer.copyBytes(from: bytes)
      buffer[bytes.count] = 0
    }
    if replaceExistingSocket { try removeStaleSocket(at: path) }

    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw failure("cannot create a Unix socket", errno) }
    let bindError: Int32 = umaskLock.withLock { _ in
      // The bits the socket must not have; restored right after the one call that creates the file.
      let previous = umask(mode_t(~mode & 0o777))
      defer { umask(previous) }
      let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      }
      return result == 0 ? 0 : errno
    }
    guard bindError == 0 else {
      close(descriptor)
      throw failure("cannot listen on \(path)", bindError)
    }
    return descriptor
  }

  /// Removes a socket file left by a dead server; refuses anything else at the path.
  private static func removeStaleSocket(at path: String) throws {
    var info = stat()
    guard lstat(path, &info) == 0 else {
      if errno == ENOENT { return }
      throw failure("cannot inspect \(path)", errno)
    }
    guard info.st_mode & S_IFMT == S_IFSOCK else {
      throw RPCError(
        code: .failedPrecondition,
        message: "\(path) exists and is not a socket (it may be a symbolic link); remove it and start again",
        reason: "SOCKET_PATH_TAKEN")
    }
    guard unlink(path) == 0 || errno == ENOENT else { throw failure("cannot remove the stale socket \(path)", errno) }
  }

  private static func failure(_ what: String, _ code: Int32) -> RPCError {
    RPCError(code: .unavailable, message: "\(what): \(String(cString: strerror(code)))")
  }
}
