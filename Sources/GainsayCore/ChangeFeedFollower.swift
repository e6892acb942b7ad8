import GainsayProto

/// Feeds a daemon's ``ChangeFeed`` from a shared store's audit log, so that `Watch` on any daemon receives
/// every daemon's changes, in audit order, with no gaps and no duplicates.
///
/// The store's wake-up (PostgreSQL's `LISTEN/NOTIFY`) only says that something may have changed; what
/// changed is always read from the audit log, after the last sequence published. A wake-up lost, or a
/// notification dropped, delays an event by at most `poll`, never loses it. While the store is
/// unreachable the follower retries, every `poll`, and catches up when it is back.
public struct ChangeFeedFollower: Sendable {
  public let store: any SharedLedgerStore
  public let feed: ChangeFeed
  /// The longest a change waits to be published when no wake-up comes.
  public let poll: Duration
  /// What the follower reports: failures to read the audit log (it keeps trying).
  let report: @Sendable (String) -> Void

  public init(
    store: any SharedLedgerStore, feed: ChangeFeed, poll: Duration = .seconds(1),
    report: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.store = store
    self.feed = feed
    self.poll = poll
    self.report = report
  }

  /// Publishes every change committed after the ledger's sequence at the start, until cancelled.
  public func run() async {
    var last: Int64 = -1
    var failing = false
    while !Task.isCancelled {
      do {
        if last < 0 {
          last = try await store.lastSequence()
        } else if !failing {
          // After a failure the follower has already slept for `poll`: it reads the log at once.
          try await store.waitForChanges(after: last, timeout: poll)
        }
        last = try await publish(after: last)
        if failing {
          report("the audit log can be read again; changes are published from sequence \(last)")
          failing = false
        }
      } catch is CancellationError {
        return
      } catch {
        if !failing { report("cannot follow the audit log (will keep trying): \(error)") }
        failing = true
        try? await Task.sleep(for: poll)
      }
    }
  }

  /// Publishes the events after `sequence`, a page at a time; returns the last one published.
  func publish(after sequence: Int64) async throws -> Int64 {
    var last = sequence
    while true {
      let events = try await store.auditEvents(AuditQuery(afterSequence: last, limit: Int(Self.pageSize)))
      for event in events {
        feed.publish(event)
        last = event.sequence
      }
      guard events.count == Int(Self.pageSize) else { return last }
    }
  }

  static let pageSize: Int32 = 1_000
}
