import Foundation

/// Where the daemon listens, and the checks made before it does.
enum DaemonPaths {
  /// `$XDG_RUNTIME_DIR/gainsay/gainsayd.sock`, or `/tmp/gainsay-$UID/gainsayd.sock` without it.
  static var defaultSocketPath: String {
    if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
      return runtime + "/gainsay/gainsayd.sock"
    }
    return "/tmp/gainsay-\(getuid())/gainsayd.sock"
  }

  struct StartupError: Error, CustomStringConvertible {
    let description: String
  }

  /// Makes sure the socket's directory exists and is private, and that no live daemon owns the
  /// socket. Returns the path to bind; a stale socket from a crashed daemon is replaced on bind.
  static func prepareSocket(_ path: String) throws -> String {
    guard path.utf8.count < 108 else {
      throw StartupError(description: "socket path is \(path.utf8.count) bytes; Linux allows at most 107: \(path)")
    }
    let directory = (path as NSString).deletingLastPathComponent
    var isDirectory: ObjCBool = false
    if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } else if !isDirectory.boolValue {
      throw StartupError(description: "\(directory) is not a directory")
    }
    if socketAcceptsConnections(path) {
      throw StartupError(description: "another gainsayd is already listening on \(path); leaving it alone")
    }
    return path
  }

  /// Whether something accepts connections on the socket at `path` right now.
  private static func socketAcceptsConnections(_ path: String) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      let bytes = Array(path.utf8)
      buffer.copyBytes(from: bytes)
      buffer[bytes.count] = 0
    }
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    return result == 0
  }
}
