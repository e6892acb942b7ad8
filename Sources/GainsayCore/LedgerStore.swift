public import GainsayProto

/// What a mutation records in the audit log, besides the before and after the store fills in.
public struct AuditDraft: Sendable {
  public var actor: UnixUser
  public var method: String
  public var action: AuditAction
  public var reason: String
  public var time: Timestamp
  /// Other resources the same change touches (``AuditEvent/relatedIds``).
  public var relatedIDs: [String] = []
  /// REPEATS_FOUND: the claims found, best first (``AuditEvent/repeats``).
  public var repeats: [ClaimRepeat] = []
  /// An import's batch: where each chunk's records came from. The records a chunk creates share one
  /// event (``chunkEvent(_:created:time:)``) instead of one each.
  public var importChunks: [ImportChunkSpan] = []

  public init(actor: UnixUser, method: String, action: AuditAction, reason: String = "", time: Timestamp) {
    self.actor = actor
    self.method = method
    self.action = action
    self.reason = reason
    self.time = time
  }
}

/// One import chunk of a batch: where its records came from, and how many of the batch's created
/// records, next in order, are its.
public struct ImportChunkSpan: Sendable {
  public var chunk: ImportChunk
  public var created: Int

  public init(chunk: ImportChunk, created: Int) {
    self.chunk = chunk
    self.created = created
  }
}

/// What a speaker merge wrote: the kept speaker, the duplicate (now a redirect), the claims moved, and
/// the audit events in the order they were written.
public struct SpeakerMerge: Sendable {
  public var into: Speaker
  public var duplicate: Speaker
  public var movedClaimIDs: [String]
  public var events: [AuditEvent]

  public init(into: Speaker, duplicate: Speaker, movedClaimIDs: [String], events: [AuditEvent]) {
    self.into = into
    self.duplicate = duplicate
    self.movedClaimIDs = movedClaimIDs
    self.events = events
  }
}

/// A page of results and the token of the next one (empty on the last page).
public struct Page<Element: Sendable>: Sendable {
  public var items: [Element]
  public var nextPageToken: String

  public init(items: [Element], nextPageToken: String) {
    self.items = items
    self.nextPageToken = nextPageToken
  }
}

/// Persistence of the ledger. Every method is one transaction: a mutation and its audit event are
/// durable together before the method returns, or neither is.
///
/// A store never sees a wire request: it takes typed records (``StoredRecord``) and queries the
/// ``Ledger`` has validated (``ClaimFilter``, ``LinkFilter``, ``AuditQuery``, ``LedgerSearch``).
///
/// The SQLite implementation lives in GainsayStore; a PostgreSQL one could serve a larger newsroom.
public protocol LedgerStore: Sendable {
  /// The record of `type` with `id` (a source with its archived text, a claim with its evidence counts,
  /// latest rating and speaker's name); nil if there is none.
  func get<R: StoredRecord>(_ type: R.Type, id: String) async throws -> R?

  /// Inserts a new record; returns the audit event written with it.
  func insert<R: StoredRecord>(_ record: R, audit: AuditDraft) async throws -> AuditEvent

  /// Reads a record, refuses the change if the record is no longer at `expectedRevision`
  /// (``StoredRecord/checkRevision(expected:)``; 0: no check), applies `change` and writes the result, all in
  /// one transaction. Returns the stored record (as ``get(_:id:)`` reads it) and the audit event.
  func update<R: StoredRecord>(
    _ type: R.Type,
    id: String,
    expectedRevision: Int32,
    audit: AuditDraft,
    change: @escaping @Sendable (R) throws -> R
  ) async throws -> (R, AuditEvent)

  /// The speaker whose name or alias is `name` (case-insensitive), or else the only speaker whose name or
  /// alias folds to the same as `name` (``SpeakerNameMatch/fold(_:)``).
  func speaker(named name: String) async throws -> Speaker?

  /// Speakers with a name or alias close to `query` (``SpeakerNameMatch/Query/closeness(toFolded:)``), best first;
  /// merged speakers are left out.
  func similarSpeakers(to query: String, limit: Int) async throws -> [Speaker]

  /// Merges speaker `duplicateID` into `intoID` in one transaction: `merge` makes both speakers' new
  /// records from their current ones, `move` each of the duplicate's claims' new record. Writes one MERGE
  /// event for the duplicate (`audit.relatedIDs` is filled with the kept speaker and the moved claims), an
  /// UPDATE event for the kept speaker and one (with a revision) for each moved claim.
  func mergeSpeakers(
    duplicateID: String, intoID: String, audit: AuditDraft,
    merge: @escaping @Sendable (_ duplicate: Speaker, _ into: Speaker) throws -> (Speaker, Speaker),
    move: @escaping @Sendable (Claim) throws -> Claim
  ) async throws -> SpeakerMerge

