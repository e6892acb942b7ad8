import Foundation
import GainsayCore
import Logging
import PostgresNIO
import Synchronization

/// Stops the query a cancelled call is running on PostgreSQL.
///
/// A call is cancelled when its deadline passes or its client goes away, but postgres-nio lets a query run
/// to its end when the task awaiting it is cancelled. So while a leased connection runs a call's
/// statements, a cancellation sends `pg_cancel_backend` for that connection's server process, from a
/// connection of its own (the pool may have none free). The statement then fails with 57014, which the
/// store reports as a cancellation, and a transaction in progress is rolled back.
///
/// The connection goes back to the pool only once the cancel request has been answered: a cancel that
/// reaches a server process between statements is ignored by PostgreSQL, so it can never stop a later
/// call's statement on the same connection.
final class QueryCanceller: Sendable {
  private let configuration: PostgresConnection.Configuration
  private let logger: Logger
  /// Each pooled connection's server process id, learnt on its first lease.
  private let processIDs = Mutex<[PostgresConnection.ID: Int32]>([:])

  init(configuration: PostgresConnection.Configuration, logger: Logger) {
    self.configuration = configuration
    self.logger = logger
  }

  /// Runs `body` on `connection`, cancelling its statement on the server if the task is cancelled.
  func guarding<T: Sendable>(
    _ connection: PostgresConnection, _ body: () async throws -> T
  ) async throws -> T {
    let processID = try await processID(of: connection)
    let request = Mutex<Task<Void, Never>?>(nil)
    let result: Result<T, any Error>
    do {
      result = .success(
        try await withTaskCancellationHandler {
          try await body()
        } onCancel: {
          request.withLock { request in
            guard request == nil else { return }
            request = Task { await self.cancel(processID) }
          }
        })
    } catch {
      result = .failure(error)
    }
    if let sent = request.withLock({ $0 }) { await sent.value }
    return try result.get()
  }

  /// The server process of `connection`, asked once per connection.
  private func processID(of connection: PostgresConnection) async throws -> Int32 {
    if let known = processIDs.withLock({ $0[connection.id] }) { return known }
    var processID: Int32?
    for try await row in try await connection.query("SELECT pg_backend_pid()", logger: logger) {
      processID = try row.decode(Int32.self)
    }
    guard let processID else { throw LedgerError(.internal, "PostgreSQL did not say its server process id") }
    processIDs.withLock { known in
      // Connections come and go with the pool: forget the oldest ones rather than grow without bound.
      if known.count >= 256 { known.removeAll() }
      known[connection.id] = processID
    }
    return processID
  }

  /// Asks PostgreSQL to cancel what process `processID` is running; gives up after a few seconds.
  private func cancel(_ processID: Int32) async {
    do {
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          let connection = try await PostgresConnection.connect(
            configuration: self.configuration, id: 2, logger: self.logger)
          do {
            _ = try await connection.query("SELECT pg_cancel_backend(\(processID))", logger: self.logger)
              .collect()
          } catch {
            try? await connection.close()
            throw error
          }
          try? await connection.close()
        }
        group.addTask {
          try await Task.sleep(for: .seconds(5))
          throw CancellationError()
        }
        try await group.next()
        group.cancelAll()
      }
    } catch {
      logger.warning("could not cancel the query of PostgreSQL process \(processID): \(error)")
    }
  }
}
