import GainsayProto
import Logging
import NIOCore

/// One client connection: reads frames, runs each call in a child task, writes the responses.
final class ServerConnection: Sendable {
  private let channel: NIOAsyncChannel<ServerInbound, OutboundFrame>
  private let peer: PeerCredentials
  private let router: RPCRouter
  private let configuration: RPCServerConfiguration
  private let logger: Logger
  private let state: ConnectionState
  /// Completes once the server's preface is written (by the ``InlineCallHandler``).
  private let prefaceWritten: EventLoopFuture<Void>
  private let access: RPCAccessControl
  private let connectionClass: ConnectionClass
  /// Every frame of the connection's task goes through it: bounded bytes, and a watchdog on the client.
  private let flow: OutboundFlow

  init(
    channel: NIOAsyncChannel<ServerInbound, OutboundFrame>,
    state: ConnectionState,
    prefaceWritten: EventLoopFuture<Void>,
    peer: PeerCredentials,
    router: RPCRouter,
    configuration: RPCServerConfiguration,
    access: RPCAccessControl,
    connectionClass: ConnectionClass,
    logger: Logger
  ) {
    self.access = access
    self.connectionClass = connectionClass
    self.flow = OutboundFlow(
      channel: channel.channel, limit: configuration.maximumPendingResponseBytesPerConnection,
      stallTimeout: TimeAmount(configuration.writeTimeout))
    self.channel = channel
    self.state = state
    self.prefaceWritten = prefaceWritten
    self.peer = peer
    self.router = router
    self.configuration = configuration
    self.logger = RPCServer.connectionLogger(logger, peer: peer)
  }

  /// Serves the connection until the client closes it, it breaks the protocol, or draining finishes.
  func run() async {
    let nioChannel = channel.channel
    // A client that goes away entirely cancels whatever it was waiting for.
    nioChannel.closeFuture.whenComplete { _ in self.cancelAllCalls() }
    do {
      try await channel.executeThenClose { inbound, _ in
        let writer = FrameWriter(
          flow: flow, allocator: nioChannel.allocator, maximumFrameSize: configuration.maximumFrameSize)
        try await prefaceWritten.get()
        if state.withLock({ $0.draining }) { closeGracefully() }
        if connectionClass == .withoutRole { startWithoutRoleTimer() }
        var answerWithoutRole = false
        await withDiscardingTaskGroup { group in
          do {
            for try await event in inbound {
              guard try await handle(event, writer: writer, group: &group) else {
                // A protocol violation: the GOAWAY is sent, nothing else will be.
                cancelAllCalls()
                break
              }
              if connectionClass == .withoutRole && takesWithoutRoleRequest(event) {
                // One request is all a caller without a role gets: nothing more is read.
                answerWithoutRole = true
                break
              }
            }
          } catch {
            logger.debug("connection input ended", metadata: ["error": "\(error)"])
          }
          // The client half-closed (or left): calls already running still finish and reply.
        }
        if answerWithoutRole { try? await writer.goAway(withoutRoleError(afterCall: true)) }
      }
    } catch {
      logger.debug("connection closed", metadata: ["error": "\(error)"])
    }
  }

  /// Refuses new calls from now on, ends the streams that only end when the client stops them (`Watch`)
  /// with UNAVAILABLE `DRAINING`, and closes the connection once no call is running.
  func beginDraining() {
    let (closeNow, endless) = state.withLock { state in
      state.draining = true
      return (state.calls.isEmpty, state.calls.values.filter(\.endsWhenDraining))
    }
    for call in endless { call.cancel(reason: .draining) }
    if closeNow { closeGracefully() }
  }

  /// Ends every call still running with UNAVAILABLE `DRAINING`: the drain's time is up. The connection
  /// closes (GOAWAY `DRAINING`) once they have.
  func endRemainingCalls() {
    let calls = state.withLock { Array($0.calls.values) }
    for call in calls { call.cancel(reason: .draining) }
  }

  // MARK: - Inbound events

