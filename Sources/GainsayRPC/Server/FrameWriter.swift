package import GainsayProto
package import NIOCore

/// Where a running call's responses and its end go: a connection of our framing (``FrameWriter``) or a
/// gRPC stream. ``ServerCall`` writes through it, so both protocols share deadlines, cancellation,
/// draining and error mapping.
package protocol CallWriter: Sendable {
  var allocator: ByteBufferAllocator { get }
  /// Encodes one response with `encode` and sends it; `beforeSending` runs once it is encoded and fits
  /// the frame limit, and if it throws nothing is sent.
  func message(
    streamID: UInt32, isLast: Bool, encode: (inout ByteBuffer) throws -> Void, beforeSending: () throws -> Void
  ) async throws
  /// Ends the call with `status` (code 0 ends a stream successfully).
  func status(_ status: RpcStatus, streamID: UInt32) async throws
}

/// Writes the server's frames to one connection. Safe to use from every call's task at once.
///
/// Every frame goes through the connection's ``OutboundFlow``: a call waits for room when the
/// connection already holds its maximum of unwritten response bytes, and fails when the connection is
/// closed (for instance because the client stopped reading).
struct FrameWriter: CallWriter {
  let flow: OutboundFlow
  let allocator: ByteBufferAllocator
  let maximumFrameSize: Int

  /// Encodes one response message with `encode` and writes it as a MESSAGE frame. Room for a whole
  /// frame is held while it is encoded, then only its real size until the socket takes it.
  /// `beforeSending` runs once the message is encoded and fits a frame; if it throws, nothing is sent.
  func message(
    streamID: UInt32, isLast: Bool, encode: (inout ByteBuffer) throws -> Void,
    beforeSending: () throws -> Void = {}
  ) async throws {
    let placeholder = maximumFrameSize + FrameHeader.size
    try await flow.reserve(placeholder)
    var payload = allocator.buffer(capacity: 0)
    do {
      try encode(&payload)
      guard payload.readableBytes <= maximumFrameSize else {
        throw RPCError(
          code: .resourceExhausted,
          message:
            "a response of \(payload.readableBytes) bytes exceeds the frame limit of \(maximumFrameSize) bytes",
          reason: "RESPONSE_TOO_LARGE")
      }
      try beforeSending()
    } catch {
      flow.release(placeholder)
      throw error
    }
    let size = payload.readableBytes + FrameHeader.size
    flow.release(placeholder - size)
    let frame = Frame(streamID: streamID, type: .message, flags: isLast ? .endOfStream : [], payload: payload)
    flow.submit(.frame(frame), reserved: size)
  }

  func status(_ status: RpcStatus, streamID: UInt32) async throws {
    var payload = allocator.buffer(capacity: 32)
    payload.writeProtoMessage(status)
    let size = payload.readableBytes + FrameHeader.size
    try await flow.reserve(size)
    flow.submit(.frame(Frame(streamID: streamID, type: .status, payload: payload)), reserved: size)
  }

  /// Sends GOAWAY and waits until the socket has taken it (the connection closes next).
  func goAway(_ error: RPCError) async throws {
    try await flow.writeUnbudgeted(.goAway(error, allocator: allocator))
  }
}
