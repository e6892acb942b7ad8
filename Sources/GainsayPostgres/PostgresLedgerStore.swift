import Foundation
public import GainsayCore
import GainsayStore
import Logging
import PostgresNIO
import Synchronization

/// The ledger in PostgreSQL, for many daemons sharing one ledger (docs/SCALING.md).
///
/// Create it with ``connect(url:password:logger:progress:)``, which starts the connection pool's background
/// task, runs the migrations and starts listening for other daemons' changes; end it with ``close()``.
///
/// Every write is one READ COMMITTED transaction that first takes the transaction-scoped advisory lock
/// ``auditLock``: writes from every daemon are serialized there, so audit sequences are allocated as
/// max + 1 in commit order, with no gap a reader could see, and the checks a write makes (names taken,
/// links already made) cannot race another daemon's write. Records are stored as serialized protobuf
/// (`bytea`), exactly as the SQLite store keeps them.
public final class PostgresLedgerStore: SharedLedgerStore {
  let client: PostgresClient
  let logger: Logger
  /// The URL as given (it holds no password), for error messages.
  public let url: String
  /// Where the connection goes, for the listener's own connection and for diagnosing failures.
  let configuration: PostgresClient.Configuration
  /// How long a call waits for a connection before failing with UNAVAILABLE.
  let acquireTimeout: Duration
  /// The pool's `run()`, and the LISTEN connection's loop.
  let tasks = Mutex<[Task<Void, Never>]>([])
  /// Wakes ``waitForChanges(after:timeout:)``.
  let wakeups = AuditWakeups()
  /// Speakers' names by name key, for search (loaded again when a name changes).
  let speakerNames = Mutex<SpeakerNameKeys?>(nil)
  /// The most matches a search ranks: past it, only the most recent matches (as in the SQLite store).
  public let rankedMatchLimit: Int

  init(
    client: PostgresClient, configuration: PostgresClient.Configuration, url: String, logger: Logger,
    acquireTimeout: Duration, rankedMatchLimit: Int
  ) {
    self.client = client
    self.configuration = configuration
    self.url = url
    self.logger = logger
    self.acquireTimeout = acquireTimeout
    self.rankedMatchLimit = max(1, rankedMatchLimit)
  }

  /// The key of the advisory lock every write transaction holds to its commit (any constant: "gainsay" in ASCII).
  static let auditLock: Int64 = 0x6761_696E_7361_79
  /// The key of the session advisory lock held while migrating.
  static let migrationLock: Int64 = 0x6761_696E_7361_7A
  /// The channel of the wake-ups sent at each write's commit; the payload is the last sequence written.
  static let channel = "gainsay_audit"

  /// Refused: PostgreSQL has its own backup tools, which see the whole cluster consistently.
  public func withBackupSnapshot<T: Sendable>(_ body: (_ file: BackupSnapshot) async throws -> T) async throws -> T {
    throw LedgerError(
      .failedPrecondition,
      "a PostgreSQL ledger is backed up with PostgreSQL's tools (pg_dump, base backups and WAL archiving): "
        + "see docs/SCALING.md")
  }
}
