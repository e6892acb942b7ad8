public import GainsayProto
public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Serves RPCs on a Unix domain socket: many concurrent calls per connection, unary and
/// server-streaming, with deadlines, cancellation and the built-in `gainsay.v1.Meta` service.
///
/// Each connection runs in its own child task; a misbehaving client only ever loses its own connection.
public final class RPCServer: Sendable {
  public let configuration: RPCServerConfiguration
  /// Every method served, the built-in `gainsay.v1.Meta` included (the gRPC server serves the same).
  package let router: RPCRouter
  private let logger: Logger
  private let eventLoopGroup: any EventLoopGroup
  private let lifecycle = Mutex(Lifecycle())
  /// Shared with the gRPC server, so the connection limits count both sockets together.
  package let admissions: ConnectionAdmissions
  package let access: RPCAccessControl

  private struct Lifecycle {
    var listener: (any Channel)?
    var shuttingDown = false
    var connections: [ObjectIdentifier: ServerConnection] = [:]
  }

  /// - Parameters:
  ///   - services: the services to serve besides the built-in `gainsay.v1.Meta`.
  ///   - access: how connections are classed and calls authorized, before any request is decoded.
  ///   - healthDetails: adds what the application knows to a `Meta/Health` answer that asks for it
  ///     (`include_integrity`, the ledger's integrity); runs on the event loop, so it must only read memory.
  public init(
    configuration: RPCServerConfiguration,
    services: [any RPCService],
    access: RPCAccessControl = .open,
    healthDetails: @escaping @Sendable (inout HealthResponse) -> Void = { _ in },
    logger: Logger,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
  ) {
    self.configuration = configuration
    self.logger = logger
    self.eventLoopGroup = eventLoopGroup
    self.access = access
    self.admissions = ConnectionAdmissions(configuration: configuration)
    var router = RPCRouter()
    for service in services { router.register(service) }
    router.register(BuiltInMetaService(configuration: configuration, router: router, healthDetails: healthDetails))
    self.router = router
  }

  /// Binds the socket and serves until ``beginGracefulShutdown()`` has drained every connection, or the
  /// task is cancelled. `onListening` runs once the socket accepts connections.
  public func run(onListening: @Sendable () -> Void = {}) async throws {
    let path = configuration.socketPath
    let maximumFrameSize = configuration.maximumFrameSize
    let router = self.router
    let admissions = self.admissions
    let access = self.access
    let logger = self.logger
    let frameTimeout = TimeAmount.nanoseconds(
      configuration.frameCompletionTimeout.components.seconds * 1_000_000_000
        + configuration.frameCompletionTimeout.components.attoseconds / 1_000_000_000)
    // The socket file gets its mode as bind(2) creates it; nothing is changed by path afterwards.
    let socket = try UnixSocketBinding.bind(
      path: path, mode: configuration.socketFileMode,
      replaceExistingSocket: configuration.replaceExistingSocketFile)
    let listener: NIOAsyncChannel<Accepted, Never>
    do {
      listener = try await ServerBootstrap(group: eventLoopGroup)
        .serverChannelOption(.backlog, value: 256)
        .childChannelOption(.allowRemoteHalfClosure, value: true)
        .bind(socket) { channel in
          Self.peerCredentials(of: channel).flatMapThrowing { credentials -> Accepted in
            let connectionClass = access.classify(credentials)
            if let refusal = admissions.admit(credentials, as: connectionClass, channel: channel) {
              try channel.pipeline.syncOperations.addHandlers(
                MessageToByteHandler(FrameEncoder()), RefusedConnectionHandler(refusal: refusal))
              return .refused
            }
            let state = ConnectionState()
            let prefaceWritten = channel.eventLoop.makePromise(of: Void.self)
            try channel.pipeline.syncOperations.addHandlers(
              SlowFrameGuard(limit: frameTimeout),
              ByteToMessageHandler(FrameDecoder(expectsPreface: true, maximumPayloadSize: maximumFrameSize)),
              MessageToByteHandler(FrameEncoder()),
              InlineCallHandler(
                router: router, state: state, maximumFrameSize: maximumFrameSize, prefaceWritten: prefaceWritten,
                access: access, peer: credentials, connectionClass: connectionClass,
                logger: Self.connectionLogger(logger, peer: credentials))
            )
            let channel = try NIOAsyncChannel<ServerInbound, OutboundFrame>(
              wrappingChannelSynchronously: channel)
            return .connection(
              AcceptedConnection(
                channel: channel, state: state, prefaceWritten: prefaceWritten.futureResult, peer: credentials,
                connectionClass: connectionClass))
          }
        }
    } catch {
      close(socket)
      unlink(path)
      throw error
    }
    defer { unlink(path) }
    let alreadyShuttingDown = lifecycle.withLock { state in
      state.listener = listener.channel
      return state.shuttingDown
    }
    if alreadyShuttingDown { try? await listener.channel.close() }
    logger.debug("listening", metadata: ["socket": "\(path)"])
    onListening()

    try await withThrowingDiscardingTaskGroup { group in
      try await listener.executeThenClose { inbound in
        for try await result in inbound {
          guard case .connection(let accepted) = result else { continue }
          let connection = ServerConnection(
            channel: accepted.channel, state: accepted.state, prefaceWritten: accepted.prefaceWritten,
            peer: accepted.peer, router: router, configuration: configuration, access: access,
            connectionClass: accepted.connectionClass, logger: logger)
          let draining = lifecycle.withLock { state in
            state.connections[ObjectIdentifier(connection)] = connection
            return state.shuttingDown
          }
          group.addTask {
            if draining { connection.beginDraining() }
            await connection.run()
            _ = self.lifecycle.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
          }
        }
      }
    }
  }

