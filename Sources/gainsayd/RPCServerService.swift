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
