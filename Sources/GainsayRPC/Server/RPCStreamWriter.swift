public import GainsayProto

/// Sends the messages of a server-streaming call to the client, in order.
///
/// `write` waits while the client is slow to read, so a handler never buffers unboundedly.
public struct RPCStreamWriter<Message: ProtoMessage>: Sendable {
  private let send: @Sendable (Message) async throws -> Void

  init(send: @escaping @Sendable (Message) async throws -> Void) {
    self.send = send
  }

  /// Sends one message. Throws when the call has ended (cancelled, deadline, connection gone).
  public func write(_ message: Message) async throws {
    try await send(message)
  }
}
