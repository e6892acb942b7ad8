/// How an ``RPCServer`` listens and what it accepts.
public struct RPCServerConfiguration: Sendable {
  /// The Unix domain socket to listen on (at most 107 bytes on Linux).
  public var socketPath: String
  /// The largest frame payload accepted, in bytes. Larger requests get RESOURCE_EXHAUSTED.
  public var maximumFrameSize: Int = 4 * 1024 * 1024
  /// How many calls one connection may have running at once. More get RESOURCE_EXHAUSTED.
  public var maximumConcurrentCallsPerConnection: Int = 4096
  /// How many connections the server holds at once; more are refused with RESOURCE_EXHAUSTED.
  public var maximumConnections: Int = 1_000
  /// How many connections one Unix user may hold at once; more are refused with RESOURCE_EXHAUSTED.
  public var maximumConnectionsPerUser: Int = 256
  /// How long a client may take to send a whole frame (or its preface) once its first byte arrived.
  /// A connection that stalls mid-frame is sent GOAWAY (DEADLINE_EXCEEDED) and closed.
  public var frameCompletionTimeout: Duration = .seconds(30)
  /// The server program's version, as `Describe` reports it.
  public var serverVersion: String = "0.0.0"
  /// The socket file's permission bits, applied right after binding.
  public var socketFileMode: UInt32 = 0o600
  /// Replace a socket file left at `socketPath`. Only safe when the caller knows no server is
  /// using it (the daemon holds a lock file for that).
  public var replaceExistingSocketFile: Bool = false

  public init(socketPath: String) {
    self.socketPath = socketPath
  }
}
