import Foundation
import GainsayCore
public import Logging
import PostgresNIO
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Connecting: the URL, the pool and its background task, leases with a deadline, transactions, errors.
extension PostgresLedgerStore {
  /// Connects to the ledger at `url`, migrates it to the current schema (once, whichever daemon comes
  /// first: under a session advisory lock) and starts listening for other daemons' changes.
  ///
  /// `url` is `postgres:///DBNAME?host=/socket/dir&user=NAME[&port=5432]` (a Unix socket) or
  /// `postgres://USER@HOST[:PORT]/DBNAME` (TCP, without TLS). A password never goes in the URL: pass it
  /// as `password` (from a file or the environment). The pool's background task runs until ``close()``.
  public static func connect(
    url: String, password: String?, logger: Logger, acquireTimeout: Duration = .seconds(5),
    rankedMatchLimit: Int = 1_500, progress: @escaping @Sendable (String) -> Void = { _ in }
  ) async throws -> PostgresLedgerStore {
    var configuration = try PostgresURL.configuration(url, password: password)
    configuration.options.additionalStartupParameters = [
      // Durability: a commit is acknowledged only once PostgreSQL has flushed it (checked below).
      ("synchronous_commit", "on"), ("application_name", "gainsayd"),
      // A cancelled call closes its connection (``lease(mappingErrors:_:)``): the server notices within a
      // second and stops the statement instead of running it to its end.
      ("client_connection_check_interval", "1000"),
    ]
    configuration.options.minimumConnections = 1
    configuration.options.maximumConnections = 16
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    let store = PostgresLedgerStore(
      client: client, configuration: configuration, url: url, logger: logger, acquireTimeout: acquireTimeout,
      rankedMatchLimit: rankedMatchLimit)
    store.tasks.withLock { $0.append(Task { await client.run() }) }
    do {
      let synchronous = try await store.read { db in
        try await db.one("SHOW synchronous_commit")?.decode(String.self) ?? "?"
      }
      guard synchronous == "on" else {
        throw LedgerError(
          .failedPrecondition, "the ledger database at \(url) has synchronous_commit = \(synchronous); it must be on")
      }
      try await store.migrate(progress: progress)
    } catch {
      await store.close()
      throw error
    }
    store.startListening()
    return store
  }

  /// Stops listening and closes every connection. Nothing may use the store afterwards.
  public func close() async {
    let running = tasks.withLock { tasks in
      defer { tasks = [] }
      return tasks
    }
    for task in running.reversed() {
      task.cancel()
      await task.value
    }
    wakeups.wakeAll()
  }

  // MARK: - Leases and transactions

