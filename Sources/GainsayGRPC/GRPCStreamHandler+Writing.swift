import GainsayProto
import GainsayRPC
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// What a call writes on its stream: the response head once, messages, and the end (trailers, or a
/// trailers-only response), then RST_STREAM NO_ERROR if the client is still sending.
extension GRPCStreamHandler {
  /// Sends one response message (prefix included); with `isLast`, the OK trailers after it.
  @discardableResult
  func send(_ message: ByteBuffer, isLast: Bool) -> EventLoopFuture<Void> {
    guard let context, !ended else {
      return (self.context?.eventLoop ?? connection.channel.eventLoop).makeFailedFuture(CancellationError())
    }
    if !responseHeadSent {
      responseHeadSent = true
      context.write(wrapOutboundOut(.headers(.init(headers: GRPCStatus.responseHead))), promise: nil)
    }
    let written = context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(message)))))
    if isLast {
      ended = true
      timer?.cancel()
      context.write(
        wrapOutboundOut(.headers(.init(headers: GRPCStatus.trailers(RpcStatus(), trailersOnly: false), endStream: true))),
        promise: nil)
    }
    context.flush()
    if isLast { resetIfClientStillSending() }
    return written
  }

  /// Ends the call with `status`.
  @discardableResult
  func end(_ status: RpcStatus) -> EventLoopFuture<Void> {
    guard let context, !ended else {
      return (self.context?.eventLoop ?? connection.channel.eventLoop).makeFailedFuture(CancellationError())
    }
    ended = true
    timer?.cancel()
    let trailers = GRPCStatus.trailers(status, trailersOnly: !responseHeadSent)
    responseHeadSent = true
    let written = context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: trailers, endStream: true))))
    resetIfClientStillSending()
    return written
  }

  /// Sends serialized message bytes (the prefix added).
  func sendBytes(_ bytes: [UInt8], isLast: Bool) {
    guard let context else { return }
    var message = context.channel.allocator.buffer(capacity: bytes.count + 5)
    message.writeInteger(UInt8(0))
    message.writeInteger(UInt32(bytes.count))
    message.writeBytes(bytes)
    send(message, isLast: isLast)
  }

  /// Ends the call with `error`, before or instead of running it.
  func fail(_ error: RPCError) {
    phase = .running
    end(error.status)
    logEnd(code: error.code)
  }

  /// Answers a request that is not gRPC with a bare HTTP status.
  func answerHTTP(status: String) {
    guard let context, !ended else { return }
    ended = true
    let headers: HPACKHeaders = [":status": status]
    context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: nil)
    resetIfClientStillSending()
  }

  /// A client still sending after the call's end is told to stop: RST_STREAM with NO_ERROR right behind
  /// the end (RFC 9113 section 8.1), so it keeps the status it was sent.
  func resetIfClientStillSending() {
    guard !clientEnded, let context else { return }
    context.writeAndFlush(wrapOutboundOut(.rstStream(.noError)), promise: nil)
  }

  func logEnd(code: RPCStatusCode) {
    logger.debug("call ended", metadata: ["code": "\(code)", "duration": "\(ContinuousClock.now - receivedAt)"])
  }
}
