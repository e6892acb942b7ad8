import Foundation
import GainsayCore
import Logging
import PostgresNIO
import Synchronization

/// Other daemons' changes: a connection of its own LISTENs on ``PostgresLedgerStore/channel`` (reconnecting
/// when it is lost) and wakes the calls waiting in ``waitForChanges(after:timeout:)``.
extension PostgresLedgerStore {
  public func waitForChanges(after sequence: Int64, timeout: Duration) async throws {
    await wakeups.wait(after: sequence, timeout: timeout)
    try Task.checkCancellation()
  }

  /// Starts the LISTEN loop; ``close()`` ends it.
  func startListening() {
    let (configuration, logger, wakeups) = (Self.connectionConfiguration(configuration), logger, wakeups)
    let task = Task {
      var failures = 0
      while !Task.isCancelled {
        do {
          let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
          failures = 0
          do {
            try await connection.listen(on: Self.channel) { notifications in
              // Changes made while no one listened are not announced: whoever waits reads the log again.
              wakeups.wakeAll()
              for try await notification in notifications {
                wakeups.notify(Int64(notification.payload) ?? Int64.max)
              }
            }
          } catch {
            logger.warning("the ledger's change listener lost its connection: \(Self.cause(error))")
          }
          try? await connection.close()
        } catch {
          failures += 1
          if failures == 1 { logger.warning("the ledger's change listener cannot connect: \(Self.cause(error))") }
        }
        wakeups.wakeAll()
        try? await Task.sleep(for: .milliseconds(min(2_000, 100 * (1 << min(failures, 5)))))
      }
    }
    tasks.withLock { $0.append(task) }
  }

  /// Where a connection outside the pool goes (the listener's, a diagnosis's): where the pool's
  /// connections go.
  static func connectionConfiguration(
    _ configuration: PostgresClient.Configuration
  ) -> PostgresConnection.Configuration {
    if let path = configuration.unixSocketPath {
      return .init(
        unixSocketPath: path, username: configuration.username, password: configuration.password,
        database: configuration.database)
    }
    return .init(
      host: configuration.host ?? "localhost", port: configuration.port ?? 5432, username: configuration.username,
      password: configuration.password, database: configuration.database, tls: .disable)
  }
}

/// Calls waiting for an audit sequence beyond the one they know, woken by notifications.
final class AuditWakeups: Sendable {
  private struct Waiter {
    var after: Int64
    var continuation: CheckedContinuation<Void, Never>
  }

  private struct State {
    var waiters: [UInt64: Waiter] = [:]
    var cancelled: Set<UInt64> = []
    var next: UInt64 = 0
  }

  private let state = Mutex(State())

  /// A commit wrote up to `sequence`: wakes those waiting for less.
  func notify(_ sequence: Int64) {
    let woken = state.withLock { state in
      let ids = state.waiters.filter { $0.value.after < sequence }.map(\.key)
      return ids.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
    }
    for continuation in woken { continuation.resume() }
  }

  /// Wakes everyone (a reconnection, a close): they read the log to see what changed.
  func wakeAll() {
    let woken = state.withLock { state in
      defer { state.waiters = [:] }
      return state.waiters.values.map(\.continuation)
    }
    for continuation in woken { continuation.resume() }
  }

  /// Returns on a notification of a sequence beyond `after`, after `timeout`, or when cancelled.
  func wait(after: Int64, timeout: Duration) async {
    await withTaskGroup(of: Void.self) { group in
      group.addTask { await self.waitForNotification(after: after) }
      group.addTask { try? await Task.sleep(for: timeout) }
      await group.next()
      group.cancelAll()
    }
  }

  private func waitForNotification(after: Int64) async {
    let id = state.withLock { state in
      defer { state.next += 1 }
      return state.next
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let cancelled = state.withLock { state in
          if state.cancelled.remove(id) != nil { return true }
          state.waiters[id] = Waiter(after: after, continuation: continuation)
          return false
        }
        if cancelled { continuation.resume() }
      }
    } onCancel: {
      let continuation = state.withLock { state in
        guard let waiter = state.waiters.removeValue(forKey: id) else {
          state.cancelled.insert(id)
          return nil as CheckedContinuation<Void, Never>?
        }
        return waiter.continuation
      }
      continuation?.resume()
    }
  }
}
