public import GainsayProto

// The queries a ``LedgerStore`` answers, as small values the ``Ledger`` builds from a request and
// validates: a store never reads a wire request.

/// Filters of ListClaims, validated.
public struct ClaimFilter: Sendable {
  public var speakerID = ""
  public var topic = ""
  public var saidFrom: PartialDate?
  public var saidUntil: PartialDate?
  public var state: ClaimState = .active
  public var hasContradictingEvidence = false
  public init() {}
}

/// Filters of ListLinks, validated.
public struct LinkFilter: Sendable {
  /// Links from or to this claim (empty: any claim's).
  public var claimID = ""
  /// Links to this source (empty: any).
  public var sourceID = ""
  /// Links of this relation (nil: any).
  public var relation: Relation?
  /// Withdrawn links as well as active ones.
  public var includeWithdrawn = false
  public init() {}
}

/// Which audit events to read, in sequence order (ListAuditEvents, validated).
public struct AuditQuery: Sendable {
  /// Events after this sequence number (0: from the first).
  public var afterSequence: Int64
  /// Only the events of the resource with this id (empty: every resource's).
  public var resourceID = ""
  /// Only the events by the Unix user with this uid (nil: anyone's).
  public var actorUID: UInt32?
  /// The most events to read (nil: all that follow).
  public var limit: Int?

  public init(afterSequence: Int64 = 0, limit: Int? = nil) {
    self.afterSequence = afterSequence
    self.limit = limit
  }
}

/// A ranked full-text search (Search, validated): the store parses `query` with its own planner.
public struct LedgerSearch: Sendable {
  /// The words, phrases and names to look for: one line, not blank.
  public var query: String
  /// The types of records to find: claims, speakers and/or sources, never empty.
  public var resourceTypes: [ResourceType] = [.claim, .speaker, .source]
  /// Only the claims of the speaker with this id (empty: any speaker's); speakers and sources are not filtered.
  public var speakerID = ""
  /// Retracted claims as well as active ones.
  public var includeRetracted = false
  /// The most hits to return.
  public var limit = 20

  public init(query: String) {
    self.query = query
  }
}
