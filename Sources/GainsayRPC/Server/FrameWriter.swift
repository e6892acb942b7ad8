import GainsayProto
import NIOCore

/// Writes the server's frames to one connection. Safe to use from every call's task at once;
/// writes wait while the client is not reading (back-pressure).
struct FrameWriter: Sendable {
  let outbound: NIOAsyncChannelOutboundWriter<OutboundFrame>
  let allocator: ByteBufferAllocator

  func message(_ payload: ByteBuffer, streamID: UInt32, isLast: Bool) async throws {
    let frame = Frame(streamID: streamID, type: .message, flags: isLast ? .endOfStream : [], payload: payload)
    try await outbound.write(.frame(frame))
  }

  func status(_ status: RpcStatus, streamID: UInt32) async throws {
    var payload = allocator.buffer(capacity: 32)
    payload.writeProtoMessage(status)
    try await outbound.write(.frame(Frame(streamID: streamID, type: .status, payload: payload)))
  }

  func goAway(_ error: RPCError) async throws {
    try await outbound.write(.goAway(error, allocator: allocator))
  }
}
