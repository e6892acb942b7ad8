public import ArgumentParser
import Foundation
import GainsayRPC
import GainsayServer
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
      it stops accepting connections, ends Watch streams (UNAVAILABLE DRAINING, so clients \
      resume elsewhere), lets other calls in flight finish for at most 10 seconds, ends those \
      still running with UNAVAILABLE DRAINING, and removes its socket. A second daemon on the same socket or data directory refuses to start.
      """,
    version: version
  )

  @Option(help: "The socket to listen on (env GAINSAY_SOCKET; default $XDG_RUNTIME_DIR/gainsay/gainsayd.sock).")
  var socket: String?

  @Option(
    help: ArgumentHelp(
      "Where to serve standard gRPC (HTTP/2), or \"off\" (env GAINSAY_GRPC_SOCKET; default beside the socket: gainsayd.grpc.sock).",
      valueName: "path|off"))
  var grpcSocket: String?

  @Option(help: "Where the ledger lives (env GAINSAY_DATA_DIR; default $XDG_DATA_HOME/gainsay).")
  var dataDir: String?

  @Option(
    help: ArgumentHelp(
      "Where the ledger lives: sqlite (the default, in the data folder) or a PostgreSQL URL shared by many daemons.",
      discussion: "e.g. postgres:///gainsay?host=/run/postgresql (env GAINSAY_STORE). No password in the URL: "
        + "give it in a file (\"storePasswordFile\" in the config, or GAINSAY_STORE_PASSWORD_FILE) or in "
        + "GAINSAY_STORE_PASSWORD. See docs/SCALING.md.",
      valueName: "store"))
  var store: String?

  @Option(help: "A JSON config file: roles, rating scale, publisher (see docs/OPERATIONS.md).")
  var config: String?

  @Flag(
    help: ArgumentHelp(
      "Check the ledger database (the full PRAGMA integrity_check), print the outcome and exit: 0 sound, 1 damaged or unreadable.",
      discussion: "Reads only, at the lowest CPU priority; a daemon may be serving the ledger meanwhile."))
  var check = false

  @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
  var logLevel: Logger.Level = .info

  func run() async throws {
    // Files the daemon creates (database, lock files, socket) are private unless made otherwise.
    umask(0o077)
    // Room for the connection limits (1,000 connections) plus the database's files: raise the soft limit
    // on open files to the hard one, as far as 65,536.
    var files = rlimit()
    if getrlimit(RLIMIT_NOFILE_VALUE, &files) == 0, files.rlim_cur < min(files.rlim_max, 65_536) {
      files.rlim_cur = min(files.rlim_max, 65_536)
      _ = setrlimit(RLIMIT_NOFILE_VALUE, &files)
    }
    let level = logLevel
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
    let logger = Logger(label: "gainsayd")
    var configuration = DaemonConfiguration(
      socketPath: DefaultSocketPath.resolved, dataDirectory: DaemonConfiguration.defaultDataDirectory,
      policy: AccessPolicy(ownerUID: getuid()))
    configuration.serverVersion = Self.version
    let daemon: LedgerDaemon
    do {
      // The environment, then the config file, then the flags: each wins over the one before.
      if let location = ProcessInfo.processInfo.environment["GAINSAY_STORE"], !location.isEmpty {
        configuration.store = try StoreLocation(parsing: location)
      }
      if let grpc = ProcessInfo.processInfo.environment["GAINSAY_GRPC_SOCKET"], !grpc.isEmpty {
        configuration.grpcSocket = .init(parsing: grpc)
      }
      if let config { try configuration.apply(configFile: config) }
      if let socket { configuration.socketPath = socket }
      if let grpcSocket { configuration.grpcSocket = .init(parsing: grpcSocket) }
      if let dataDir { configuration.dataDirectory = dataDir }
      if let store { configuration.store = try StoreLocation(parsing: store) }
      if check { return try await checkIntegrity(configuration) }
      daemon = try await LedgerDaemon.open(configuration: configuration, logger: logger)
    } catch let exit as ExitCode {
      throw exit
    } catch {
      FileHandle.standardError.write(Data("gainsayd: \(error)\n".utf8))
      throw ExitCode(1)
    }
    switch configuration.store {
    case .embedded: logger.info("ledger at \(configuration.databasePath)")
    case .postgres(let url): logger.info("ledger in PostgreSQL at \(url), shared with any other daemon there")
    }

    daemon.startIntegrityCheckIfDue(logger: logger)
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
      .init(service: RPCServerService(server: daemon.server, grpc: daemon.grpcServer, logger: logger))
    ]
    services.append(
      .init(
        service: RepeatSearchService(
          ledger: daemon.ledger, poll: daemon.follower == nil ? nil : .seconds(1), logger: logger),
        successTerminationBehavior: .ignore))
    if let follower = daemon.follower {
      // Ends with the server: when the server stops, the group cancels the follower.
      services.append(.init(service: ChangeFeedService(follower: follower), successTerminationBehavior: .ignore))
    }
    var groupConfiguration = ServiceGroupConfiguration(
      services: services,
      gracefulShutdownSignals: [.sigterm, .sigint],
      cancellationSignals: [],
      logger: logger
    )
    // The server ends calls still running 10 s into the drain (RPCServer.beginGracefulShutdown); this
    // is the backstop if that does not close every connection.
    groupConfiguration.maximumGracefulShutdownDuration = .seconds(15)
    try await ServiceGroup(configuration: groupConfiguration).run()
    do {
      try await daemon.shutdown()
    } catch {
      logger.error("\(error)")
    }
  }
}

extension GainsayDaemon {
  /// `gainsayd --check`: the full check of the ledger database, its outcome on standard output.
  func checkIntegrity(_ configuration: DaemonConfiguration) async throws {
    let clock = ContinuousClock()
    let started = clock.now
    let problems = try await LedgerDaemon.checkIntegrity(configuration: configuration)
    let elapsed = clock.now - started
    let seconds = String(
      format: "%.1f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    if problems.isEmpty {
      print("\(configuration.databasePath): sound (PRAGMA integrity_check: ok, \(seconds) s)")
      return
    }
    print("\(configuration.databasePath): DAMAGED (PRAGMA integrity_check, \(seconds) s):")
    for problem in problems { print("  \(problem)") }
    print("restore the latest backup (docs/OPERATIONS.md, \"Backups\")")
    throw ExitCode(1)
  }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `RLIMIT_NOFILE` as the type getrlimit takes on this libc.
private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
