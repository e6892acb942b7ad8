public import GainsayProto
import Synchronization

/// Fans committed changes out to every `Watch` stream.
///
/// Each subscriber has a bounded buffer; one that falls more than `bufferSize` events behind is
/// dropped (its stream ends) rather than slowing down writers.
public final class ChangeFeed: Sendable {
  private let subscribers = Mutex<[Int: AsyncStream<ChangeEvent>.Continuation]>([:])
  private let nextID = Mutex(0)
  private let bufferSize: Int

  public init(bufferSize: Int = 10_000) {
    self.bufferSize = bufferSize
  }

  /// A stream of the changes published from now on.
  public func subscribe() -> AsyncStream<ChangeEvent> {
    let id = nextID.withLock { value in
      value += 1
      return value
    }
    let (stream, continuation) = AsyncStream<ChangeEvent>.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
    continuation.onTermination = { [weak self] _ in
      _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
    }
    subscribers.withLock { $0[id] = continuation }
    return stream
  }

  /// Sends a committed change to every subscriber.
  public func publish(_ event: AuditEvent) {
    let change = ChangeEvent(auditEvent: event)
    let all = subscribers.withLock { Array($0) }
    for (id, continuation) in all {
      if case .dropped = continuation.yield(change) {
        continuation.finish()
        _ = subscribers.withLock { $0.removeValue(forKey: id) }
      }
    }
  }
}

extension ChangeEvent {
  /// The change an audit event records.
  public init(auditEvent event: AuditEvent) {
    self.init()
    sequence = event.sequence
    time = event.time
    actor = event.actor
    action = event.action
    resourceType = event.resourceType
    resourceID = event.resourceID
    resource = event.after
  }
}
