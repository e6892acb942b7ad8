/// The identity of the process at the other end of a Unix socket, from `SO_PEERCRED`.
public struct PeerCredentials: Hashable, Sendable, CustomStringConvertible {
  /// The peer's process id at connect time.
  public var pid: Int32
  /// The peer's effective user id.
  public var uid: UInt32
  /// The peer's effective group id.
  public var gid: UInt32

  public init(pid: Int32, uid: UInt32, gid: UInt32) {
    self.pid = pid
    self.uid = uid
    self.gid = gid
  }

  public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }
}

/// `struct ucred` from <sys/socket.h>, laid out the same way.
struct UCred {
  var pid: Int32 = 0
  var uid: UInt32 = 0
  var gid: UInt32 = 0
}
