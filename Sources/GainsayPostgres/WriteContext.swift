import Foundation
import GainsayCore
import GainsayProto
import PostgresNIO

/// One write transaction, holding the audit lock: the connection and where the audit log stands.
///
/// Sequences are allocated as the last one + 1 and times never go back from the last event's (as the
/// SQLite store's AuditClock keeps them): both read once, when the transaction has the lock, so they
/// count every daemon's commits.
final class WriteContext: @unchecked Sendable {
  // @unchecked: used by one task at a time, inside the transaction that made it.
  let db: PGConnection
  private var nextSequence: Int64
  private var lastTime: Int64
  /// The last sequence this transaction wrote, if any: the payload of its wake-up.
  private(set) var lastWritten: Int64?
  /// The sequence of the wake-up already sent with an event (the transaction's first), if any.
  private(set) var notified: Int64?

  init(_ db: PGConnection) async throws {
    self.db = db
    let row = try await db.one(
      "SELECT sequence, time_ns FROM audit_event ORDER BY sequence DESC LIMIT 1")
    let (sequence, time) = try row?.decode((Int64, Int64).self) ?? (Int64(0), Int64.min)
    nextSequence = sequence + 1
    lastTime = time
  }

  /// Whether the event numbered `sequence` sends the wake-up with its own statement: the first event
  /// does, saving a round trip for the writes of one event; ``needsWakeup`` tells if another is due.
  func notifies(_ sequence: Int64) -> Bool {
    guard notified == nil else { return false }
    notified = sequence
    return true
  }

  /// Whether the transaction wrote events after the one whose statement sent the wake-up.
  var needsWakeup: Bool { lastWritten != nil && lastWritten != notified }

  /// The sequence and time of the next event.
  func allocate(_ draft: Timestamp) -> (sequence: Int64, time: Timestamp) {
    let sequence = nextSequence
    nextSequence += 1
    lastWritten = sequence
    let time = max(draft.seconds &* 1_000_000_000 &+ Int64(draft.nanos), lastTime)
    lastTime = time
    var stamp = Timestamp()
    stamp.seconds = time / 1_000_000_000
    stamp.nanos = Int32(time % 1_000_000_000)
    return (sequence, stamp)
  }
}
