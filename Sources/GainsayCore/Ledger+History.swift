import Foundation
public import GainsayProto

/// Search, the audit history and the live change stream.
extension Ledger {
  public func search(_ request: SearchRequest, caller: CallerIdentity) async throws -> [SearchHit] {
    try require(.reader, caller, to: "searching")
    var search = LedgerSearch(query: try Validate.line(request.query, field: "query", required: true, maximum: 500))
    search.speakerID = try await redirectedSpeakerID(request.speakerID)
    guard request.limit >= 0 else { throw LedgerError.invalid("limit", "must not be negative") }
    guard request.limit <= Self.maximumSearchHits else {
      throw LedgerError.invalid(
        "limit", "\(request.limit) is more than the \(Self.maximumSearchHits) hits a search returns")
    }
    for (index, type) in request.resourceTypes.enumerated() {
      guard [.claim, .speaker, .source].contains(type) else {
        throw LedgerError.invalid("resource_types[\(index)]", "search covers claims, speakers and sources")
      }
    }
    if !request.resourceTypes.isEmpty { search.resourceTypes = request.resourceTypes }
    search.includeRetracted = request.includeRetracted
    if request.limit > 0 { search.limit = Int(request.limit) }
    return try await store.search(search)
  }

  /// The closest indexed words and speaker names to the words of a query: what a query that found
  /// nothing may have meant.
  public func suggestSearch(
    _ request: SuggestSearchRequest, caller: CallerIdentity
  ) async throws
    -> SuggestSearchResponse
  {
    try require(.reader, caller, to: "searching")
    let query = try Validate.line(request.query, field: "query", required: true, maximum: 500)
    guard (0...Self.maximumSearchSuggestions).contains(request.limit) else {
      throw LedgerError.invalid("limit", "must be between 0 and \(Self.maximumSearchSuggestions)")
    }
    return try await store.suggestSearch(query: query, limit: request.limit == 0 ? 3 : Int(request.limit))
  }

  /// The most alternatives per word, and speakers, one SuggestSearch returns.
  public static let maximumSearchSuggestions: Int32 = 10

  /// The most hits one search returns (`SearchRequest.limit`).
  public static let maximumSearchHits: Int32 = 1_000

  public func auditEvents(_ request: ListAuditEventsRequest, caller: CallerIdentity) async throws -> [AuditEvent] {
    try require(.reader, caller, to: "reading the history")
    guard request.limit >= 0 else { throw LedgerError.invalid("limit", "must not be negative") }
    guard request.afterSequence >= 0 else { throw LedgerError.invalid("after_sequence", "must not be negative") }
    var query = AuditQuery(
      afterSequence: request.afterSequence,
      limit: Int(request.limit == 0 ? Self.auditPageSize : min(request.limit, Self.maximumAuditPageSize)))
    query.resourceID = request.resourceID
    if request.filterByActor { query.actorUID = request.actorUID }
    return try await store.auditEvents(query)
  }

  /// Audit events returned by one ListAuditEvents call unless it asks for fewer (or more, up to
  /// ``maximumAuditPageSize``); read on with `after_sequence`.
  public static let auditPageSize: Int32 = 1_000
  public static let maximumAuditPageSize: Int32 = 10_000

  /// The changes after `request.afterSequence` (replayed from the audit log), then (after the
  /// confirmation `request.confirmSubscription` asks for) new ones as they are committed, until the
  /// consumer stops.
  public func watch(
    _ request: WatchRequest, caller: CallerIdentity, _ deliver: (ChangeEvent) async throws -> Void
  ) async throws {
    try require(.reader, caller, to: "watching changes")
    let wanted = Set(request.resourceTypes.map(\.rawValue))
    func matches(_ event: ChangeEvent) -> Bool {
      guard !wanted.isEmpty else { return true }
      // An import chunk's event is about every type of record it created.
      guard event.importChunk != nil else { return wanted.contains(event.resourceType.rawValue) }
      return event.relatedIds.contains { id in
        ResourceType.ofID(id).map { wanted.contains($0.rawValue) } ?? false
      }
    }
    // Subscribe before replaying, so nothing committed in between is missed.
    let live = feed.subscribe()
    var delivered = request.afterSequence
    if request.afterSequence > 0 {
      // A page at a time, so a replay of a long history never sits in memory whole.
      var query = AuditQuery(afterSequence: request.afterSequence, limit: Int(Self.auditPageSize))
      while true {
        let events = try await store.auditEvents(query)
        for event in events {
          let change = ChangeEvent(auditEvent: event)
          if matches(change) { try await deliver(change) }
          delivered = event.sequence
        }
        guard events.count == Int(Self.auditPageSize), let last = events.last else { break }
        query.afterSequence = last.sequence
      }
    } else {
      delivered = try await store.lastSequence()
    }
    if request.confirmSubscription {
      var confirmation = ChangeEvent()
      confirmation.subscribed = true
      confirmation.sequence = delivered
      try await deliver(confirmation)
    }
    for await change in live where change.sequence > delivered {
      try Task.checkCancellation()
      if matches(change) { try await deliver(change) }
      delivered = change.sequence
    }
    try Task.checkCancellation()
    throw LedgerError(.resourceExhausted, "the watcher fell too far behind; resume with after_sequence = \(delivered)")
  }
}
