import Foundation
import GRDB
import GainsayProto
import Synchronization

/// Keeps audit times in step with sequence numbers: an event is never dated before the event written
/// before it. Calls draft their time before they wait for the writer, so without this a call that waited
/// longer would be logged later with an earlier time. Used only inside write transactions, which run one
/// at a time.
final class AuditClock: Sendable {
  /// The time of the last event written, in nanoseconds since 1970; nil until read from the database.
  private let last = Mutex<Int64?>(nil)

  /// `draft`, or the last event's time if `draft` is earlier.
  func next(_ draft: Timestamp, _ db: Database) throws -> Timestamp {
    let known = last.withLock { $0 }
    let previous = try known ?? Self.lastWritten(db)
    let time = max(draft.nanoseconds, previous)
    last.withLock { $0 = time }
    return Timestamp(nanoseconds: time)
  }

  /// Forgets the last time (after a restore wrote a whole audit log).
  func reset() {
    last.withLock { $0 = nil }
  }

  private static func lastWritten(_ db: Database) throws -> Int64 {
    guard
      let record = try Data.fetchOne(
        db.cachedStatement(sql: "SELECT record FROM audit_event ORDER BY sequence DESC LIMIT 1"))
    else { return Int64.min }
    return try AuditEvent(serializedBytes: record).time?.nanoseconds ?? Int64.min
  }
}

extension Timestamp {
  fileprivate var nanoseconds: Int64 { seconds &* 1_000_000_000 &+ Int64(nanos) }

  fileprivate init(nanoseconds: Int64) {
    self.init()
    seconds = nanoseconds / 1_000_000_000
    nanos = Int32(nanoseconds % 1_000_000_000)
  }
}
