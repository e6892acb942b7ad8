import GainsayCore
import GainsayProto

/// A store the restore verifier never calls: it checks records against the ledger's rules only.
struct EmptyStore: LedgerStore {
  private func unused() -> Never { fatalError("the restore verifier reads no store") }
  func get<R: StoredRecord>(_ type: R.Type, id: String) async throws -> R? { unused() }
  func insert<R: StoredRecord>(_ record: R, audit: AuditDraft) async throws -> AuditEvent { unused() }
  func update<R: StoredRecord>(
    _ type: R.Type, id: String, expectedRevision: Int32, audit: AuditDraft,
    change: @escaping @Sendable (R) throws -> R
  ) async throws -> (R, AuditEvent) { unused() }
  func speaker(named name: String) async throws -> Speaker? { unused() }
  func similarSpeakers(to query: String, limit: Int) async throws -> [Speaker] { unused() }
  func mergeSpeakers(
    duplicateID: String, intoID: String, audit: AuditDraft,
    merge: @escaping @Sendable (_ duplicate: Speaker, _ into: Speaker) throws -> (Speaker, Speaker),
    move: @escaping @Sendable (Claim) throws -> Claim
  ) async throws -> SpeakerMerge { unused() }
  func updateSource(
    id: String, expectedRevision: Int32, audit: AuditDraft, withdrawingBrokenLinks: String?,
    change: @escaping @Sendable (Source) throws -> Source
  ) async throws -> (Source, [AuditEvent]) { unused() }
  func listSpeakers(
    nameContains: String, country: String, includeMerged: Bool, pageSize: Int, pageToken: String
  ) async throws
    -> Page<Speaker>
  { unused() }
  func listClaims(_ filter: ClaimFilter, pageSize: Int, pageToken: String) async throws -> Page<Claim> { unused() }
  func listClaimRevisions(claimID: String, pageSize: Int, pageToken: String) async throws -> Page<ClaimRevision> {
    unused()
  }
  func listSources(outlet: String, kind: SourceKind, pageSize: Int, pageToken: String) async throws -> Page<Source> {
    unused()
  }
  func listLinks(_ filter: LinkFilter, pageSize: Int, pageToken: String) async throws -> Page<Link> {
    unused()
  }
  func listVerdicts(
    claimID: String, includeWithdrawn: Bool, pageSize: Int, pageToken: String
  ) async throws -> Page<Verdict> { unused() }
  func auditEvents(_ query: AuditQuery) async throws -> [AuditEvent] { unused() }
  func search(_ search: LedgerSearch) async throws -> [SearchHit] { unused() }
  func suggestSearch(query: String, limit: Int) async throws -> SuggestSearchResponse { unused() }
  func lastSequence() async throws -> Int64 { unused() }
  func repeatSearchMark() async throws -> Int64 { unused() }
  func recordRepeats(
    _ found: [(claimID: String, audit: AuditDraft)], searched: Int64, through: Int64
  ) async throws -> [AuditEvent]? { unused() }
  func withBackupSnapshot<T: Sendable>(_ body: (_ file: BackupSnapshot) async throws -> T) async throws -> T {
    unused()
  }
  func importBatch(
    created: [Resource], updated: [Resource], readRevisions: [String: Int32], audit: AuditDraft
  ) async throws -> [AuditEvent] {
    unused()
  }
  func restore(_ restore: VerifiedRestore) async throws { unused() }
  func existingIDs(_ type: ResourceType, among ids: [String]) async throws -> Set<String> { unused() }
  func speakerIDs(named names: [String]) async throws -> [String: String] { unused() }
  func claims(matching keys: [(speakerID: String, text: String)]) async throws -> [Claim] { unused() }
  func claimCandidates(similarTo text: String, limit: Int, recordedBefore claimID: String?) async throws -> [Claim] {
    unused()
  }
  func sourceCandidates(matching query: String, limit: Int) async throws -> [(Source, Double)] { unused() }
  func readReport<T>(_ body: (any ReportReader) async throws -> T) async throws -> T { unused() }
}
