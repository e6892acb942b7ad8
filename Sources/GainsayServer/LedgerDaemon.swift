import Foundation
public import GainsayCore
import GainsayProto
public import GainsayRPC
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
  public let ledger: Ledger
  public let configuration: DaemonConfiguration
  private let locks: [ExclusiveLock]
  private let store: SQLiteLedgerStore

  /// Checks (or creates) the socket and data folders: owned by the daemon's user and writable by no one
  /// else, else it refuses to start; refuses to share a socket or data directory with a live daemon;
  /// opens (and migrates) the ledger, and builds the server.
  public init(configuration: DaemonConfiguration, logger: Logger) throws {
    self.configuration = configuration
    guard configuration.socketPath.utf8.count < 108 else {
      throw ConfigurationError(
        "the socket path is \(configuration.socketPath.utf8.count) bytes; Linux allows at most 107: \(configuration.socketPath)"
      )
    }
    let socketDirectory = (configuration.socketPath as NSString).deletingLastPathComponent
    try PrivateDirectory.prepare(
      socketDirectory.isEmpty ? "." : socketDirectory, mode: configuration.policy.grantsOthers ? 0o711 : 0o700,
      existing: .keep, what: "socket folder")
    let socketLock = try ExclusiveLock(
      path: configuration.socketPath + ".lock", purpose: "the socket \(configuration.socketPath)")
    try PrivateDirectory.prepare(configuration.dataDirectory, mode: 0o700, existing: .tighten, what: "data folder")
    let dataLock = try ExclusiveLock(
      path: configuration.dataDirectory + "/gainsayd.lock", purpose: "the data directory \(configuration.dataDirectory)"
    )
    locks = [socketLock, dataLock]

    // A migration that rebuilds (the search index at an upgrade) says how far it has got.
    store = try SQLiteLedgerStore(path: configuration.databasePath) { [logger] message in
      logger.notice("\(message)", metadata: ["database": "\(configuration.databasePath)"])
    }
    ledger = Ledger(store: store, configuration: configuration.ledger)
    var serverConfiguration = RPCServerConfiguration(socketPath: configuration.socketPath)
    serverConfiguration.serverVersion = configuration.serverVersion
    serverConfiguration.maximumFrameSize = configuration.maximumFrameSize
    // Holding the socket's lock, any socket file there is a dead daemon's.
    serverConfiguration.replaceExistingSocketFile = true
    // Others reach the socket only if the policy gives them a role; the policy still checks every call.
    serverConfiguration.socketFileMode = configuration.policy.grantsOthers ? 0o666 : 0o600
    server = RPCServer(
      configuration: serverConfiguration,
      services: [LedgerRPCService(ledger: ledger, policy: configuration.policy)],
      access: LedgerAccessControl.make(policy: configuration.policy),
      logger: logger)
  }

  /// Closes the ledger after the server has stopped: a clean close lets the next start skip the full
  /// integrity check.
  public func close() throws {
    try store.close()
  }

}