  /// Updates a source like ``update(_:id:expectedRevision:audit:change:)``; when its archived text changes and
  /// `withdrawingBrokenLinks` is set, first withdraws (in the same transaction, each with a WITHDRAW event
  /// and that reason) the active links whose passage no longer occurs in the new text. Without it such an
  /// update fails with FAILED_PRECONDITION naming the links.
  func updateSource(
    id: String, expectedRevision: Int32, audit: AuditDraft, withdrawingBrokenLinks: String?,
    change: @escaping @Sendable (Source) throws -> Source
  ) async throws -> (Source, [AuditEvent])

  /// Speakers by name; merged speakers (redirects) only with `includeMerged`.
  func listSpeakers(
    nameContains: String, country: String, includeMerged: Bool, pageSize: Int, pageToken: String
  ) async throws -> Page<Speaker>
  func listClaims(_ filter: ClaimFilter, pageSize: Int, pageToken: String) async throws -> Page<Claim>
  func listClaimRevisions(claimID: String, pageSize: Int, pageToken: String) async throws -> Page<ClaimRevision>
  func listSources(outlet: String, kind: SourceKind, pageSize: Int, pageToken: String) async throws -> Page<Source>
  func listLinks(_ filter: LinkFilter, pageSize: Int, pageToken: String) async throws -> Page<Link>
  func listVerdicts(
    claimID: String, includeWithdrawn: Bool, pageSize: Int, pageToken: String
  ) async throws -> Page<Verdict>

  /// Audit events in sequence order.
  func auditEvents(_ query: AuditQuery) async throws -> [AuditEvent]

  /// The audit sequence the background search for repeats (``Ledger/searchRepeats(report:)``) has
  /// searched through: the claims created by later events are still to be searched.
  func repeatSearchMark() async throws -> Int64

  /// Records what the search for repeats found in the claims created by the events after `searched` up
  /// to `through`: a REPEATS_FOUND event for each claim in `found` (its `before` and `after` are the
  /// claim as it stands), and the mark moved to `through`, in one transaction. Writes nothing and
  /// returns nil when the mark is no longer at `searched` (another daemon recorded them first).
  func recordRepeats(
    _ found: [(claimID: String, audit: AuditDraft)], searched: Int64, through: Int64
  ) async throws -> [AuditEvent]?

  /// Ranked full-text search.
  func search(_ search: LedgerSearch) async throws -> [SearchHit]
  /// The closest indexed words and speaker names to the words of `query`, at most `limit` of each.
  func suggestSearch(query: String, limit: Int) async throws -> SuggestSearchResponse

  /// The highest audit sequence number written so far (0 for an empty ledger).
  func lastSequence() async throws -> Int64

  /// Makes a consistent copy of the whole ledger while writes go on, checks it, and runs `body` with the
  /// copy open for reading; the copy is deleted when `body` returns.
  func withBackupSnapshot<T: Sendable>(_ body: (_ file: BackupSnapshot) async throws -> T) async throws -> T

  /// Writes a batch of imported records in one transaction: `created` new to the ledger, in order, with
  /// one IMPORT event for them all (``AuditDraft/chunkEvent(created:time:)``: the chunk's, naming each;
  /// each record's history finds it, and a claim's first revision is the record itself), then `updated`,
  /// existing records in their new state, with an IMPORT event each by `audit`'s actor.
  /// `readRevisions` holds, by id, the revision the import read an updated record at: a record now at
  /// another revision changed meanwhile, and the batch is refused (``StoreRefusal/checkImportBase``).
  /// Constraint violations fail the whole batch.
  func importBatch(
    created: [Resource], updated: [Resource], readRevisions: [String: Int32], audit: AuditDraft
  ) async throws -> [AuditEvent]

  /// Writes a verified restore in one transaction, as it is: ids, revisions and the audit log with its
  /// sequence numbers. Fails, writing nothing, unless the ledger is empty when the transaction begins.
  func restore(_ restore: VerifiedRestore) async throws

  /// Which of `ids` exist as resources of `type`.
  func existingIDs(_ type: ResourceType, among ids: [String]) async throws -> Set<String>

  /// Speaker ids by lower-cased name or alias, for those of `names` that exist.
  func speakerIDs(named names: [String]) async throws -> [String: String]

  /// Active claims matching any (speaker id, text) pair after normalisation, in one query.
  func claims(matching keys: [(speakerID: String, text: String)]) async throws -> [Claim]

  /// Claims whose text may resemble `text` (full-text candidates, best first), for duplicate detection:
  /// their stored records, without evidence counts or latest rating.
  /// With `recordedBefore`, only claims written before that claim (in the order of the store's writes).
  func claimCandidates(similarTo text: String, limit: Int, recordedBefore claimID: String?) async throws -> [Claim]

