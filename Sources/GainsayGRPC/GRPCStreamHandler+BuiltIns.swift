import GainsayProto
import GainsayRPC
import NIOCore

/// Health and reflection, answered on the event loop from memory.
extension GRPCStreamHandler {
  func runHealth(_ method: GRPCHealth.Method, request: ByteBuffer) {
    let service: String
    do {
      service = try GRPCHealth.service(in: Array(request.readableBytesView)[...])
    } catch {
      return fail(
        RPCError(
          code: .invalidArgument, message: "the request is not a valid health request: \(error)",
          reason: "MALFORMED_REQUEST"))
    }
    let health = services.health
    let draining = connection.isDraining
    switch method {
    case .list:
      sendBytes(health.list(draining: draining), isLast: true)
    case .check:
      guard let status = health.status(of: service, draining: draining) else {
        return fail(RPCError(code: .notFound, message: "this server does not serve \"\(service)\"", resource: service))
      }
      sendBytes(GRPCHealth.response(status), isLast: true)
    case .watch:
      // The current status now; NOT_SERVING and the end when the server drains (the stream's drain).
      sendBytes(GRPCHealth.response(health.status(of: service, draining: draining) ?? .serviceUnknown), isLast: false)
      isHealthWatch = true
      if draining { drain() }
      return
    }
    logEnd(code: .ok)
  }

  /// Whether the next reflection answer may be written now: not while the stream (or the socket) holds
  /// answers the client has not taken. Reading stops meanwhile, so the client's requests wait in
  /// HTTP/2 flow control rather than in memory; after the write timeout the stream is reset.
  func reflectionMayAnswer() -> Bool {
    guard let context, !context.channel.isWritable else { return true }
    context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
    timer?.cancel()
    let channel = context.channel
    timer = context.eventLoop.scheduleTask(in: TimeAmount(services.configuration.writeTimeout)) {
      channel.close(promise: nil)
    }
    return false
  }

  /// The stream takes writes again: answer what waits, and read on.
  func reflectionCanWrite() {
    guard let context, case .receiving(.reflection) = phase else { return }
    readMessages(for: .reflection)
    guard context.channel.isWritable, case .receiving = phase else { return }
    context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
    if clientEnded && inbound.readableBytes == 0 {
      phase = .running
      end(RpcStatus())
    } else {
      startRequestTimer()
    }
  }

  func answerReflection(_ message: ByteBuffer) {
    connection.releaseRequestBytes(message.readableBytes + 5)
    heldBytes -= message.readableBytes + 5
    sendBytes(services.reflection.answer(Array(message.readableBytesView)[...]), isLast: false)
    startRequestTimer()
  }
}
