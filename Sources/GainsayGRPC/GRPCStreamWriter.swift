import GainsayProto
import GainsayRPC
import NIOCore
import NIOHTTP2

/// Writes a running call's responses and its end onto its HTTP/2 stream, as gRPC messages (a 5-byte
/// prefix: uncompressed, then the length) and trailers. Each write waits for room in the connection's
/// ``ResponseBudget`` and its socket, then until HTTP/2 flow control has let it through, so a call never
/// buffers more than one response, and a connection no more than its budget, however slowly the client
/// reads.
struct GRPCStreamWriter: CallWriter {
  let allocator: ByteBufferAllocator
  let maximumMessageSize: Int
  let stream: NIOLoopBound<GRPCStreamHandler>
  let eventLoop: any EventLoop
  let room: ConnectionRoom
  let budget: ResponseBudget

  func message(
    streamID: UInt32, isLast: Bool, encode: (inout ByteBuffer) throws -> Void, beforeSending: () throws -> Void
  ) async throws {
    var buffer = allocator.buffer(capacity: 256)
    buffer.writeInteger(UInt8(0))
    buffer.writeInteger(UInt32(0))
    try encode(&buffer)
    let size = buffer.readableBytes - 5
    guard size <= maximumMessageSize else {
      throw RPCError(
        code: .resourceExhausted,
        message: "a response of \(size) bytes exceeds the message limit of \(maximumMessageSize) bytes",
        reason: "RESPONSE_TOO_LARGE")
    }
    buffer.setInteger(UInt32(size), at: buffer.readerIndex + 1)
    try beforeSending()
    let reserved = buffer.readableBytes
    try await budget.reserve(reserved)
    let stream = self.stream
    let message = buffer
    let written: EventLoopFuture<Void>
    do {
      try await room.wait()
      written = eventLoop.flatSubmit { stream.value.send(message, isLast: isLast) }
    } catch {
      budget.release(reserved)
      throw error
    }
    // Counted until HTTP/2 flow control has let the message through (or the stream has gone).
    written.whenComplete { [budget] _ in budget.release(reserved) }
    try await written.get()
  }

  func status(_ status: RpcStatus, streamID: UInt32) async throws {
    let stream = self.stream
    try await eventLoop.flatSubmit { stream.value.end(status) }.get()
  }
}
