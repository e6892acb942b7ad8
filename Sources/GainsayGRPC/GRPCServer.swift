import GainsayProto
public import GainsayRPC
public import Logging
public import NIOCore
import NIOHTTP2
public import NIOPosix
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Serves the same services as an ``RPCServer`` as standard gRPC (HTTP/2, prior knowledge, no TLS) on a
/// Unix socket of its own, for `grpcurl`, `buf curl`, grpcio and every other gRPC client.
///
/// It shares the RPC server's handlers, access hooks and connection limits, so a call means the same on
/// both sockets: the caller's role comes from `SO_PEERCRED`, read as each connection is accepted; errors
/// carry the same codes, with their details as `google.rpc.Status` in `grpc-status-details-bin`. It
/// adds `grpc.health.v1.Health` and server reflection (`grpc.reflection.v1` and `v1alpha`).
///
/// HTTP/2 is served with swift-nio-http2 directly: grpc-swift's server transports hand their handlers
/// the peer only as an address string, with no way to carry the peer's credentials to them.
public final class GRPCServer: Sendable {
  /// The socket it listens on.
  public let socketPath: String
  private let services: GRPCServices
  private let admissions: ConnectionAdmissions
  private let logger: Logger
  private let eventLoopGroup: any EventLoopGroup
  private let lifecycle = Mutex(Lifecycle())

  private struct Lifecycle {
    var listener: (any Channel)?
    var shuttingDown = false
    var connections: [ObjectIdentifier: GRPCConnection] = [:]
  }

  /// A gRPC server for `rpcServer`'s services on `socketPath` (created with the RPC server's socket mode).
  public init(
    serving rpcServer: RPCServer, socketPath: String, logger: Logger,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
  ) {
    self.socketPath = socketPath
    self.admissions = rpcServer.admissions
    self.logger = logger
    self.eventLoopGroup = eventLoopGroup
    let router = rpcServer.router
    let served = router.serviceNames.union([GRPCHealth.serviceName]).union(GRPCReflection.serviceNames)
    self.services = GRPCServices(
      router: router, access: rpcServer.access, configuration: rpcServer.configuration,
      health: GRPCHealth(services: served),
      reflection: GRPCReflection(
        descriptorSets: [ProtoDescriptorSet.bytes, GRPCProtoDescriptorSet.bytes], services: Array(served)))
  }

  /// Binds the socket and serves until ``beginGracefulShutdown()`` has drained every connection, or the
  /// task is cancelled. `onListening` runs once the socket accepts connections.
  public func run(onListening: @Sendable () -> Void = {}) async throws {
    let configuration = services.configuration
    let socket = try UnixSocketBinding.bind(
      path: socketPath, mode: configuration.socketFileMode,
      replaceExistingSocket: configuration.replaceExistingSocketFile)
    let listener: any Channel
    do {
      listener = try await ServerBootstrap(group: eventLoopGroup)
        .serverChannelOption(.backlog, value: 256)
        .childChannelInitializer { [self] channel in
          RPCServer.peerCredentials(of: channel).flatMapThrowing { credentials in
            try self.configure(channel, peer: credentials)
          }
        }
        .withBoundSocket(socket).get()
    } catch {
      close(socket)
      unlink(socketPath)
      throw error
    }
    let alreadyShuttingDown = lifecycle.withLock { state in
      state.listener = listener
      return state.shuttingDown
    }
    if alreadyShuttingDown { try? await listener.close() }
    logger.debug("listening", metadata: ["socket": "\(socketPath)", "protocol": "grpc"])
    onListening()
    await withTaskCancellationHandler {
      try? await listener.closeFuture.get()
    } onCancel: {
      listener.close(promise: nil)
    }
    unlink(socketPath)
    // The listener is closed: wait for the connections to drain.
    while !lifecycle.withLock({ $0.connections.isEmpty }) {
      if Task.isCancelled {
        for connection in lifecycle.withLock({ Array($0.connections.values) }) { connection.channel.close(promise: nil) }
      }
      try? await Task.sleep(for: .milliseconds(20))
    }
  }

  /// Sets up an accepted connection: its class and admission, then HTTP/2 with a handler per stream.
  private func configure(_ channel: any Channel, peer: PeerCredentials) throws {
    let connectionClass = services.access.classify(peer)
    let refusal = admissions.admit(peer, as: connectionClass, channel: channel)
    let connection = GRPCConnection(
      peer: peer, connectionClass: connectionClass, refusal: refusal, channel: channel, services: services,
      logger: RPCServer.connectionLogger(logger, peer: peer))
    let id = ObjectIdentifier(connection)
    let draining = lifecycle.withLock { state in
      state.connections[id] = connection
      return state.shuttingDown
    }
    channel.closeFuture.whenComplete { [self] _ in _ = lifecycle.withLock { $0.connections.removeValue(forKey: id) } }

    let limit = services.configuration.maximumConcurrentCallsPerConnection
    var connectionConfiguration = NIOHTTP2Handler.ConnectionConfiguration()
    connectionConfiguration.initialSettings = [
      HTTP2Setting(parameter: .maxConcurrentStreams, value: min(limit, 1 << 20)),
      HTTP2Setting(parameter: .maxHeaderListSize, value: 16 * 1024),
      HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20),
    ]
    var streamConfiguration = NIOHTTP2Handler.StreamConfiguration()
    streamConfiguration.targetWindowSize = 1 << 20
    let sync = channel.pipeline.syncOperations
    try sync.addHandler(PrefaceDeadline(timeout: services.configuration.frameCompletionTimeout))
    _ = try sync.configureHTTP2Pipeline(
      mode: .server, connectionConfiguration: connectionConfiguration, streamConfiguration: streamConfiguration
    ) { stream in
      stream.eventLoop.makeCompletedFuture {
        try stream.pipeline.syncOperations.addHandler(GRPCStreamHandler(connection: connection))
      }
    }
    try sync.addHandler(connection.room)
    connection.startOneCallTimer()
    if draining { connection.beginDraining() }
  }

  /// Stops accepting connections, refuses new calls with UNAVAILABLE `DRAINING`, ends `Watch` streams
  /// at once, and closes each connection once its calls have finished; calls still running after the RPC
  /// server's `shutdownGracePeriod` end with UNAVAILABLE `DRAINING`. ``run(onListening:)`` returns when
  /// the last connection has closed.
  public func beginGracefulShutdown() {
    let gracePeriod = services.configuration.shutdownGracePeriod
    let (listener, connections, first) = lifecycle.withLock { state in
      defer { state.shuttingDown = true }
      return (state.listener, Array(state.connections.values), !state.shuttingDown)
    }
    listener?.close(promise: nil)
    for connection in connections { connection.beginDraining() }
    guard first else { return }
    Task { [self] in
      try? await Task.sleep(for: gracePeriod)
      for connection in lifecycle.withLock({ Array($0.connections.values) }) { connection.endRemainingCalls() }
    }
  }
}
