public import Foundation
public import GainsayProto

/// The ledger's rules: who may do what, what a valid request is, and how each change is recorded.
///
/// Every method checks the caller's role, validates the request field by field (throwing a
/// ``LedgerError`` that names the field), and hands the change to the store, which commits it with its
/// audit event in one transaction. Committed changes are published to the ``ChangeFeed``.
public struct Ledger: Sendable {
  public let store: any LedgerStore
  public let feed: ChangeFeed
  public let configuration: LedgerConfiguration
  /// Imports in progress.
  public let imports = ImportSessions()
  /// Wakes the background search for repeats (``searchRepeats(poll:report:)``).
  public let repeats = RepeatSearch()
  let now: @Sendable () -> Date

  public init(
    store: any LedgerStore,
    feed: ChangeFeed = ChangeFeed(),
    configuration: LedgerConfiguration = LedgerConfiguration(),
    now: @escaping @Sendable () -> Date = Date.init
  ) {
    self.store = store
    self.feed = feed
    self.configuration = configuration
    self.now = now
  }

  // MARK: - Access

  func require(_ role: Role, _ caller: CallerIdentity, to action: String) throws {
    guard caller.role.rank >= role.rank else {
      let have = caller.role.rank == 0 ? "no role" : "the \(caller.role.displayName) role"
      throw LedgerError(
        .permissionDenied,
        "\(caller.userName) (uid \(caller.uid)) has \(have); \(action) needs the \(role.displayName) role")
    }
  }

  public func caller(_ caller: CallerIdentity) -> Caller {
    var result = Caller()
    result.actor = caller.unixUser
    result.role = caller.role
    return result
  }

  var timestamp: Timestamp { Timestamp(date: now()) }
  var today: PartialDate { PartialDate.today(now: now()) }

  func draft(
    _ caller: CallerIdentity, _ method: String, _ action: AuditAction, reason: String = ""
  ) -> AuditDraft {
    AuditDraft(
      actor: caller.unixUser, method: "gainsay.v1.Ledger/" + method, action: action, reason: reason, time: timestamp)
  }

  func commit<R: StoredRecord>(_ record: R, _ audit: AuditDraft) async throws {
    let event = try await store.insert(record, audit: audit)
    published([event])
  }

  /// Updates a record through the store (``LedgerStore/update(_:id:expectedRevision:audit:change:)``) and
  /// publishes the change; returns the record as stored.
  func commitUpdate<R: StoredRecord>(
    _ type: R.Type, id: String, expectedRevision: Int32 = 0, _ audit: AuditDraft,
    change: @escaping @Sendable (R) throws -> R
  ) async throws -> R {
    let (record, event) = try await store.update(
      type, id: id, expectedRevision: expectedRevision, audit: audit, change: change)
    published([event])
    return record
  }

  /// Hands committed changes to the feed, unless other daemons write to the store too: then the feed
  /// follows the store's audit log (``ChangeFeedFollower``), which holds every daemon's changes in order.
  func published(_ events: [AuditEvent]) {
    guard !(store is any SharedLedgerStore) else { return }
    for event in events { feed.publish(event) }
  }

  static func pageSize(_ value: Int32, field: String = "page_size") throws -> Int {
    guard value >= 0 else { throw LedgerError.invalid(field, "must not be negative") }
    return value == 0 ? 50 : min(Int(value), 1000)
  }

  // MARK: - Masks

  static func maskPaths(_ mask: FieldMask?, allowed: Set<String>, defaultAll: Bool) throws -> [String] {
    let paths = mask?.paths ?? []
    if paths.isEmpty {
      if defaultAll { return allowed.sorted() }
      throw LedgerError.invalid(
        "update_mask", "is required: name the fields to change (\(allowed.sorted().joined(separator: ", ")))")
    }
    for (index, path) in paths.enumerated() where !allowed.contains(path) {
      throw LedgerError.invalid(
        "update_mask.paths[\(index)]",
        "\"\(path)\" cannot be changed; mutable fields: \(allowed.sorted().joined(separator: ", "))")
    }
    return paths
  }
}