  /// Handles one decoder event; returns false when the connection must close.
  private func handle(
    _ inbound: ServerInbound,
    writer: FrameWriter,
    group: inout DiscardingTaskGroup
  ) async throws -> Bool {
    let event: FrameDecoder.Event
    switch inbound {
    case .request(let frame, let envelope, let receivedAt):
      return try await startCall(frame, envelope: envelope, receivedAt: receivedAt, writer: writer, group: &group)
    case .event(let other):
      event = other
    }
    switch event {
    case .preface(let version):
      guard version == ConnectionPreface.currentVersion else {
        try await writer.goAway(
          RPCError(
            code: .failedPrecondition,
            message:
              "protocol version \(version) is not supported; this server speaks \(ConnectionPreface.currentVersion)",
            reason: "UNSUPPORTED_PROTOCOL_VERSION"))
        return false
      }
      return true

    case .protocolViolation(let reason):
      try await writer.goAway(RPCError(code: .invalidArgument, message: reason, reason: "BAD_PREFACE"))
      return false

    case .oversizedFrame(let header):
      let error = RPCError(
        code: .resourceExhausted,
        message: "frame of \(header.length) bytes exceeds the maximum of \(configuration.maximumFrameSize) bytes",
        reason: "FRAME_TOO_LARGE")
      guard header.type == .request, header.streamID != 0 else {
        try await writer.goAway(error)
        return false
      }
      // A STATUS on a running call's id would end that call in the client's eyes while it goes on here.
      guard !isInUse(header.streamID) else {
        try await writer.goAway(streamInUse(header.streamID))
        return false
      }
      try await writer.status(error.status, streamID: header.streamID)
      return true

    case .frame(let frame):
      // REQUEST frames arrive as `.request`, with their envelope (see InlineCallHandler).
      switch frame.type {
      case .cancel:
        let call = state.withLock { $0.calls[frame.streamID] }
        call?.cancel(reason: .client)
        return true
      default:
        try await writer.goAway(
          RPCError(
            code: .invalidArgument,
            message: "a client may not send frames of type \(frame.type)",
            reason: "UNEXPECTED_FRAME_TYPE"))
        return false
      }
    }
  }

  private enum Admission {
    case admitted(ServerCall)
    case refused(RPCError)
  }

  private func startCall(
    _ frame: Frame, envelope decoded: Result<RpcCall, any Error>, receivedAt: ContinuousClock.Instant,
    writer: FrameWriter, group: inout DiscardingTaskGroup
  ) async throws -> Bool {
    let streamID = frame.streamID
    guard streamID != 0 else {
      try await writer.goAway(
        RPCError(code: .invalidArgument, message: "REQUEST frames need a non-zero stream id", reason: "BAD_STREAM_ID"))
      return false
    }
    // Before anything about the request is answered on its stream: a STATUS on a running call's id
    // would end that call in the client's eyes while it goes on here (PROTOCOL.md section 6).
    guard !isInUse(streamID) else {
      try await writer.goAway(streamInUse(streamID))
      return false
    }
    let envelope: RpcCall
    do {
      envelope = try decoded.get()
    } catch {
      try await writer.status(
        RPCError(
          code: .invalidArgument, message: "the REQUEST payload is not a valid gainsay.v1.RpcCall: \(error)",
          reason: "MALFORMED_ENVELOPE"
        ).status, streamID: streamID)
      return true
    }
    guard let route = router.routes[envelope.method] else {
      try await writer.status(
        RPCError(code: .unimplemented, message: "unknown method \"\(envelope.method)\"", reason: "UNKNOWN_METHOD")
          .status, streamID: streamID)
      return true
    }
    // Before the request's body is decoded: a caller who may not call the method costs nothing more.
    if let refusal = access.authorize(envelope.method, peer) {
      try await writer.status(refusal.status, streamID: streamID)
      return true
    }
    let deadline: ContinuousClock.Instant? =
      envelope.timeoutMicros == 0
      ? nil : receivedAt.advanced(by: .microseconds(Int64(clamping: min(envelope.timeoutMicros, 1 << 50))))
    let call = ServerCall(streamID: streamID, endsWhenDraining: route.endsWhenDraining)
    let admission: Admission = state.withLock { state in
      if state.draining {
        return .refused(RPCError(code: .unavailable, message: "the server is shutting down", reason: "DRAINING"))
      }
      if state.calls.count >= configuration.maximumConcurrentCallsPerConnection {
        return .refused(
          RPCError(
            code: .resourceExhausted,
            message:
              "more than \(configuration.maximumConcurrentCallsPerConnection) concurrent calls on one connection",
            reason: "TOO_MANY_CALLS"))
      }
      state.calls[streamID] = call
      return .admitted(call)
    }
    switch admission {
    case .refused(let error):
      try await writer.status(error.status, streamID: streamID)
      return true
    case .admitted(let call):
      var metadata: [String: String] = [:]
      for entry in envelope.metadata { metadata[entry.key] = entry.value }
      var callLogger = logger
      callLogger[metadataKey: "method"] = "\(envelope.method)"
      callLogger[metadataKey: "stream"] = "\(streamID)"
      if let requestID = metadata["request-id"] { callLogger[metadataKey: "request-id"] = "\(requestID)" }
      let endLogger = callLogger
      let context = RPCContext(
        method: envelope.method, peer: peer, deadline: deadline, metadata: metadata, logger: callLogger)
      let payload = ByteBuffer(bytes: envelope.payload)
      group.addTask {
        let code = await call.run(route: route, payload: payload, context: context, writer: writer)
        self.callFinished(streamID)
        endLogger.debug(
          "call ended",
          metadata: ["code": "\(code.map { "\($0)" } ?? "cancelled")", "duration": "\(ContinuousClock.now - receivedAt)"])
      }
      return true
    }
  }

