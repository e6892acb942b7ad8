import GainsayProto
import GainsayRPC
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Serves one gRPC call on one HTTP/2 stream: checks its head (method, path, content type, deadline),
/// refuses what the caller may not call before reading the body, collects the request message within
/// the size and time limits, and runs it: the ledger's methods through the same ``ServerCall`` as our
/// framing, health and reflection in `GRPCStreamHandler+BuiltIns.swift`. Runs on the connection's event
/// loop; calls' tasks reach it through ``GRPCStreamWriter``.
final class GRPCStreamHandler: ChannelInboundHandler {
  typealias InboundIn = HTTP2Frame.FramePayload
  typealias OutboundOut = HTTP2Frame.FramePayload

  enum Target {
    case route(String, RPCRouter.Route)
    case health(GRPCHealth.Method)
    case reflection
  }

  enum Phase {
    /// Waiting for the request's head.
    case idle
    /// Reading the request's messages.
    case receiving(Target)
    /// The call runs (or has answered); further input is dropped.
    case running
  }

  let connection: GRPCConnection
  var phase = Phase.idle
  var context: ChannelHandlerContext?
  /// The stream's number from ``GRPCConnection/openStream(duringDrain:handle:)``, once counted in.
  private var stream: Int?
  var inbound = ByteBuffer()
  /// Request bytes counted against the connection's maximum (``GRPCConnection/holdRequestBytes(_:)``).
  var heldBytes = 0
  private var request: ByteBuffer?
  var responseHeadSent = false
  var ended = false
  var clientEnded = false
  private var call: ServerCall?
  /// A health Watch that stays open until the server drains.
  var isHealthWatch = false
  /// Ends the stream if its request (or reflection's next one) does not come in time.
  var timer: Scheduled<Void>?
  var receivedAt = ContinuousClock.now
  private var deadline: ContinuousClock.Instant?
  private var metadata: [String: String] = [:]
  var logger: Logger

  init(connection: GRPCConnection) {
    self.connection = connection
    self.logger = connection.logger
  }

