import GainsayCore
import GainsayGRPC
import GainsayRPC
import Logging
import ServiceLifecycle

/// Runs the RPC server as a lifecycle service: graceful shutdown drains it.
struct RPCServerService: Service {
  let server: RPCServer
  let logger: Logger

  func run() async throws {
    let path = server.configuration.socketPath
    try await withGracefulShutdownHandler {
      try await server.run(onListening: { logger.info("gainsayd listening on \(path)") })
    } onGracefulShutdown: {
      logger.info("shutting down: finishing the calls in flight")
      server.beginGracefulShutdown()
    }
    logger.info("stopped; removed \(path)")
  }
}

/// Runs the gRPC server as a lifecycle service, drained with the RPC server.
struct GRPCServerService: Service {
  let server: GRPCServer
  let logger: Logger

  func run() async throws {
    let path = server.socketPath
    try await withGracefulShutdownHandler {
      try await server.run(onListening: { logger.info("gainsayd serving gRPC on \(path)") })
    } onGracefulShutdown: {
      server.beginGracefulShutdown()
    }
  }
}

/// Publishes every daemon's changes to this daemon's `Watch` streams (a shared store only); stops at
/// graceful shutdown.
struct ChangeFeedService: Service {
  let follower: ChangeFeedFollower

  func run() async throws {
    await cancelWhenGracefulShutdown { await follower.run() }
  }
}