  // MARK: - Callers without a role

  /// Whether `event` is the one request a caller without a role may make (a REQUEST, even oversized).
  private func takesWithoutRoleRequest(_ event: ServerInbound) -> Bool {
    switch event {
    case .request: break
    case .event(.oversizedFrame(let header)) where header.type == .request: break
    default: return false
    }
    state.withLock { $0.withoutRoleRequestTaken = true }
    return true
  }

  /// Closes the connection of a caller without a role that has not sent its request in time.
  private func startWithoutRoleTimer() {
    let nioChannel = channel.channel
    nioChannel.eventLoop.scheduleTask(in: TimeAmount(configuration.noRoleRequestTimeout)) { [self] in
      let expired = state.withLock { state in
        defer { state.withoutRoleRequestTaken = true }
        return !state.withoutRoleRequestTaken
      }
      if expired { goAwayAndClose(withoutRoleError(afterCall: false)) }
    }
  }

  private func withoutRoleError(afterCall: Bool) -> RPCError {
    let why =
      afterCall
      ? "the call is answered and the connection closed"
      : "it sent no request within \(configuration.noRoleRequestTimeout)"
    return RPCError(
      code: .permissionDenied,
      message:
        "user \(peer.uid) has no role on this server: it may make one call that needs no role per connection, and \(why); ask the server's administrator for a role",
      reason: "NO_ROLE")
  }

  private func streamInUse(_ streamID: UInt32) -> RPCError {
    RPCError(code: .invalidArgument, message: "stream id \(streamID) is already in use", reason: "STREAM_ID_IN_USE")
  }

  private func isInUse(_ streamID: UInt32) -> Bool {
    state.withLock { $0.calls[streamID] != nil }
  }

  private func callFinished(_ streamID: UInt32) {
    let closeNow = state.withLock { state in
      state.calls.removeValue(forKey: streamID)
      return state.draining && state.calls.isEmpty
    }
    if closeNow { closeGracefully() }
  }

  private func cancelAllCalls() {
    let calls = state.withLock { Array($0.calls.values) }
    for call in calls { call.cancel(reason: .connectionClosed) }
  }

  /// Sends GOAWAY (UNAVAILABLE) and closes: the server is shutting down.
  private func closeGracefully() {
    let first = state.withLock { state in
      guard state.prefaceSent, !state.closing, state.calls.isEmpty else { return false }
      state.closing = true
      return true
    }
    guard first else { return }
    goAwayAndClose(RPCError(code: .unavailable, message: "the server is shutting down", reason: "DRAINING"))
  }

  /// Sends GOAWAY behind whatever the connection still has to write, and closes once it is written.
  /// Through the connection's flow, so a client that does not read is still dropped by its watchdog.
  private func goAwayAndClose(_ error: RPCError) {
    let nioChannel = channel.channel
    let written = nioChannel.eventLoop.makePromise(of: Void.self)
    written.futureResult.whenComplete { _ in nioChannel.close(promise: nil) }
    flow.submit(.goAway(error, allocator: nioChannel.allocator), reserved: 0, written: written)
  }
}
