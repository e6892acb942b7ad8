import Foundation
public import GainsayCore
public import GainsayGRPC
import GainsayProto
public import GainsayRPC
import GainsayPostgres
import GainsayStore
public import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// The daemon assembled from its configuration: locks taken, ledger opened, server ready to run.
///
/// Tests build it on temporary paths exactly as `gainsayd` does.
public final class LedgerDaemon: Sendable {
  public let server: RPCServer
  /// The same services as standard gRPC on ``DaemonConfiguration/grpcSocketPath``; nil when it is off.
  public let grpcServer: GRPCServer?
  public let ledger: Ledger
  public let configuration: DaemonConfiguration
  private let locks: [ExclusiveLock]
  private let store: any LedgerStore
  /// Feeds `Watch` from the audit log when other daemons share the store; nil for the embedded store.
  public let follower: ChangeFeedFollower?

  /// The daemon on the embedded store: checks (or creates) the socket and data folders (owned by the
  /// daemon's user and writable by no one else, else it refuses to start), refuses to share a socket or
  /// data directory with a live daemon, opens (and migrates) the ledger, and builds the server.
  ///
  /// A daemon on PostgreSQL connects first: ``open(configuration:logger:)``.
  public convenience init(configuration: DaemonConfiguration, logger: Logger) throws {
    guard configuration.store == .embedded else {
      throw ConfigurationError("the store \(configuration.store) is opened with LedgerDaemon.open")
    }
    let locks = try Self.lockFolders(configuration, data: true)
    // A migration that rebuilds (the search index at an upgrade) says how far it has got.
    let store = try SQLiteLedgerStore(path: configuration.databasePath) { [logger] message in
      logger.notice("\(message)", metadata: ["database": "\(configuration.databasePath)"])
    }
    self.init(configuration: configuration, store: store, locks: locks, logger: logger)
  }

  /// The daemon on the store its configuration names: the embedded SQLite ledger, or a PostgreSQL ledger
  /// shared with other daemons (connected to, and migrated once whichever daemon comes first).
  public static func open(configuration: DaemonConfiguration, logger: Logger) async throws -> LedgerDaemon {
    switch configuration.store {
    case .embedded:
      return try LedgerDaemon(configuration: configuration, logger: logger)
    case .postgres(let url):
      // The data folder holds nothing of a shared ledger: only the socket's folder and lock are the daemon's.
      let locks = try lockFolders(configuration, data: false)
      let password = try StoreLocation.password(file: configuration.storePasswordFile)
      let store = try await PostgresLedgerStore.connect(url: url, password: password, logger: logger) {
        [logger] message in logger.notice("\(message)", metadata: ["store": "\(url)"])
      }
      return LedgerDaemon(configuration: configuration, store: store, locks: locks, logger: logger)
    }
  }

  /// Checks (or creates) the socket's folder, and the data folder when the ledger lives there, and takes
  /// their locks.
  private static func lockFolders(_ configuration: DaemonConfiguration, data: Bool) throws -> [ExclusiveLock] {
    guard configuration.socketPath.utf8.count < 108 else {
      throw ConfigurationError(
        "the socket path is \(configuration.socketPath.utf8.count) bytes; Linux allows at most 107: \(configuration.socketPath)"
      )
    }
    let socketDirectory = (configuration.socketPath as NSString).deletingLastPathComponent
    try PrivateDirectory.prepare(
      socketDirectory.isEmpty ? "." : socketDirectory, mode: configuration.policy.grantsOthers ? 0o711 : 0o700,
      existing: .keep, what: "socket folder")
    var locks = [
      try ExclusiveLock(path: configuration.socketPath + ".lock", purpose: "the socket \(configuration.socketPath)")
    ]
    if let grpc = configuration.grpcSocketPath {
      guard grpc.utf8.count < 108, grpc != configuration.socketPath else {
        throw ConfigurationError(
          "the gRPC socket path must differ from the socket and be at most 107 bytes (it is \(grpc.utf8.count)): \(grpc)")
      }
      let grpcDirectory = (grpc as NSString).deletingLastPathComponent
      if grpcDirectory != socketDirectory {
        try PrivateDirectory.prepare(
          grpcDirectory.isEmpty ? "." : grpcDirectory, mode: configuration.policy.grantsOthers ? 0o711 : 0o700,
          existing: .keep, what: "gRPC socket folder")
      }
      locks.append(try ExclusiveLock(path: grpc + ".lock", purpose: "the gRPC socket \(grpc)"))
    }
    guard data else { return locks }
    try PrivateDirectory.prepare(configuration.dataDirectory, mode: 0o700, existing: .tighten, what: "data folder")
    let dataLock = try ExclusiveLock(
      path: configuration.dataDirectory + "/gainsayd.lock", purpose: "the data directory \(configuration.dataDirectory)"
    )
    return locks + [dataLock]
  }