  /// Stops accepting connections, refuses new calls with UNAVAILABLE `DRAINING`, ends `Watch`-like
  /// streams at once, and closes each connection once its in-flight calls have finished. Calls still
  /// running after ``RPCServerConfiguration/shutdownGracePeriod`` are ended with UNAVAILABLE `DRAINING`.
  /// ``run(onListening:)`` returns when the last connection is closed.
  public func beginGracefulShutdown() {
    let gracePeriod = configuration.shutdownGracePeriod
    let (listener, connections, first) = lifecycle.withLock { state in
      defer { state.shuttingDown = true }
      return (state.listener, Array(state.connections.values), !state.shuttingDown)
    }
    listener?.close(promise: nil)
    for connection in connections { connection.beginDraining() }
    guard first else { return }
    Task { [self] in
      try? await Task.sleep(for: gracePeriod)
      let remaining = lifecycle.withLock { Array($0.connections.values) }
      if !remaining.isEmpty {
        logger.info("shutting down: ending the calls still running after \(gracePeriod)")
      }
      for connection in remaining { connection.endRemainingCalls() }
    }
  }

  /// What the channel initializer hands to the accept loop: a connection to serve, or one refused.
  private enum Accepted: Sendable {
    case connection(AcceptedConnection)
    case refused
  }

  /// What the channel initializer hands to the accept loop for a connection to serve.
  private struct AcceptedConnection: Sendable {
    let channel: NIOAsyncChannel<ServerInbound, OutboundFrame>
    let state: ConnectionState
    let prefaceWritten: EventLoopFuture<Void>
    let peer: PeerCredentials
    let connectionClass: ConnectionClass
  }

  /// The logger of one connection: every line names its peer.
  package static func connectionLogger(_ logger: Logger, peer: PeerCredentials) -> Logger {
    var logger = logger
    logger[metadataKey: "peer"] = "\(peer)"
    return logger
  }

  /// Reads `SO_PEERCRED` of an accepted connection.
  package static func peerCredentials(of channel: any Channel) -> EventLoopFuture<PeerCredentials> {
    guard let provider = channel as? any SocketOptionProvider else {
      return channel.eventLoop.makeFailedFuture(
        RPCError(code: .internal, message: "the channel cannot report its peer's credentials"))
    }
    let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
      level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
    return future.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
  }
}
