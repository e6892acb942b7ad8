public import Logging

/// What a handler knows about the call it serves.
public struct RPCContext: Sendable {
  /// `package.Service/Method`.
  public let method: String
  /// Who is calling, from the socket's peer credentials.
  public let peer: PeerCredentials
  /// When the client stops waiting, if it set a deadline.
  public let deadline: ContinuousClock.Instant?
  /// The call's metadata, as the client sent it.
  public let metadata: [String: String]
  /// A logger with the connection and request ids in its metadata.
  public let logger: Logger

  public init(
    method: String,
    peer: PeerCredentials,
    deadline: ContinuousClock.Instant?,
    metadata: [String: String],
    logger: Logger
  ) {
    self.method = method
    self.peer = peer
    self.deadline = deadline
    self.metadata = metadata
    self.logger = logger
  }
}
