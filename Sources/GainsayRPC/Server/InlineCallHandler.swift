import GainsayProto
import Logging
import NIOCore

/// Serves inline methods (see ``RPCRouter/registerInline(_:handler:)``) on the connection's event loop,
/// and passes every other event on to the connection's task (``ServerConnection``).
///
/// An inline call is answered in the same event-loop turn that read its request, and replies read
/// together are flushed together: no task switch, no thread hop. It also writes the server's preface,
/// so nothing can be written before it.
final class InlineCallHandler: ChannelInboundHandler {
  typealias InboundIn = FrameDecoder.Event
  typealias InboundOut = ServerInbound
  typealias OutboundOut = OutboundFrame

  private let router: RPCRouter
  private let state: ConnectionState
  private let maximumFrameSize: Int
  private let access: RPCAccessControl
  private let peer: PeerCredentials
  private let connectionClass: ConnectionClass
  private let logger: Logger
  private let prefaceWritten: EventLoopPromise<Void>
  private var prefaceCompleted = false
  /// The client's preface named our protocol version: its calls may be served.
  private var clientPrefaceAccepted = false
  private var needsFlush = false

  init(
    router: RPCRouter, state: ConnectionState, maximumFrameSize: Int, prefaceWritten: EventLoopPromise<Void>,
    access: RPCAccessControl, peer: PeerCredentials, connectionClass: ConnectionClass, logger: Logger
  ) {
    self.logger = logger
    self.access = access
    self.peer = peer
    self.connectionClass = connectionClass
    self.router = router
    self.state = state
    self.maximumFrameSize = maximumFrameSize
    self.prefaceWritten = prefaceWritten
  }

  func channelActive(context: ChannelHandlerContext) {
    let promise = context.eventLoop.makePromise(of: Void.self)
    promise.futureResult.whenComplete { [state, prefaceWritten] result in
      if case .success = result { state.withLock { $0.prefaceSent = true } }
      prefaceWritten.completeWith(result)
    }
    prefaceCompleted = true
    context.writeAndFlush(wrapOutboundOut(.preface(version: ConnectionPreface.currentVersion)), promise: promise)
    context.fireChannelActive()
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    failPrefaceIfPending()
  }

  func channelInactive(context: ChannelHandlerContext) {
    failPrefaceIfPending()
    context.fireChannelInactive()
  }

  private func failPrefaceIfPending() {
    guard !prefaceCompleted else { return }
    prefaceCompleted = true
    prefaceWritten.fail(ChannelError.ioOnClosedChannel)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let event = unwrapInboundIn(data)
    switch event {
    case .preface(let version):
      clientPrefaceAccepted = version == ConnectionPreface.currentVersion
    case .frame(let frame) where frame.type == .request:
      // A call's deadline counts from here (PROTOCOL.md section 8).
      let receivedAt = ContinuousClock.now
      // Decoded once, here: the connection's task gets the envelope with the frame. Within a memory
      // limit: the envelope is decoded before the caller's rights are known.
      let envelope = Result {
        try frame.payload.decodeProtoMessage(
          as: RpcCall.self, memoryLimit: .forUntrustedInput(encodedSize: frame.payload.readableBytes))
      }
      if clientPrefaceAccepted, frame.streamID != 0, case .success(let call) = envelope,
        serveInline(frame, call, receivedAt: receivedAt, context: context)
      {
        return
      }
      context.fireChannelRead(wrapInboundOut(.request(frame, envelope, receivedAt: receivedAt)))
      return
    default:
      break
    }
    context.fireChannelRead(wrapInboundOut(.event(event)))
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    if needsFlush {
      needsFlush = false
      context.flush()
    }
    context.fireChannelReadComplete()
  }

  /// Answers the call if its method is inline and the connection may take it; false to pass it on.
  private func serveInline(
    _ frame: Frame, _ envelope: RpcCall, receivedAt: ContinuousClock.Instant, context: ChannelHandlerContext
  ) -> Bool {
    guard let inline = router.routes[envelope.method]?.inline else { return false }
    // A caller without a role is the connection task's to serve (and close); a reply that would queue
    // behind unread bytes must go through the connection's bounded writer; a refusal is its to send.
    guard connectionClass != .withoutRole, context.channel.isWritable,
      access.authorize(envelope.method, peer) == nil
    else { return false }
    // A duplicate stream id, or a draining connection, is the connection task's to answer.
    let free = state.withLock { !$0.draining && $0.calls[frame.streamID] == nil }
    guard free else { return false }

    let reply: Frame
    var code = RPCStatusCode.ok
    do {
      let response = try inline(ByteBuffer(bytes: envelope.payload), context.channel.allocator)
      guard response.readableBytes <= maximumFrameSize else {
        throw RPCError(
          code: .resourceExhausted,
          message: "a response of \(response.readableBytes) bytes exceeds the frame limit of \(maximumFrameSize) bytes",
          reason: "RESPONSE_TOO_LARGE")
      }
      // Inline calls keep deadlines as every call does: one already past when the reply is ready fails.
      if envelope.timeoutMicros != 0,
        ContinuousClock.now - receivedAt >= .microseconds(Int64(clamping: min(envelope.timeoutMicros, 1 << 50)))
      {
        throw RPCError(
          code: .deadlineExceeded, message: "the deadline expired before \(envelope.method) finished",
          reason: "DEADLINE_EXCEEDED")
      }
      reply = Frame(streamID: frame.streamID, type: .message, flags: .endOfStream, payload: response)
    } catch {
      let rpcError =
        (error as? any RPCErrorConvertible)?.rpcError
        ?? RPCError(code: .internal, message: "internal error in \(envelope.method): \(error)")
      code = rpcError.code
      var payload = context.channel.allocator.buffer(capacity: 64)
      payload.writeProtoMessage(rpcError.status)
      reply = Frame(streamID: frame.streamID, type: .status, payload: payload)
    }
    context.write(wrapOutboundOut(.frame(reply)), promise: nil)
    needsFlush = true
    if logger.logLevel <= .debug { logInline(envelope, streamID: frame.streamID, code: code, since: receivedAt) }
    return true
  }

  /// The debug line every call gets (ServerConnection logs the others'), with its `request-id`.
  private func logInline(
    _ envelope: RpcCall, streamID: UInt32, code: RPCStatusCode, since start: ContinuousClock.Instant
  ) {
    var metadata: Logger.Metadata = [
      "method": "\(envelope.method)", "stream": "\(streamID)", "code": "\(code)",
      "duration": "\(ContinuousClock.now - start)",
    ]
    if let requestID = envelope.metadata.last(where: { $0.key == "request-id" })?.value {
      metadata["request-id"] = "\(requestID)"
    }
    logger.debug("call ended", metadata: metadata)
  }
}

/// What a connection's task reads: the decoder's events, with each REQUEST's envelope already decoded
/// and the moment its frame was read (where its deadline starts).
enum ServerInbound: Sendable {
  case event(FrameDecoder.Event)
  case request(Frame, Result<RpcCall, any Error>, receivedAt: ContinuousClock.Instant)
}
