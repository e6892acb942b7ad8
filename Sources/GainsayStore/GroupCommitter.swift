import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Group commit: writes that arrive while a transaction is committing wait together and are committed
/// together, in one durable transaction, so concurrent writers share one `fsync` instead of queueing
/// for one each.
///
/// A write that fails (a validation or constraint error) fails alone: the batch is then run again with
/// each write in its own savepoint, so the others go on. No write is acknowledged before the transaction
/// holding it has committed; if the commit fails, every write in it fails.
///
/// A write whose task is cancelled (its call's deadline passed, or its client went away) stops: not
/// started if it is still waiting, interrupted by the writer's progress handler if it is running. SQLite
/// rolls back the whole transaction when a change is interrupted, so the other writes of its batch are
/// then committed again without it.
final class GroupCommitter: Sendable {
  /// The most writes committed in one transaction.
  static let maximumBatch = 256

  private struct Item: Sendable {
    let apply: @Sendable (Database) throws -> Void
    let finish: @Sendable ((any Error)?) -> Void
    let cancellation: Cancellation
  }

  /// Whether a write's task was cancelled.
  final class Cancellation: Sendable {
    private let cancelled = Atomic<Bool>(false)
    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
    func cancel() { cancelled.store(true, ordering: .releasing) }
  }

  /// The cancellation of the write running on the writer connection, which its progress handler checks.
  final class Running: Sendable {
    let current = Mutex<Cancellation?>(nil)
    var isCancelled: Bool { current.withLock { $0?.isCancelled ?? false } }
  }

  /// How many SQLite virtual machine steps run between two checks of the running write's cancellation.
  static let progressSteps: Int32 = 1_000

  private struct Queue {
    var items: [Item] = []
    var draining = false
  }

  private let pool: DatabasePool
  private let queue = Mutex(Queue())
  private let committer = DispatchQueue(label: "gainsay.group-commit")
  private let running = Running()

  /// Installs the progress handler that interrupts a cancelled write on `pool`'s writer connection.
  init(pool: DatabasePool) throws {
    self.pool = pool
    let context = Unmanaged.passUnretained(running).toOpaque()
    pool.writeWithoutTransaction { db in
      sqlite3_progress_handler(
        db.sqliteConnection, Self.progressSteps,
        { context in
          guard let context else { return 0 }
          return Unmanaged<Running>.fromOpaque(context).takeUnretainedValue().isCancelled ? 1 : 0
        }, context)
    }
  }

  /// How many writes wait for the next batch.
  var waiting: Int { queue.withLock { $0.items.count } }

  /// Runs `body` in the next group transaction and returns its result once that transaction is durable.
  func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    let result = Mutex<T?>(nil)
    let cancellation = Cancellation()
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        submit(
          Item(
            apply: { db in
              let value = try body(db)
              result.withLock { $0 = value }
            },
            finish: { error in
              if let error {
                continuation.resume(throwing: error)
              } else {
                continuation.resume(returning: result.withLock { $0! })
              }
            },
            cancellation: cancellation))
      }
    } onCancel: {
      cancellation.cancel()
    }
  }

  /// Applies `item`'s write, unless it was cancelled; the progress handler interrupts it if it is
  /// cancelled while it runs.
  private func apply(_ item: Item, _ db: Database) throws {
    guard !item.cancellation.isCancelled else { throw CancellationError() }
    running.current.withLock { $0 = item.cancellation }
    defer { running.current.withLock { $0 = nil } }
    do {
      try item.apply(db)
    } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT && item.cancellation.isCancelled {
      throw CancellationError()
    }
  }

  private func submit(_ item: Item) {
    let startDraining = queue.withLock { queue in
      queue.items.append(item)
      guard !queue.draining else { return false }
      queue.draining = true
      return true
    }
    if startDraining { committer.async { self.drain() } }
  }

  /// Commits batches until no write is waiting.
  private func drain() {
    while true {
      let batch: [Item] = queue.withLock { queue in
        guard !queue.items.isEmpty else {
          queue.draining = false
          return []
        }
        let batch = Array(queue.items.prefix(Self.maximumBatch))
        queue.items.removeFirst(batch.count)
        return batch
      }
      guard !batch.isEmpty else { return }
      commit(batch)
    }
  }

  private func commit(_ batch: [Item]) {
    // Almost every write succeeds: the batch first runs as one plain transaction. Savepoints cost more
    // than their own statements here, because FTS5 writes its pending terms out as a new segment at each
    // savepoint release. Only when a write fails is the batch run again, each write in its own savepoint,
    // so that the failure is rolled back alone.
    if batch.count == 1 || (try? commitTogether(batch)) == nil {
      commitSeparately(batch)
    }
  }

  /// Commits every write of `batch` in one transaction and reports success; throws, having rolled back
  /// everything, if any write fails.
  private func commitTogether(_ batch: [Item]) throws {
    try pool.writeWithoutTransaction { db in
      try db.inTransaction(.immediate) {
        for item in batch { try apply(item, db) }
        return .commit
      }
    }
    for item in batch { item.finish(nil) }
  }

  /// Commits `batch` with each write in its own savepoint, so a failing write fails alone. If the
  /// transaction itself is lost to a write interrupted because it was cancelled, the others are
  /// committed again without it.
  private func commitSeparately(_ batch: [Item]) {
    var pending = batch
    while !pending.isEmpty {
      var failures = [(any Error)?](repeating: nil, count: pending.count)
      do {
        try pool.writeWithoutTransaction { db in
          try db.inTransaction(.immediate) {
            for (index, item) in pending.enumerated() {
              if pending.count == 1 {
                // Alone in its transaction: if it fails, the transaction rolls back and it fails.
                try apply(item, db)
                continue
              }
              do {
                try db.inSavepoint {
                  try apply(item, db)
                  return .commit
                }
              } catch {
                failures[index] = error
                // SQLite rolls the whole transaction back on some errors (a full disk, I/O, an
                // interrupted change): then no write of this batch can be committed.
                if !db.isInsideTransaction { throw error }
              }
            }
            return .commit
          }
        }
      } catch {
        let cancelled = pending.filter { $0.cancellation.isCancelled }
        guard !cancelled.isEmpty else {
          for item in pending { item.finish(error) }
          return
        }
        // Each round leaves out at least one write: this ends.
        for item in cancelled { item.finish(CancellationError()) }
        pending = pending.filter { !$0.cancellation.isCancelled }
        continue
      }
      for (item, failure) in zip(pending, failures) { item.finish(failure) }
      return
    }
  }
}
