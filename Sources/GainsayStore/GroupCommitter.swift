import Dispatch
import GRDB
import Synchronization

/// Group commit: writes that arrive while a transaction is committing wait together and are committed
/// together, in one durable transaction, so concurrent writers share one `fsync` instead of queueing
/// for one each.
///
/// A write that fails (a validation or constraint error) fails alone: the batch is then run again with
/// each write in its own savepoint, so the others go on. No write is acknowledged before the transaction
/// holding it has committed; if the commit fails, every write in it fails.
final class GroupCommitter: Sendable {
  /// The most writes committed in one transaction.
  static let maximumBatch = 256

  private struct Item: Sendable {
    let apply: @Sendable (Database) throws -> Void
    let finish: @Sendable ((any Error)?) -> Void
  }

  private struct Queue {
    var items: [Item] = []
    var draining = false
  }

  private let pool: DatabasePool
  private let queue = Mutex(Queue())
  private let committer = DispatchQueue(label: "gainsay.group-commit")

  init(pool: DatabasePool) {
    self.pool = pool
  }

  /// Runs `body` in the next group transaction and returns its result once that transaction is durable.
  func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    let result = Mutex<T?>(nil)
    return try await withCheckedThrowingContinuation { continuation in
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
          }))
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
        for item in batch { try item.apply(db) }
        return .commit
      }
    }
    for item in batch { item.finish(nil) }
  }

  /// Commits `batch` with each write in its own savepoint, so a failing write fails alone.
  private func commitSeparately(_ batch: [Item]) {
    var failures = [(any Error)?](repeating: nil, count: batch.count)
    do {
      try pool.writeWithoutTransaction { db in
        try db.inTransaction(.immediate) {
          for (index, item) in batch.enumerated() {
            if batch.count == 1 {
              // Alone in its transaction: if it fails, the transaction rolls back and it fails.
              try item.apply(db)
              continue
            }
            do {
              try db.inSavepoint {
                try item.apply(db)
                return .commit
              }
            } catch {
              failures[index] = error
              // SQLite rolls the whole transaction back on some errors (a full disk, I/O): then no write
              // of this batch can be committed.
              if !db.isInsideTransaction { throw error }
            }
          }
          return .commit
        }
      }
    } catch {
      for item in batch { item.finish(error) }
      return
    }
    for (item, failure) in zip(batch, failures) { item.finish(failure) }
  }
}
