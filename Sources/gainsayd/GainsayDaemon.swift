public import ArgumentParser
import Foundation
import GainsayRPC
public import Logging
import ServiceLifecycle
import UnixSignals

/// `gainsayd`: the daemon that owns the ledger and serves it on a Unix domain socket.
@main
struct GainsayDaemon: AsyncParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "gainsayd",
    abstract: "Serve the Gainsay claim ledger on a Unix domain socket.",
    discussion: """
      Runs in the foreground and logs to standard error. Stops gracefully on SIGTERM or SIGINT:
      it stops accepting connections, lets calls in flight finish (for at most 10 seconds) and
      removes its socket.
      """,
    version: version
  )

  @Option(help: "The socket to listen on (env GAINSAY_SOCKET; default $XDG_RUNTIME_DIR/gainsay/gainsayd.sock).")
  var socket: String?

  @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
  var logLevel: Logger.Level = .info

  func run() async throws {
    let level = logLevel
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
    let logger = Logger(label: "gainsayd")
    let socketPath = try await DaemonPaths.prepareSocket(socket ?? DefaultSocketPath.resolved)

    var configuration = RPCServerConfiguration(socketPath: socketPath)
    configuration.serverVersion = Self.version
    configuration.replaceExistingSocketFile = true
    let server = RPCServer(configuration: configuration, services: [], logger: logger)
    var groupConfiguration = ServiceGroupConfiguration(
      services: [.init(service: RPCServerService(server: server, logger: logger))],
      gracefulShutdownSignals: [.sigterm, .sigint],
      cancellationSignals: [],
      logger: logger
    )
    // Calls still running after this long (e.g. open Watch streams) are cancelled.
    groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
    try await ServiceGroup(configuration: groupConfiguration).run()
  }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
