public import GainsayProto
public import NIOCore
public import NIOPosix
import Synchronization

/// A connection to a Gainsay server over a Unix domain socket, shared by any number of concurrent calls.
///
/// ```swift
/// let client = try await RPCClient.connect(socketPath: "/run/gainsay/gainsayd.sock")
/// let health = try await client.call(MetaService.health, HealthRequest())
/// ```
public final class RPCClient: Sendable {
  private let channel: any Channel
  private let calls: ClientCalls

  private init(channel: any Channel, calls: ClientCalls) {
    self.channel = channel
    self.calls = calls
  }

  /// Connects and sends the preface. Throws UNAVAILABLE when nothing listens at `socketPath`.
  public static func connect(
    socketPath: String,
    maximumFrameSize: Int = 4 * 1024 * 1024,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
  ) async throws -> RPCClient {
    let calls = ClientCalls()
    let channel: any Channel
    do {
      channel = try await ClientBootstrap(group: eventLoopGroup)
        .channelOption(.allowRemoteHalfClosure, value: false)
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture { try addHandlers(to: channel, calls, maximumFrameSize) }
        }
        .connect(unixDomainSocketPath: socketPath)
        .get()
    } catch {
      throw RPCError(
        code: .unavailable, message: "cannot connect to \(socketPath): \(error)", reason: "CONNECT_FAILED")
    }
    return try await start(channel, calls, peer: socketPath)
  }

  /// Speaks the protocol over two pipes, e.g. the standard input and output of an `ssh` that runs
  /// `gainsay relay` on another host; the client owns (and closes) both descriptors from now on.
  /// `peer` names the other end in errors.
  public static func connect(
    input: CInt,
    output: CInt,
    peer: String,
    maximumFrameSize: Int = 4 * 1024 * 1024,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
  ) async throws -> RPCClient {
    let calls = ClientCalls()
    let channel: any Channel
    do {
      channel = try await NIOPipeBootstrap(group: eventLoopGroup)
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture { try addHandlers(to: channel, calls, maximumFrameSize) }
        }
        .takingOwnershipOfDescriptors(input: input, output: output)
        .get()
    } catch {
      throw RPCError(code: .unavailable, message: "cannot talk to \(peer): \(error)", reason: "CONNECT_FAILED")
    }
    return try await start(channel, calls, peer: peer)
  }

  private static func addHandlers(to channel: any Channel, _ calls: ClientCalls, _ maximumFrameSize: Int) throws {
    try channel.pipeline.syncOperations.addHandlers(
      ByteToMessageHandler(FrameDecoder(expectsPreface: true, maximumPayloadSize: maximumFrameSize)),
      MessageToByteHandler(FrameEncoder()),
      ClientConnectionHandler(calls: calls)
    )
  }

  /// Sends the preface on a new connection.
  private static func start(_ channel: any Channel, _ calls: ClientCalls, peer: String) async throws -> RPCClient {
    do {
      try await channel.writeAndFlush(OutboundFrame.preface(version: ConnectionPreface.currentVersion))
    } catch {
      // A server that refuses the connection says why (GOAWAY) and closes it, perhaps before the preface
      // is out: its reason is the error, not the failed write.
      throw calls.closedError
        ?? RPCError(
          code: .unavailable, message: "the connection to \(peer) closed: \(error)", reason: "CONNECTION_CLOSED")
    }
    return RPCClient(channel: channel, calls: calls)
  }

  /// Closes the connection; calls still running fail with UNAVAILABLE.
  public func close() async {
    try? await channel.close()
  }

  /// Makes a unary call and returns its response, or throws ``RPCError``.
  public func call<Request, Response>(
    _ method: MethodDescriptor<Request, Response>,
    _ request: Request,
    options: CallOptions = CallOptions()
  ) async throws -> Response {
    precondition(method.streaming == .unary, "\(method.fullName) is server-streaming; use stream(_:_:options:)")
    let streamID = calls.nextStreamID()
    let payload: ByteBuffer = try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        calls.register(streamID, .unary(continuation))
        start(method.fullName, request: request, streamID: streamID, options: options)
      }
    } onCancel: {
      self.cancel(streamID)
    }
    do {
      return try payload.decodeProtoMessage(as: Response.self)
    } catch {
      throw RPCError(
        code: .internal, message: "the response is not a valid \(Response.protoMessageName): \(error)",
        reason: "MALFORMED_RESPONSE")
    }
  }

  /// Makes a server-streaming call; the responses arrive through the returned sequence, which throws
  /// ``RPCError`` if the call ends with a non-OK status. Ending the iteration early cancels the call.
  public func stream<Request, Response>(
    _ method: MethodDescriptor<Request, Response>,
    _ request: Request,
    options: CallOptions = CallOptions()
  ) -> RPCResponseStream<Response> {
    precondition(method.streaming == .serverStreaming, "\(method.fullName) is unary; use call(_:_:options:)")
    let streamID = calls.nextStreamID()
    let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
    continuation.onTermination = { [self] termination in
      if case .cancelled = termination { self.cancel(streamID) }
    }
    calls.register(streamID, .stream(continuation))
    start(method.fullName, request: request, streamID: streamID, options: options)
    return RPCResponseStream(messages: stream)
  }

  private func start(_ method: String, request: some ProtoMessage, streamID: UInt32, options: CallOptions) {
    var envelope = RpcCall()
    envelope.method = method
    if let timeout = options.timeout {
      // Clamped to 100 years: longer is forever, and the arithmetic must not overflow.
      let seconds = min(max(timeout.components.seconds, 0), 100 * 365 * 86_400)
      let micros = max(1, seconds * 1_000_000 + max(timeout.components.attoseconds, 0) / 1_000_000_000_000)
      envelope.timeoutMicros = UInt64(micros)
      // The server enforces the deadline; this timer only guards against a server that stops answering.
      let grace = TimeAmount.milliseconds(250)
      channel.eventLoop.scheduleTask(in: .microseconds(micros) + grace) { [calls, channel] in
        if calls.fail(
          streamID,
          RPCError(
            code: .deadlineExceeded, message: "no reply from the server within the deadline",
            reason: "DEADLINE_EXCEEDED"))
        {
          channel.writeAndFlush(
            OutboundFrame.frame(Frame(streamID: streamID, type: .cancel, payload: ByteBuffer())), promise: nil)
        }
      }
    }
    envelope.metadata = options.metadata.sorted { $0.key < $1.key }.map { key, value in
      var entry = MetadataEntry()
      entry.key = key
      entry.value = value
      return entry
    }
    envelope.payload = request.serializedBytes()
    var payload = channel.allocator.buffer(capacity: envelope.payload.count + envelope.method.utf8.count + 16)
    payload.writeProtoMessage(envelope)
    let frame = Frame(streamID: streamID, type: .request, payload: payload)
    channel.writeAndFlush(OutboundFrame.frame(frame)).whenFailure { [calls] error in
      _ = calls.fail(
        streamID,
        RPCError(code: .unavailable, message: "the connection is closed: \(error)", reason: "CONNECTION_CLOSED"))
    }
  }

  /// Abandons a call: tells the server, and fails the caller with CANCELLED.
  private func cancel(_ streamID: UInt32) {
    if calls.fail(streamID, RPCError(code: .cancelled, message: "the call was cancelled", reason: "CANCELLED")) {
      channel.writeAndFlush(
        OutboundFrame.frame(Frame(streamID: streamID, type: .cancel, payload: ByteBuffer())), promise: nil)
    }
  }
}

/// The responses of a server-streaming call.
public struct RPCResponseStream<Message: ProtoMessage>: AsyncSequence, Sendable {
  public typealias Element = Message
  let messages: AsyncThrowingStream<ByteBuffer, any Error>

  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator

    public mutating func next() async throws -> Message? {
      guard let buffer = try await base.next() else { return nil }
      do {
        return try buffer.decodeProtoMessage(as: Message.self)
      } catch {
        throw RPCError(
          code: .internal, message: "a response is not a valid \(Message.protoMessageName): \(error)",
          reason: "MALFORMED_RESPONSE")
      }
    }
  }

  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: messages.makeAsyncIterator())
  }
}
