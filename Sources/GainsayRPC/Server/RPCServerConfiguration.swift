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
  /// The socket file's permission bits, given to it as it is created (by the umask around `bind(2)`,
  /// never by a `chmod` of the path).
  public var socketFileMode: UInt32 = 0o600
  /// How long the server may wait for a client to take its responses: when writes are waiting and none
  /// has completed for this long, the client is not reading; the connection is sent GOAWAY
  /// RESOURCE_EXHAUSTED `CLIENT_NOT_READING` (if it fits in the socket) and closed, and its calls are
  /// cancelled.
  public var writeTimeout: Duration = .seconds(30)
  /// How long a graceful shutdown lets running calls finish before it ends them with UNAVAILABLE
  /// `DRAINING` (PROTOCOL.md section 9.1).
  public var shutdownGracePeriod: Duration = .seconds(10)
  /// The most response bytes one connection may have waiting to be written (encoded frames handed to
  /// the socket but not yet taken by the client, and frames being encoded). Calls wait for room rather
  /// than buffer more; a single frame is always let through when nothing is waiting.
  public var maximumPendingResponseBytesPerConnection: Int = 16 * 1024 * 1024
  /// Connection slots kept for privileged callers (see ``ConnectionClass/privileged``): once the server
  /// holds `maximumConnections - reservedPrivilegedConnections` connections, only they are admitted.
  /// Default: a tenth of ``maximumConnections``.
  public var reservedPrivilegedConnections: Int? = nil
  /// How many connections callers without a role may hold at once, in all.
  public var maximumConnectionsWithoutRole: Int = 64
  /// How long a caller without a role has to send its one request before its connection is closed
  /// with GOAWAY PERMISSION_DENIED `NO_ROLE`.
  public var noRoleRequestTimeout: Duration = .seconds(2)
  /// Replace a socket file left at `socketPath`. Only safe when the caller knows no server is
  /// using it (the daemon holds a lock file for that).
  public var replaceExistingSocketFile: Bool = false

  /// The slots kept for privileged callers, as configured or a tenth of ``maximumConnections``.
  public var effectiveReservedPrivilegedConnections: Int {
    min(max(reservedPrivilegedConnections ?? maximumConnections / 10, 0), maximumConnections)
  }

  public init(socketPath: String) {
    self.socketPath = socketPath
  }
}
