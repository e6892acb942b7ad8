import GainsayProto
import NIOCore

extension OutboundFrame {
  /// A GOAWAY frame carrying `error`: the server is closing the connection, and why.
  static func goAway(_ error: RPCError, allocator: ByteBufferAllocator) -> OutboundFrame {
    var payload = allocator.buffer(capacity: 64)
    payload.writeProtoMessage(error.status)
    return .frame(Frame(streamID: 0, type: .goAway, payload: payload))
  }
}

extension Channel {
  /// Sends GOAWAY with `error`, then closes the connection once it is written.
  func goAwayAndClose(_ error: RPCError) {
    writeAndFlush(OutboundFrame.goAway(error, allocator: allocator)).whenComplete { [self] _ in
      close(promise: nil)
    }
  }
}
