import GainsayCore
import GainsayGRPC
import GainsayRPC
import Logging
import ServiceLifecycle

/// Runs the RPC server, and the gRPC server beside it, as one lifecycle service: graceful shutdown drains
/// both at once (ServiceLifecycle would stop two services one after the other, leaving the second
/// socket accepting calls while the first drains).
struct RPCServerService: Service {
  let server: RPCServer
  let grpc: GRPCServer?
  let logger: Logger

  func run() async throws {
    let path = server.configuration.socketPath
    try await withGracefulShutdownHandler {
      try await withThrowingDiscardingTaskGroup { group in
        group.addTask {
          try await server.run(onListening: { logger.info("gainsayd listening on \(path)") })
        }
        if let grpc {
          group.addTask {
            try await grpc.run(onListening: { logger.info("gainsayd serving gRPC on \(grpc.socketPath)") })
          }
        }
      }
    } onGracefulShutdown: {
      logger.info("shutting down: finishing the calls in flight")
      server.beginGracefulShutdown()
      grpc?.beginGracefulShutdown()
    }
    logger.info("stopped; removed \(path)\(grpc.map { " and \($0.socketPath)" } ?? "")")
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

/// Searches new claims for repeats in the background (``Ledger/searchRepeats(poll:report:)``); stops at
/// graceful shutdown, where a search cut short is resumed at the next start.
struct RepeatSearchService: Service {
  let ledger: Ledger
  /// Set for a shared store: how often to look for the claims other daemons created.
  let poll: Duration?
  let logger: Logger

  func run() async throws {
    await cancelWhenGracefulShutdown {
      await ledger.searchRepeats(poll: poll) { message in logger.warning("\(message)") }
    }
  }
}
