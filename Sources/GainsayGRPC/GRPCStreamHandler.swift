import GainsayProto
import GainsayRPC
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Serves one gRPC call on one HTTP/2 stream: checks its head (method, path, content type, deadline),
/// refuses what the caller may not call before reading the body, collects the request message within
/// the size limit, and runs it: the ledger's methods through the same ``ServerCall`` as our framing,
/// health and reflection here. Runs on the connection's event loop.
final class GRPCStreamHandler: ChannelInboundHandler {
  typealias InboundIn = HTTP2Frame.FramePayload
  typealias OutboundOut = HTTP2Frame.FramePayload

  private enum Target {
    case route(String, RPCRouter.Route)
    case health(GRPCHealth.Method)
    case reflection
  }

  private enum Phase {
    /// Waiting for the request's head.
    case idle
    /// Reading the request's messages.
    case receiving(Target)
    /// The call runs (or has answered); further input is dropped.
    case running
  }

  private let connection: GRPCConnection
  private var phase = Phase.idle
  private var context: ChannelHandlerContext?
  /// The stream's number from ``GRPCConnection/openStream()``, once counted in.
  private var stream: Int?
  private var inbound = ByteBuffer()
  private var request: ByteBuffer?
  private var responseHeadSent = false
  private var ended = false
  private var clientEnded = false
  private var call: ServerCall?
  private var receivedAt = ContinuousClock.now
  private var deadline: ContinuousClock.Instant?
  private var metadata: [String: String] = [:]
  private var logger: Logger

  init(connection: GRPCConnection) {
    self.connection = connection
    self.logger = connection.logger
  }

  private var services: GRPCServices { connection.services }
  private var maximumMessageSize: Int { services.configuration.maximumFrameSize }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
  }

  func channelInactive(context: ChannelHandlerContext) {
    // The client reset the stream, or the connection went: nothing more is written for the call.
    call?.cancel(reason: .client)
    ended = true
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
        inbound.writeBuffer(&bytes)
        readMessages(for: target)
      }
      if data.endStream { endOfInput() }
    default:
      break
    }
  }

  // MARK: - The request

  private func start(_ headers: HPACKHeaders) {
    receivedAt = .now
    phase = .running
    guard headers.first(name: ":method") == "POST" else {
      return answerHTTP(status: "405")
    }
    guard let contentType = headers.first(name: "content-type"), contentType.hasPrefix("application/grpc") else {
      return answerHTTP(status: "415")
    }
    switch connection.openStream() {
    case .failure(let error): return fail(error)
    case .success(let number): stream = number
    }
    let path = headers.first(name: ":path") ?? ""
    let method = path.hasPrefix("/") ? String(path.dropFirst()) : path
    for header in headers where !header.name.hasPrefix(":") && !Self.reservedHeaders.contains(header.name) {
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
    let target: Target
    if let health = GRPCHealth.Method(rawValue: method) {
      target = .health(health)
    } else if GRPCReflection.methodNames.contains(method) {
      target = .reflection
    } else if let route = services.router.routes[method] {
      // Before the body is read: a caller who may not call the method costs nothing more.
      if let refusal = services.access.authorize(method, connection.peer) { return fail(refusal) }
      target = .route(method, route)
    } else {
      return fail(RPCError(code: .unimplemented, message: "unknown method \"\(method)\"", reason: "UNKNOWN_METHOD"))
    }
    phase = .receiving(target)
  }

  /// Takes every whole message `inbound` holds: one for unary and server-streaming calls, each in turn
  /// for reflection's stream.
  private func readMessages(for target: Target) {
    while inbound.readableBytes >= 5 {
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
        let answer = services.reflection.answer(Array(message.readableBytesView)[...])
        sendBytes(answer, isLast: false)
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
  private func endOfInput() {
    clientEnded = true
    guard case .receiving(let target) = phase else { return }
    phase = .running
    switch target {
    case .reflection:
      end(RpcStatus())
    case .health, .route:
      guard let request, inbound.readableBytes == 0 else {
        return fail(
          RPCError(
            code: .invalidArgument, message: "the call ended without a whole request message",
            reason: "MALFORMED_REQUEST"))
      }
      if let deadline, ContinuousClock.now >= deadline {
        return fail(
          RPCError(code: .deadlineExceeded, message: "the deadline expired before the call started", reason: "DEADLINE_EXCEEDED"))
      }
      if case .health(let method) = target {
        runHealth(method, request: request)
      } else if case .route(let method, let route) = target {
        run(route, method: method, request: request)
      }
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
      room: connection.room)
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

  private func runHealth(_ method: GRPCHealth.Method, request: ByteBuffer) {
    let service: String
    do {
      service = try GRPCHealth.service(in: Array(request.readableBytesView)[...])
    } catch {
      return fail(
        RPCError(code: .invalidArgument, message: "the request is not a valid health request: \(error)", reason: "MALFORMED_REQUEST"))
    }
    let health = services.health
    switch method {
    case .list:
      sendBytes(health.list(draining: connection.isDraining), isLast: true)
    case .check:
      guard let status = health.status(of: service, draining: connection.isDraining) else {
        return fail(RPCError(code: .notFound, message: "this server does not serve \"\(service)\"", resource: service))
      }
      sendBytes(GRPCHealth.response(status), isLast: true)
    case .watch:
      // The current status now, NOT_SERVING when the server begins to shut down, then the end.
      sendBytes(GRPCHealth.response(health.status(of: service, draining: connection.isDraining) ?? .serviceUnknown), isLast: false)
      guard let stream, let eventLoop = context?.eventLoop else { return }
      let handler = NIOLoopBound(self, eventLoop: eventLoop)
      connection.onDrain(stream: stream) {
        eventLoop.execute {
          handler.value.sendBytes(GRPCHealth.response(.notServing), isLast: false)
          handler.value.end(ServerCall.drained.status)
        }
      }
      return
    }
    logEnd(code: .ok)
  }

  // MARK: - Writing

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
    let trailers = GRPCStatus.trailers(status, trailersOnly: !responseHeadSent)
    responseHeadSent = true
    let written = context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: trailers, endStream: true))))
    resetIfClientStillSending()
    return written
  }

  private func sendBytes(_ bytes: [UInt8], isLast: Bool) {
    guard let context else { return }
    var message = context.channel.allocator.buffer(capacity: bytes.count + 5)
    message.writeInteger(UInt8(0))
    message.writeInteger(UInt32(bytes.count))
    message.writeBytes(bytes)
    _ = send(message, isLast: isLast)
  }

  /// Ends the call with `error`, before or instead of running it.
  private func fail(_ error: RPCError) {
    phase = .running
    _ = end(error.status)
    logEnd(code: error.code)
  }

  /// Answers a request that is not gRPC with a bare HTTP status.
  private func answerHTTP(status: String) {
    guard let context, !ended else { return }
    ended = true
    let headers: HPACKHeaders = [":status": status]
    context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: nil)
    resetIfClientStillSending()
  }

  /// A client still sending after the call's end is told to stop: RST_STREAM with NO_ERROR right behind
  /// the end (RFC 9113 section 8.1), so it keeps the status it was sent.
  private func resetIfClientStillSending() {
    guard !clientEnded, let context else { return }
    context.writeAndFlush(wrapOutboundOut(.rstStream(.noError)), promise: nil)
  }

  private func logEnd(code: RPCStatusCode) {
    logger.debug("call ended", metadata: ["code": "\(code)", "duration": "\(ContinuousClock.now - receivedAt)"])
  }

  /// Headers that are the protocol's, not the call's metadata.
  private static let reservedHeaders: Set<String> = [
    "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "user-agent",
  ]
}