  /// Sources whose archived text best matches `query` (an FTS5 expression), best first, each with at most the
  /// first 256 Ki characters of its text (what evidence suggestions look at).
  func sourceCandidates(matching query: String, limit: Int) async throws -> [(Source, Double)]

  /// Runs `body` with a ``ReportReader`` whose reads all see the ledger as it was when `body` began (one
  /// read transaction, held until `body` returns, while writes go on), so a report streamed over many
  /// reads is still a consistent snapshot.
  func readReport<T>(_ body: (any ReportReader) async throws -> T) async throws -> T

  /// What the store knows of its database's integrity (for `Health`); nil for a store that has no
  /// database file of its own to check (PostgreSQL checks its own pages).
  var integrityReport: IntegrityReport? { get }

  /// The full integrity check, now (`CheckIntegrity`); damage found makes the store refuse writes.
  func checkIntegrity() async throws -> IntegrityReport
}

extension LedgerStore {
  public var integrityReport: IntegrityReport? { nil }

  public func checkIntegrity() async throws -> IntegrityReport {
    throw LedgerError(
      .failedPrecondition,
      "this ledger is not in a database file of the daemon's own: its database server checks its pages "
        + "(for PostgreSQL, the amcheck extension)",
      reason: "NOT_APPLICABLE")
  }
}

// MARK: - Reports

/// A claim chosen for a report: its id and the first day its date can mean (`said_on`'s range start),
/// which orders the report.
public struct ReportClaimKey: Sendable, Hashable {
  public var id: String
  public var saidStart: String

  public init(id: String, saidStart: String) {
    self.id = id
    self.saidStart = saidStart
  }
}

/// What a report shows beside a page of its claims, read together.
public struct ReportEvidence: Sendable {
  /// Each claim's active links, with the claim at either end, in the order they were made.
  public var links: [String: [Link]] = [:]
  /// Each claim's latest verdict (claims without one are absent).
  public var latestVerdicts: [String: Verdict] = [:]
  /// The sources those links cite, without their archived text.
  public var sources: [String: Source] = [:]
  /// The claims at the other end of claim-to-claim links, as ``LedgerStore/get(_:id:)`` gives them.
  public var relatedClaims: [String: Claim] = [:]
  /// The speakers of the page's claims and of the related claims.
  public var speakers: [String: Speaker] = [:]

  public init() {}
}

/// The reads of one report, all from the same state of the ledger (one read transaction): a report is a
/// consistent snapshot even while writes go on. Each method reads many claims at once, so a report of
/// thousands of claims costs a few dozen reads, not several per claim.
public protocol ReportReader: Sendable {
  /// The claims ``LedgerStore/listClaims(_:pageSize:pageToken:)`` selects with `filter`, as keys, at most
  /// `limit` of them (in no particular order).
  func claimKeys(_ filter: ClaimFilter, limit: Int) async throws -> [ReportClaimKey]

  /// The claims among `ids` that exist, as ``LedgerStore/get(_:id:)`` gives them (with their evidence
  /// counts and latest rating), by id.
  func claims(ids: [String]) async throws -> [String: Claim]

  /// The speakers among `ids` that exist, by id.
  func speakers(ids: [String]) async throws -> [String: Speaker]

  /// The links, latest verdicts, sources, related claims and speakers of `claims` (a page of a few
  /// hundred).
  func evidence(for claims: [Claim]) async throws -> ReportEvidence
}

/// A checked copy of the ledger's database, open for reading, as ``LedgerStore/withBackupSnapshot(_:)`` gives it.
public struct BackupSnapshot: Sendable {
  /// A read-only file descriptor of the copy, valid while the body runs.
  public let descriptor: Int32
  /// The copy's size in bytes.
  public let size: Int64
  /// The last audit sequence number the copy holds.
  public let lastSequence: Int64

  public init(descriptor: Int32, size: Int64, lastSequence: Int64) {
    self.descriptor = descriptor
    self.size = size
    self.lastSequence = lastSequence
  }
}

// MARK: - Shared ledgers

/// A store that other daemons write to as well (PostgreSQL): a daemon cannot learn every change from its
/// own writes, so its ``ChangeFeed`` follows the audit log instead (``ChangeFeedFollower``).
public protocol SharedLedgerStore: LedgerStore {
  /// Returns once changes after audit sequence `sequence` may have been committed by any daemon, or when
  /// `timeout` has passed, whichever comes first. A wake-up only: the caller reads the audit log to see
  /// what, if anything, changed.
  func waitForChanges(after sequence: Int64, timeout: Duration) async throws
}

extension LedgerStore {
  /// ``importBatch(created:updated:readRevisions:audit:)`` without revision checks (records not read first).
  public func importBatch(created: [Resource], updated: [Resource], audit: AuditDraft) async throws -> [AuditEvent] {
    try await importBatch(created: created, updated: updated, readRevisions: [:], audit: audit)
  }
}
