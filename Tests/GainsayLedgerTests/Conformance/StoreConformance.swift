import GainsayCore
import GainsayProto
import Testing

/// The store conformance suite: every behaviour the ledger relies on from a ``LedgerStore``, written once and
/// run against every store (``StoreUnderTest/all``). Run it alone with `swift test --filter StoreConformance`.
///
/// Most tests drive the store through ``Ledger``, the way the daemon does, so they check what the ledger
/// relies on rather than one store's internals; they call the store directly only where the contract is the
/// store's own (the audit log, batches, restores, snapshots, lookups by key).
@Suite("store conformance")
enum StoreConformance {}

extension LedgerStore {
  /// The whole audit log, read a page of `pageSize` at a time.
  func allAuditEvents(pageSize: Int32 = 1_000) async throws -> [AuditEvent] {
    var events: [AuditEvent] = []
    var query = AuditQuery(limit: Int(pageSize))
    while true {
      let page = try await auditEvents(query)
      events += page
      guard page.count == Int(pageSize), let last = page.last else { return events }
      query.afterSequence = last.sequence
    }
  }
}