  private init(configuration: DaemonConfiguration, store: any LedgerStore, locks: [ExclusiveLock], logger: Logger) {
    self.configuration = configuration
    self.store = store
    self.locks = locks
    var ledgerConfiguration = configuration.ledger
    ledgerConfiguration.maximumResponseBytes = configuration.maximumFrameSize
    let ledger = Ledger(store: store, configuration: ledgerConfiguration)
    self.ledger = ledger
    follower = (store as? any SharedLedgerStore).map { shared in
      ChangeFeedFollower(store: shared, feed: ledger.feed) { message in logger.warning("\(message)") }
    }
    var serverConfiguration = RPCServerConfiguration(socketPath: configuration.socketPath)
    serverConfiguration.serverVersion = configuration.serverVersion
    serverConfiguration.maximumFrameSize = configuration.maximumFrameSize
    // Holding the socket's lock, any socket file there is a dead daemon's.
    serverConfiguration.replaceExistingSocketFile = true
    // Others reach the socket only if the policy gives them a role; the policy still checks every call.
    serverConfiguration.socketFileMode = configuration.policy.grantsOthers ? 0o666 : 0o600
    let server = RPCServer(
      configuration: serverConfiguration,
      services: [LedgerRPCService(ledger: ledger, policy: configuration.policy)],
      access: LedgerAccessControl.make(policy: configuration.policy),
      healthDetails: { [store] response in response.integrity = store.integrityReport },
      logger: logger)
    self.server = server
    grpcServer = configuration.grpcSocketPath.map { GRPCServer(serving: server, socketPath: $0, logger: logger) }
  }

  /// The full integrity check of the embedded ledger's database file (`gainsayd --check`), read-only and
  /// without the daemon's locks: SQLite's problems, empty when it is sound.
  public static func checkIntegrity(configuration: DaemonConfiguration) async throws -> [String] {
    guard configuration.store == .embedded else {
      throw ConfigurationError(
        "the ledger is in PostgreSQL, which checks its own pages: use its amcheck extension (docs/SCALING.md)")
    }
    let path = configuration.databasePath
    var info = stat()
    guard lstat(path, &info) == 0 else {
      throw ConfigurationError("there is no ledger database at \(path): \(String(cString: strerror(errno)))")
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw ConfigurationError("\(path) is not a regular file (a symbolic link, a folder?): refusing to read it")
    }
    return try await IntegrityCheck.run(path: path, full: true)
  }

  /// After an unclean stop (the embedded store was not sealed), checks the database in the background
  /// while the daemon serves: progress and outcome in the log and in `Health`; damage makes the ledger
  /// refuse writes. Returns at once; does nothing when no check is due.
  public func startIntegrityCheckIfDue(logger: Logger) {
    guard let embedded = store as? SQLiteLedgerStore, embedded.integrityCheckDue else { return }
    Task(priority: .background) {
      await embedded.checkIntegrityInBackground { damaged, message in
        if damaged { logger.error("\(message)") } else { logger.notice("\(message)") }
      }
    }
  }

  /// Closes the ledger after the server has stopped: a clean close lets the next start skip the full
  /// integrity check.
  public func close() throws {
    guard let embedded = store as? SQLiteLedgerStore else {
      throw ConfigurationError("a shared store is closed with shutdown()")
    }
    try embedded.close()
  }

  /// Closes the ledger, whichever store holds it, after the server has stopped. A PostgreSQL store gets
  /// `sharedCloseTimeout` to close its connections (every acknowledged write is already committed there):
  /// a database that went away while the daemon stopped must not keep the daemon from exiting.
  public func shutdown(sharedCloseTimeout: Duration = .seconds(5)) async throws {
    guard let shared = store as? PostgresLedgerStore else { return try close() }
    // Not a task group: a group would wait for a close that hangs. Whichever answers first wins.
    let (outcome, answer) = AsyncStream<Bool>.makeStream()
    Task {
      await shared.close()
      answer.yield(true)
    }
    Task {
      try? await Task.sleep(for: sharedCloseTimeout)
      answer.yield(false)
    }
    var answers = outcome.makeAsyncIterator()
    let closed = await answers.next() ?? false
    answer.finish()
    if !closed {
      throw ConfigurationError(
        "the PostgreSQL connections did not close within \(sharedCloseTimeout); exiting anyway (nothing "
          + "acknowledged is lost: every acknowledged write was committed by PostgreSQL)")
    }
  }

}
