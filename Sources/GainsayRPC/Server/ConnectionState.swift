import Synchronization

/// What one connection's async side (``ServerConnection``) and its event-loop side
/// (``InlineCallHandler``) both need to know: the calls running, and whether it is draining.
final class ConnectionState: Sendable {
  struct Values {
    var calls: [UInt32: ServerCall] = [:]
    var draining = false
    var closing = false
    /// The server's preface is written: frames may follow.
    var prefaceSent = false
    /// A caller without a role has sent its one request (or its time to send it ran out).
    var withoutRoleRequestTaken = false
  }

  private let values = Mutex(Values())

  func withLock<Result: Sendable>(_ body: (inout sending Values) throws -> sending Result) rethrows -> sending Result {
    try values.withLock(body)
  }
}