  var services: GRPCServices { connection.services }
  var maximumMessageSize: Int { services.configuration.maximumFrameSize }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
  }

  func channelInactive(context: ChannelHandlerContext) {
    // The client reset the stream, or the connection went: nothing more is written for the call.
    call?.cancel(reason: .client)
    ended = true
    timer?.cancel()
    connection.releaseRequestBytes(heldBytes)
    heldBytes = 0
    if let stream { connection.streamEnded(stream) }
    stream = nil
    self.context = nil
    context.fireChannelInactive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .headers(let headers):
      if case .idle = phase {
        start(headers.headers)
      }
      if headers.endStream { endOfInput() }
    case .data(let data):
      guard case .byteBuffer(var bytes) = data.data else { return }
      if case .receiving(let target) = phase {
        guard connection.holdRequestBytes(bytes.readableBytes) else {
          return fail(
            RPCError(
              code: .resourceExhausted,
              message:
                "the connection holds \(connection.maximumBufferedRequestBytes) bytes of unfinished requests; finish or cancel some",
              reason: "TOO_MUCH_PENDING_INPUT"))
        }
        heldBytes += bytes.readableBytes
        inbound.writeBuffer(&bytes)
        readMessages(for: target)
      }
      if data.endStream { endOfInput() }
    default:
      break
    }
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    if context.channel.isWritable { reflectionCanWrite() }
    context.fireChannelWritabilityChanged()
  }

  // MARK: - The request

  private func start(_ headers: HPACKHeaders) {
    receivedAt = .now
    phase = .running
    guard headers.first(name: ":method") == "POST" else {
      return answerHTTP(status: "405")
    }
    guard let contentType = headers.first(name: "content-type"), Self.contentTypes.contains(contentType) else {
      return answerHTTP(status: "415")
    }
    let path = headers.first(name: ":path") ?? ""
    let method = path.hasPrefix("/") ? String(path.dropFirst()) : path
    let target: Target? =
      if let health = GRPCHealth.Method(rawValue: method) {
        .health(health)
      } else if GRPCReflection.methodNames.contains(method) {
        .reflection
      } else {
        services.router.routes[method].map { .route(method, $0) }
      }
    let isHealth = if case .health = target { true } else { false }
    switch connection.openStream(duringDrain: isHealth, handle: streamHandle()) {
    case .failure(let error): return fail(error)
    case .success(let number): stream = number
    }
    for header in headers
    where !header.name.hasPrefix(":") && !header.name.hasPrefix("grpc-") && !Self.reservedHeaders.contains(header.name)
    {
      metadata[header.name] = header.value
    }
    logger[metadataKey: "method"] = "\(method)"
    logger[metadataKey: "protocol"] = "grpc"
    if let requestID = metadata["request-id"] { logger[metadataKey: "request-id"] = "\(requestID)" }
    if let timeout = headers.first(name: "grpc-timeout") {
      guard let duration = GRPCTimeout.parse(timeout) else {
        return fail(
          RPCError(
            code: .invalidArgument, message: "grpc-timeout \"\(timeout)\" is malformed", reason: "BAD_TIMEOUT"))
      }
      deadline = receivedAt.advanced(by: duration)
    }
    if let refusal = connection.refusal { return fail(refusal) }
    guard let target else {
      return fail(RPCError(code: .unimplemented, message: "unknown method \"\(method)\"", reason: "UNKNOWN_METHOD"))
    }
    if case .route = target, let refusal = services.access.authorize(method, connection.peer) {
      // Before the body is read: a caller who may not call the method costs nothing more.
      return fail(refusal)
    }
    phase = .receiving(target)
    startRequestTimer()
  }

  /// The whole request must come within the frame completion timeout (30 s), and before the call's
  /// deadline; reflection's stream must bring its next request within the timeout.
  func startRequestTimer() {
    guard let context else { return }
    timer?.cancel()
    var wait = TimeAmount(services.configuration.frameCompletionTimeout)
    if let deadline { wait = min(wait, TimeAmount(max(deadline - .now, .zero))) }
    let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
    let limit = services.configuration.frameCompletionTimeout
    timer = context.eventLoop.scheduleTask(in: wait) {
      handler.value.requestTimedOut(limit: limit)
    }
  }

  private func requestTimedOut(limit: Duration) {
    guard case .receiving(let target) = phase else { return }
    if case .reflection = target {
      // An idle reflection stream ends, successfully: the client asks again on a new one.
      phase = .running
      end(RpcStatus())
      return
    }
    if let deadline, ContinuousClock.now >= deadline {
      return fail(
        RPCError(code: .deadlineExceeded, message: "the deadline expired before the request arrived", reason: "DEADLINE_EXCEEDED"))
    }
    fail(
      RPCError(
        code: .deadlineExceeded, message: "the request did not arrive whole within \(limit)", reason: "REQUEST_TIMEOUT"))
  }

  /// Takes every whole message `inbound` holds: one for unary and server-streaming calls, each in turn
  /// for reflection's stream (as long as the client takes the answers).
  func readMessages(for target: Target) {
    while inbound.readableBytes >= 5 {
      if case .reflection = target, !reflectionMayAnswer() { return }
      let compressed = inbound.getInteger(at: inbound.readerIndex, as: UInt8.self)!
      let length = Int(inbound.getInteger(at: inbound.readerIndex + 1, as: UInt32.self)!)
      guard compressed == 0 else {
        return fail(
          RPCError(
            code: .unimplemented, message: "compressed messages are not supported; send them uncompressed (identity)",
            reason: "COMPRESSION_UNSUPPORTED"))
      }
      guard length <= maximumMessageSize else {
        return fail(
          RPCError(
            code: .resourceExhausted,
            message: "a request of \(length) bytes exceeds the message limit of \(maximumMessageSize) bytes",
            reason: "FRAME_TOO_LARGE"))
      }
      guard inbound.readableBytes >= 5 + length else { return }
      inbound.moveReaderIndex(forwardBy: 5)
      let message = inbound.readSlice(length: length)!
      inbound.discardReadBytes()
      switch target {
      case .reflection:
        answerReflection(message)
      case .route, .health:
        guard request == nil else {
          return fail(
            RPCError(
              code: .invalidArgument, message: "a unary or server-streaming call takes exactly one request message",
              reason: "MALFORMED_REQUEST"))
        }
        request = message
      }
    }
  }

  /// The client has sent all it will: run the call.
  func endOfInput() {
    clientEnded = true
    guard case .receiving(let target) = phase else { return }
    if case .reflection = target {
      // Answers still waiting for the client to read come first.
      if inbound.readableBytes == 0 { phase = .running; end(RpcStatus()) }
      return
    }
    phase = .running
    timer?.cancel()
    guard let request, inbound.readableBytes == 0 else {
      return fail(
        RPCError(
          code: .invalidArgument, message: "the call ended without a whole request message", reason: "MALFORMED_REQUEST"))
    }
    if let deadline, ContinuousClock.now >= deadline {
      return fail(
        RPCError(code: .deadlineExceeded, message: "the deadline expired before the call started", reason: "DEADLINE_EXCEEDED"))
    }
    switch target {
    case .health(let method): runHealth(method, request: request)
    case .route(let method, let route): run(route, method: method, request: request)
    case .reflection: break
    }
  }

  // MARK: - Running

  private func run(_ route: RPCRouter.Route, method: String, request: ByteBuffer) {
    guard let context, let stream else { return }
    if let inline = route.inline {
      // Answers from memory (Meta/Health, Meta/Describe): on the event loop, no task.
      do {
        var response = try inline(request, context.channel.allocator)
        var message = context.channel.allocator.buffer(capacity: response.readableBytes + 5)
        message.writeInteger(UInt8(0))
        message.writeInteger(UInt32(response.readableBytes))
        message.writeBuffer(&response)
        send(message, isLast: true)
        logEnd(code: .ok)
      } catch {
        fail((error as? any RPCErrorConvertible)?.rpcError ?? RPCError(code: .internal, message: "\(error)"))
      }
      return
    }
    let call = ServerCall(streamID: UInt32(truncatingIfNeeded: stream), endsWhenDraining: route.endsWhenDraining)
    self.call = call
    connection.register(call, stream: stream)
    let writer = GRPCStreamWriter(
      allocator: context.channel.allocator, maximumMessageSize: maximumMessageSize,
      stream: NIOLoopBound(self, eventLoop: context.eventLoop), eventLoop: context.eventLoop,
      room: connection.room, budget: connection.budget)
    let rpcContext = RPCContext(
      method: method, peer: connection.peer, deadline: deadline, metadata: metadata, logger: logger)
    let logger = self.logger
    let receivedAt = self.receivedAt
    Task {
      let code = await call.run(route: route, payload: request, context: rpcContext, writer: writer)
      logger.debug(
        "call ended",
        metadata: ["code": "\(code.map { "\($0)" } ?? "cancelled")", "duration": "\(ContinuousClock.now - receivedAt)"])
    }
  }

  /// What the connection does with this stream when the server drains, and when the drain is over.
  private func streamHandle() -> GRPCConnection.StreamHandle {
    guard let eventLoop = context?.eventLoop else { return .init(drain: {}, end: {}) }
    let handler = NIOLoopBound(self, eventLoop: eventLoop)
    return .init(
      drain: { eventLoop.execute { handler.value.drain() } },
      end: { eventLoop.execute { handler.value.forceEnd() } })
  }

  /// Ends at once what the drain does not wait for: a request still arriving, reflection, health Watch
  /// (NOT_SERVING first). A running call is the drain's to end (``GRPCConnection/beginDraining()``).
  func drain() {
    guard !ended else { return }
    if isHealthWatch { sendBytes(GRPCHealth.response(.notServing), isLast: false) }
    if case .receiving = phase {
      phase = .running
      end(ServerCall.drained.status)
    } else if isHealthWatch {
      end(ServerCall.drained.status)
    }
  }

  /// The drain's time is up: the stream ends whatever it does, reset if its end cannot be written.
  private func forceEnd() {
    call?.cancel(reason: .draining)
    if !ended {
      phase = .running
      end(ServerCall.drained.status)
    }
    context?.close(promise: nil)
  }

  /// The content types of gRPC with protobuf messages.
  private static let contentTypes: Set<String> = ["application/grpc", "application/grpc+proto"]

  /// Headers that are the protocol's, not the call's metadata (besides pseudo-headers and `grpc-*`).
  private static let reservedHeaders: Set<String> = ["content-type", "te", "user-agent"]
}
