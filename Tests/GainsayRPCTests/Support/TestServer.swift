import Foundation
import GainsayProto
import GainsayRPC
import GainsayTestSupport
import Logging
import NIOCore
import NIOPosix

/// Runs an RPC server with the test ledger on a fresh socket in a short temp directory for `body`.
func withTestServer(
  configure: (inout RPCServerConfiguration) -> Void = { _ in },
  access: RPCAccessControl = .open,
  eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
  _ body: (_ socketPath: String, _ ledger: TestLedger) async throws -> Void
) async throws {
  let directory = try makeShortTempDirectory()
  defer { try? FileManager.default.removeItem(atPath: directory) }
  var configuration = RPCServerConfiguration(socketPath: directory + "/t.sock")
  configuration.serverVersion = "test"
  configure(&configuration)
  let ledger = TestLedger()
  var logger = Logger(label: "test-server")
  logger.logLevel = .critical
  let server = RPCServer(
    configuration: configuration, services: [ledger], access: access, logger: logger, eventLoopGroup: eventLoopGroup)
  try await withThrowingTaskGroup(of: Void.self) { group in
    let (listening, listeningContinuation) = AsyncStream<Void>.makeStream()
    group.addTask {
      try await server.run(onListening: { listeningContinuation.finish() })
    }
    for await _ in listening {}
    do {
      try await body(configuration.socketPath, ledger)
    } catch {
      group.cancelAll()
      throw error
    }
    server.beginGracefulShutdown()
    try await group.waitForAll()
  }
}
