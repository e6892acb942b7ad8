import Foundation
import GainsayRPC

/// Where the daemon listens, and the checks made before it does.
enum DaemonPaths {
  struct StartupError: Error, CustomStringConvertible {
    let description: String
  }

  /// Makes sure the socket's directory exists and is private, and that no live daemon owns the
  /// socket. Returns the path to bind; a stale socket from a crashed daemon is replaced on bind.
  static func prepareSocket(_ path: String) async throws -> String {
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
    if let client = try? await RPCClient.connect(socketPath: path) {
      await client.close()
      throw StartupError(description: "another gainsayd is already listening on \(path); leaving it alone")
    }
    return path
  }
}
