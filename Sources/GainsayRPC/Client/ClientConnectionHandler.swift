import GainsayProto
import NIOCore

/// Routes the server's frames to the calls waiting for them, on the event loop.
final class ClientConnectionHandler: ChannelInboundHandler, Sendable {
  typealias InboundIn = FrameDecoder.Event

  private let calls: ClientCalls

  init(calls: ClientCalls) {
    self.calls = calls
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .preface(let version):
      if version != ConnectionPreface.currentVersion {
        calls.failAll(
          RPCError(
            code: .failedPrecondition,
            message:
              "the server speaks protocol version \(version); this client speaks \(ConnectionPreface.currentVersion)",
            reason: "UNSUPPORTED_PROTOCOL_VERSION"))
        context.close(promise: nil)
      }
    case .protocolViolation(let reason):
      calls.failAll(RPCError(code: .unavailable, message: "not a Gainsay server: \(reason)", reason: "BAD_PREFACE"))
      context.close(promise: nil)
    case .oversizedFrame(let header):
      let error = RPCError(
        code: .resourceExhausted,
        message: "the server sent a frame of \(header.length) bytes, over this client's limit",
        reason: "FRAME_TOO_LARGE")
      if header.streamID == 0 {
        calls.failAll(error)
        context.close(promise: nil)
      } else if calls.fail(header.streamID, error) {
        // Stop the server sending the rest of that call.
        let cancel = Frame(
          streamID: header.streamID, type: .cancel, payload: context.channel.allocator.buffer(capacity: 0))
        context.writeAndFlush(NIOAny(OutboundFrame.frame(cancel)), promise: nil)
      }
    case .frame(let frame):
      switch frame.type {
      case .message:
        calls.message(frame.streamID, payload: frame.payload, isLast: frame.flags.contains(.endOfStream))
      case .status:
        calls.status(frame.streamID, Self.error(from: frame.payload))
      case .goAway:
        let error =
          Self.error(from: frame.payload)
          ?? RPCError(code: .unavailable, message: "the server closed the connection", reason: "GOAWAY")
        calls.failAll(error)
      default:
        break  // Unknown frame types from a newer server are ignored.
      }
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    calls.failAll(
      RPCError(code: .unavailable, message: "the connection to the server closed", reason: "CONNECTION_CLOSED"))
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    calls.failAll(RPCError(code: .unavailable, message: "connection error: \(error)", reason: "CONNECTION_ERROR"))
    context.close(promise: nil)
  }

  /// The error a STATUS or GOAWAY payload carries; nil for OK.
  private static func error(from payload: ByteBuffer) -> RPCError? {
    guard let status = try? payload.decodeProtoMessage(as: RpcStatus.self) else {
      return RPCError(code: .internal, message: "the server sent a malformed status", reason: "MALFORMED_STATUS")
    }
    return status.code == 0 ? nil : RPCError(status: status)
  }
}
