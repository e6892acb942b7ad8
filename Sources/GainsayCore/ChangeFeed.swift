public import GainsayProto
import Synchronization

/// Fans committed changes out to every `Watch` stream.
///
/// Each subscriber's buffer is bounded in events and in bytes; one that falls further behind (a client
/// that does not read) is dropped (its stream ends) rather than slowing writers down or holding memory.
public final class ChangeFeed: Sendable {
  private struct Subscriber: Sendable {
    let continuation: AsyncStream<(ChangeEvent, Int)>.Continuation
    let pending: PendingBytes
  }

  private let subscribers = Mutex<[Int: Subscriber]>([:])
  private let nextID = Mutex(0)
  private let bufferSize: Int
  private let bufferBytes: Int

  /// - Parameters:
  ///   - bufferSize: the most events a subscriber may have waiting.
  ///   - bufferBytes: the most encoded bytes of events a subscriber may have waiting.
  public init(bufferSize: Int = 10_000, bufferBytes: Int = 16 << 20) {
    self.bufferSize = bufferSize
    self.bufferBytes = bufferBytes
  }

  /// The changes published from now on.
  public func subscribe() -> ChangeSubscription {
    let id = nextID.withLock { value in
      value += 1
      return value
    }
    let (stream, continuation) = AsyncStream<(ChangeEvent, Int)>.makeStream(
      bufferingPolicy: .bufferingOldest(bufferSize))
    continuation.onTermination = { [weak self] _ in
      _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
    }
    let pending = PendingBytes()
    subscribers.withLock { $0[id] = Subscriber(continuation: continuation, pending: pending) }
    return ChangeSubscription(stream: stream, pending: pending)
  }

  /// The highest sequence published so far (0 before the first).
  public var publishedThrough: Int64 { published.withLock { $0 } }
  private let published = Mutex<Int64>(0)

  /// Sends a committed change to every subscriber.
  public func publish(_ event: AuditEvent) {
    published.withLock { $0 = max($0, event.sequence) }
    let all = subscribers.withLock { Array($0) }
    guard !all.isEmpty else { return }
    let change = ChangeEvent(auditEvent: event)
    let size = change.serializedBytes().count
    for (id, subscriber) in all {
      let admitted = subscriber.pending.bytes.withLock { bytes in
        guard bytes + size <= bufferBytes else { return false }
        bytes += size
        return true
      }
      var dropped = !admitted
      if admitted, case .dropped = subscriber.continuation.yield((change, size)) { dropped = true }
      if dropped {
        subscriber.continuation.finish()
        _ = subscribers.withLock { $0.removeValue(forKey: id) }
      }
    }
  }
}

/// What a subscriber has received and not yet read, in bytes.
final class PendingBytes: Sendable {
  let bytes = Mutex(0)
}

/// The changes of one subscriber, in order; ends when the subscriber fell too far behind.
public struct ChangeSubscription: AsyncSequence, Sendable {
  public typealias Element = ChangeEvent
  let stream: AsyncStream<(ChangeEvent, Int)>
  let pending: PendingBytes

  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: AsyncStream<(ChangeEvent, Int)>.AsyncIterator
    let pending: PendingBytes

    public mutating func next() async -> ChangeEvent? {
      guard let (change, size) = await base.next() else { return nil }
      pending.bytes.withLock { $0 -= size }
      return change
    }
  }

  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: stream.makeAsyncIterator(), pending: pending)
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
    relatedIds = event.relatedIds
    repeats = event.repeats
    importChunk = event.importChunk
  }
}
