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

  init(
    channel: NIOAsyncChannel<ServerInbound, OutboundFrame>,
    state: ConnectionState,
    prefaceWritten: EventLoopFuture<Void>,
    peer: PeerCredentials,
    router: RPCRouter,
    configuration: RPCServerConfiguration,
    logger: Logger
  ) {
    self.channel = channel
    self.state = state
    self.prefaceWritten = prefaceWritten
    self.peer = peer
    self.router = router
    self.configuration = configuration
    var logger = logger
    logger[metadataKey: "peer"] = "\(peer)"
    self.logger = logger
  }

  /// Serves the connection until the client closes it, it breaks the protocol, or draining finishes.
  func run() async {
    let nioChannel = channel.channel
    // A client that goes away entirely cancels whatever it was waiting for.
    nioChannel.closeFuture.whenComplete { _ in self.cancelAllCalls() }
    do {
      try await channel.executeThenClose { inbound, outbound in
        let writer = FrameWriter(outbound: outbound, allocator: nioChannel.allocator)
        try await prefaceWritten.get()
        if state.withLock({ $0.draining }) { closeGracefully() }
        await withDiscardingTaskGroup { group in
          do {
            for try await event in inbound {
              guard try await handle(event, writer: writer, group: &group) else {
                // A protocol violation: the GOAWAY is sent, nothing else will be.
                cancelAllCalls()
                break
              }
            }
          } catch {
            logger.debug("connection input ended", metadata: ["error": "\(error)"])
          }
          // The client half-closed (or left): calls already running still finish and reply.
        }
      }
    } catch {
      logger.debug("connection closed", metadata: ["error": "\(error)"])
    }
  }

  /// Refuses new calls from now on, and closes the connection once no call is running.
  func beginDraining() {
    let closeNow = state.withLock { state in
      state.draining = true
      return state.calls.isEmpty
    }
    if closeNow { closeGracefully() }
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
    case .request(let frame, let envelope):
      return try await startCall(frame, envelope: envelope, writer: writer, group: &group)
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
      guard header.type == .request, header.streamID != 0, !isInUse(header.streamID) else {
        try await writer.goAway(error)
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
    case duplicate
  }

  private func startCall(
    _ frame: Frame, envelope decoded: Result<RpcCall, any Error>, writer: FrameWriter,
    group: inout DiscardingTaskGroup
  ) async throws -> Bool {
    let streamID = frame.streamID
    guard streamID != 0 else {
      try await writer.goAway(
        RPCError(code: .invalidArgument, message: "REQUEST frames need a non-zero stream id", reason: "BAD_STREAM_ID"))
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
    let deadline: ContinuousClock.Instant? =
      envelope.timeoutMicros == 0
      ? nil : ContinuousClock.now.advanced(by: .microseconds(Int64(clamping: min(envelope.timeoutMicros, 1 << 50))))
    let call = ServerCall(streamID: streamID)
    let admission: Admission = state.withLock { state in
      if state.calls[streamID] != nil { return .duplicate }
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
    case .duplicate:
      try await writer.goAway(
        RPCError(
          code: .invalidArgument, message: "stream id \(streamID) is already in use", reason: "STREAM_ID_IN_USE"))
      return false
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
      let context = RPCContext(
        method: envelope.method, peer: peer, deadline: deadline, metadata: metadata, logger: callLogger)
      let payload = ByteBuffer(bytes: envelope.payload)
      group.addTask {
        await call.run(
          route: route, payload: payload, context: context, writer: writer,
          maximumFrameSize: self.configuration.maximumFrameSize)
        self.callFinished(streamID)
      }
      return true
    }
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
  ///
  /// The GOAWAY goes straight to the channel: no call is running, so no frame of the connection's
  /// writer can be waiting behind it.
  private func closeGracefully() {
    let first = state.withLock { state in
      guard state.prefaceSent, !state.closing, state.calls.isEmpty else { return false }
      state.closing = true
      return true
    }
    guard first else { return }
    channel.channel.goAwayAndClose(
      RPCError(code: .unavailable, message: "the server is shutting down", reason: "DRAINING"))
  }
}