  /// Runs `body` on a leased connection, without a transaction of its own. Fails with UNAVAILABLE when no
  /// connection comes within ``acquireTimeout`` (PostgreSQL is down, or every connection is busy).
  func lease<T: Sendable>(
    mappingErrors: Bool = true, _ body: @escaping @Sendable (PGConnection) async throws -> T
  ) async throws -> T {
    let state = LeaseState()
    let once = ResumeOnce<T>()
    let (client, logger, timeout) = (client, logger, acquireTimeout)
    do {
      // Not a task group: a group would wait for a lease request the pool has not answered yet. A request
      // left behind gives its connection back as soon as it gets one.
      let leased = Task {
        do {
          let value = try await client.withConnection { connection in
            guard state.move(from: .waiting, to: .leased) else { throw CancellationError() }
            // postgres-nio lets a query run on when its task is cancelled (a deadline passed, a client
            // went away): closing the connection ends it here, and PostgreSQL, checking its client every
            // second (`client_connection_check_interval`), stops the statement and rolls back. The pool
            // replaces the connection.
            let db = PGConnection(connection: connection, logger: logger)
            let result: Result<T, any Error>
            do {
              result = .success(
                try await withTaskCancellationHandler {
                  try await body(db)
                } onCancel: {
                  db.closing.close(connection)
                })
            } catch {
              result = .failure(error)
            }
            await db.closing.finished()
            return try result.get()
          }
          once.resume(with: .success(value))
        } catch {
          once.resume(with: .failure(error))
        }
      }
      let timer = Task {
        try? await Task.sleep(for: timeout)
        if state.move(from: .waiting, to: .expired) { once.resume(with: .failure(LeaseTimeout())) }
      }
      defer { timer.cancel() }
      return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in once.set(continuation) }
      } onCancel: {
        leased.cancel()
      }
    } catch is LeaseTimeout {
      throw LedgerError(.unavailable, "the ledger database at \(url) is unavailable: \(await diagnose())")
    } catch {
      throw mappingErrors ? storeError(error) : error
    }
  }

  struct LeaseTimeout: Error {}

  enum Lease { case waiting, leased, expired }

  /// A continuation resumed by whichever comes first, once; a result that comes before the continuation
  /// is kept for it.
  final class ResumeOnce<T: Sendable>: Sendable {
    private struct State {
      var continuation: CheckedContinuation<T, any Error>?
      var result: Result<T, any Error>?
      var done = false
    }

    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, any Error>) {
      let result: Result<T, any Error>? = state.withLock { state in
        guard let result = state.result else {
          state.continuation = continuation
          return nil
        }
        state.result = nil
        return result
      }
      if let result { continuation.resume(with: result) }
    }

    func resume(with result: Result<T, any Error>) {
      let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
        guard !state.done else { return nil }
        state.done = true
        guard let continuation = state.continuation else {
          state.result = result
          return nil
        }
        state.continuation = nil
        return continuation
      }
      continuation?.resume(with: result)
    }
  }

  /// Whether a lease came first or its deadline did.
  final class LeaseState: Sendable {
    private let state = Mutex(Lease.waiting)

    /// Moves from `old` to `new`; false if the state was not `old`.
    func move(from old: Lease, to new: Lease) -> Bool {
      state.withLock { state in
        guard state == old else { return false }
        state = new
        return true
      }
    }
  }

  /// Why no connection came: a connection of its own tells what PostgreSQL (or the socket) says.
  func diagnose() async -> String {
    let connectionConfiguration = Self.connectionConfiguration(configuration)
    do {
      let connection = try await PostgresConnection.connect(
        configuration: connectionConfiguration, id: 0, logger: logger)
      try? await connection.close()
      return "no connection was free within \(acquireTimeout) (all busy)"
    } catch {
      return Self.cause(error)
    }
  }

  /// A read on one connection, each statement in its own implicit transaction.
  func read<T: Sendable>(_ body: @escaping @Sendable (PGConnection) async throws -> T) async throws -> T {
    try await lease(body)
  }

  /// Runs `body` in a transaction, committed when it returns, rolled back when it throws.
  static func transaction<T: Sendable>(
    _ db: PGConnection, _ begin: PostgresQuery, _ body: @Sendable (PGConnection) async throws -> T
  ) async throws -> T {
    try await db.run(begin)
    let value: T
    do {
      value = try await body(db)
    } catch {
      try? await db.run("ROLLBACK")
      throw error
    }
    try await db.run("COMMIT")
    return value
  }

  /// A write: one READ COMMITTED transaction holding the audit lock (``auditLock``) to its commit, retried
  /// on serialization failures and deadlocks; the wake-up of other daemons' feeds is sent at its commit.
  func write<T: Sendable>(_ body: @escaping @Sendable (WriteContext) async throws -> T) async throws -> T {
    var attempt = 0
    while true {
      do {
        // Errors as PostgreSQL gave them: serialization failures and deadlocks are tried again.
        return try await lease(mappingErrors: false) { db in
          try await Self.transaction(db, "BEGIN ISOLATION LEVEL READ COMMITTED") { db in
            try await db.run("SELECT pg_advisory_xact_lock(\(Self.auditLock))")
            let context = try await WriteContext(db)
            let value = try await body(context)
            if context.needsWakeup, let last = context.lastWritten {
              try await db.run("SELECT pg_notify(\(Self.channel), \(String(last)))")
            }
            return value
          }
        }
      } catch let error as PSQLError where Self.isRetryable(error) && attempt < Self.retries {
        attempt += 1
        try await Task.sleep(for: .milliseconds(Int.random(in: 5...20) * attempt))
      } catch {
        throw storeError(error)
      }
    }
  }

  /// A read of many statements that all see one snapshot (REPEATABLE READ, READ ONLY).
  func snapshot<T: Sendable>(_ body: @escaping @Sendable (PGConnection) async throws -> T) async throws -> T {
    try await lease { db in
      try await Self.transaction(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }
  }

  /// How many times a write is tried again after a serialization failure or a deadlock.
  static let retries = 4

  static func isRetryable(_ error: PSQLError) -> Bool {
    guard error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
    return state == "40001" || state == "40P01"
  }

  // MARK: - Errors

  /// An error as the store reports it: LedgerErrors and cancellations as they are, database errors as
  /// LedgerErrors with the codes and messages the SQLite store gives.
  func storeError(_ error: any Error) -> any Error {
    // A cancelled call's connection was closed under it (``lease(mappingErrors:_:)``): not an outage.
    if Task.isCancelled, !(error is LedgerError) { return CancellationError() }
    switch error {
    case is LedgerError, is CancellationError: return error
    case let error as PSQLError:
      guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
        if error.code == .queryCancelled { return CancellationError() }
        return LedgerError(.unavailable, "the ledger database at \(url) is unavailable: \(Self.cause(error))")
      }
      let message = error.serverInfo?[.message] ?? "error \(state)"
      switch state {
      case "23505":
        return LedgerError(.alreadyExists, "the ledger refused the change: \(message)")
      case "23503", "23514", "23502", "P0001":
        return LedgerError(.failedPrecondition, "the ledger refused the change: \(message)")
      case "53100":
        return LedgerError(.resourceExhausted, "the disk holding the ledger is full; nothing was written")
      case "40001", "40P01", "55P03":
        return LedgerError(.unavailable, "the ledger database is busy; try again")
      case "57014":
        return CancellationError()
      case _ where state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300":
        return LedgerError(.unavailable, "the ledger database at \(url) is unavailable: \(message)")
      default:
        return LedgerError(.internal, "database error: \(message) (\(state))")
      }
    case _ where String(describing: type(of: error)) == "ConnectionPoolError":
      return LedgerError(.unavailable, "the ledger database at \(url) is unavailable: \(Self.cause(error))")
    case let error as ProtoDecodingFailure:
      return LedgerError(.internal, "a record in the ledger database cannot be read: \(error)")
    default:
      return LedgerError(.internal, "database error: \(Self.cause(error))")
    }
  }

  /// One line saying what went wrong with a connection.
  static func cause(_ error: any Error) -> String {
    if let error = error as? PSQLError {
      if let message = error.serverInfo?[.message] { return message }
      if let underlying = error.underlying { return "\(error.code): \(underlying)" }
      return "\(error.code)"
    }
    return "\(error)"
  }
}

/// A record that did not decode.
struct ProtoDecodingFailure: Error, CustomStringConvertible {
  var description: String
}
