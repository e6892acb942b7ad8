import Foundation
public import GainsayProto
import Synchronization

/// Open import sessions: records arrive in chunks (ImportRecords) between BeginImport and FinishImport.
///
/// Without `strict`, each chunk's valid records are committed when the chunk arrives and bad ones are
/// reported by line. With `strict`, records are staged and the whole import commits at FinishImport, or
/// nothing does if any record was bad; every record is still checked, so every problem is reported. A
/// `dryRun` session checks every record as the import would and commits nothing. Records that carry ids
/// (an export) are merged all or nothing: only in a strict or dry-run session (see `Ledger+ImportMerge`).
public final class ImportSessions: Sendable {
  struct Session: Sendable {
    let strict: Bool
    let dryRun: Bool
    let origin: String
    /// The SHA-256 of the imported file (hex), or empty.
    let fileSHA256: String
    let owner: UInt32
    /// A restore of an export (admin, empty ledger), staged whole and verified at FinishImport.
    let restore: Bool
    var lastUsed: Date
    var failed = false
    var counts = (created: Int64(0), updated: Int64(0), unchanged: Int64(0), rejected: Int64(0))
    /// Strict mode: the chunks staged, each with its lines and the number of records it creates (each
    /// gets its own audit event at FinishImport).
    var stagedChunks: [ImportChunkSpan] = []
    /// Strict mode: what FinishImport will commit.
    var staged = Staged()
    /// Speakers created by this import, by lower-cased name and alias, so later rows find them.
    var speakersByName: [String: String] = [:]
    /// Speakers this import created or changed and has not committed yet, as they will be written.
    var speakers: [String: Speaker] = [:]
    /// Claims created by this import, by de-duplication key, so repeated rows are UNCHANGED.
    var claimKeys: [String: String] = [:]
    /// Records with ids this import creates and has not committed yet (an export merged in), so later
    /// records may refer to them; sources keep their archived text, for the quotes of links.
    var merged: [String: Resource] = [:]
    /// Records with ids this import rejected, by id, with their line: what refers to them says so.
    var rejectedIDs: [String: Int64] = [:]
    /// Restore: every record so far, in order, with its line.
    var restoreRecords: [RestoreRecord] = []
    /// Restore: the encoded size of `restoreRecords`, bounded by ``ImportSessions/restoreByteLimit``.
    var restoreBytes = 0
    /// Strict import: the encoded size of `staged`, bounded by ``ImportSessions/strictByteLimit``.
    var stagedBytes = 0

    /// Whether nothing commits until FinishImport (strict), or ever (dry run).
    var staging: Bool { strict || dryRun }

    mutating func count(_ result: ImportResult) {
      switch result {
      case .created: counts.created += 1
      case .updated: counts.updated += 1
      case .unchanged: counts.unchanged += 1
      default: counts.rejected += 1
      }
    }
  }

  /// What one chunk (or, strict, the whole import) writes: new records in order, and existing records
  /// changed (speakers that gained details), each once, as they will be stored.
  struct Staged: Sendable {
    var created: [Resource] = []
    var updated: [Resource] = []
    /// The revision each updated record was read at, before the import's first change of it: what the
    /// store checks it is still at when the batch is written.
    var readRevisions: [String: Int32] = [:]
    var isEmpty: Bool { created.isEmpty && updated.isEmpty }
    var bytes: Int { (created + updated).reduce(0) { $0 + $1.serializedBytes().count } }

    /// Adds `speaker`, or replaces the version of it this batch already holds.
    mutating func put(_ speaker: Speaker, isNew: Bool) {
      let resource = Resource(speaker)
      if let index = created.firstIndex(where: { $0.typeAndID.1 == speaker.id }) {
        created[index] = resource
      } else if let index = updated.firstIndex(where: { $0.typeAndID.1 == speaker.id }) {
        updated[index] = resource
      } else if isNew {
        created.append(resource)
      } else {
        // Each change of a record read from the ledger (or from this batch) adds one to its revision.
        updated.append(resource)
        readRevisions[speaker.id] = speaker.revision - 1
      }
    }

    /// Adds the next chunk's records: updates of the same record keep the latest.
    mutating func append(_ other: Staged) {
      created += other.created
      // The first read counts: a later chunk changed what an earlier one staged.
      readRevisions.merge(other.readRevisions) { first, _ in first }
      for resource in other.updated {
        if let index = updated.firstIndex(where: { $0.typeAndID.1 == resource.typeAndID.1 }) {
          updated[index] = resource
        } else {
          updated.append(resource)
        }
      }
    }
  }

  let sessions = Mutex<[String: Session]>([:])
  /// Sessions idle this long are dropped (a client that vanished mid-import).
  static let idleLimit: TimeInterval = 3_600
  /// The most a restore may stage in memory before it is verified and committed, in encoded bytes.
  /// Only one restore is open at a time: a new one drops the one before.
  public static let restoreByteLimit = 1 << 30
  /// The most a strict import may stage in memory before FinishImport commits it, in encoded bytes.
  public static let strictByteLimit = 256 << 20
  /// The most import sessions one Unix user may have open at once.
  public static let sessionsPerUser = 8

  public init() {}
}

extension Ledger {
  /// Opens an import, or with `restore` a restore of an export (admin only, into an empty ledger).
  public func beginImport(_ request: BeginImportRequest, caller: CallerIdentity) async throws -> BeginImportResponse {
    try require(request.restore ? .admin : .editor, caller, to: request.restore ? "restoring an export" : "importing")
    let origin = try Validate.line(request.origin, field: "origin", required: false, maximum: 500)
    let sha256 = try Validate.sha256(request.fileSha256, field: "file_sha256")
    if request.restore && request.dryRun {
      throw LedgerError.invalid("dry_run", "a restore is checked whole before it commits; it has no dry run")
    }
    if request.restore { try await requireEmptyLedger() }
    let id = ResourceID.make("imp")
    let now = Date()
    let open = imports.sessions.withLock { sessions -> Int in
      sessions = sessions.filter { now.timeIntervalSince($0.value.lastUsed) < ImportSessions.idleLimit }
      // One restore at a time, whoever began it: a restore abandoned by a vanished client is replaced.
      if request.restore { sessions = sessions.filter { !$0.value.restore } }
      let open = sessions.values.filter { $0.owner == caller.uid }.count
      guard open < ImportSessions.sessionsPerUser else { return open }
      sessions[id] = ImportSessions.Session(
        strict: request.strict || request.restore, dryRun: request.dryRun, origin: origin, fileSHA256: sha256,
        owner: caller.uid, restore: request.restore, lastUsed: now)
      return open
    }
    guard open < ImportSessions.sessionsPerUser else {
      throw LedgerError(
        .resourceExhausted,
        "\(caller.userName) already has \(open) imports open, the most one user may; finish them "
          + "(FinishImport) or wait an hour for abandoned ones to be dropped")
    }
    var response = BeginImportResponse()
    response.importID = id
    return response
  }

  func session(_ id: String, caller: CallerIdentity) throws -> ImportSessions.Session {
    guard let session = imports.sessions.withLock({ $0[id] }) else {
      throw LedgerError.notFound("import session", id, field: "import_id")
    }
    guard session.owner == caller.uid else {
      throw LedgerError(.permissionDenied, "import \(id) belongs to another user", field: "import_id")
    }
    if session.restore { try require(.admin, caller, to: "restoring an export") }
    return session
  }

  public func importRecords(
    _ request: ImportRecordsRequest, caller: CallerIdentity
  ) async throws -> ImportRecordsResponse {
    try require(.editor, caller, to: "importing")
    guard request.records.count <= 1_000 else {
      throw LedgerError.invalid("records", "at most 1,000 records per chunk; send more chunks")
    }
    var session = try session(request.importID, caller: caller)
    if session.restore { return try stageRestore(request, session: session) }
    var batch = ImportSessions.Staged()
    var outcomes: [ImportOutcome] = []
    let known = try await prefetch(request.records, session: session)
    for item in request.records {
      var outcome = ImportOutcome()
      outcome.line = item.line
      do {
        // A rejected record stages nothing: stage checks everything before it adds to batch or session.
        let staged = try await stage(item, into: &batch, session: &session, known: known, caller: caller)
        outcome.result = staged.result
        outcome.resourceID = staged.id
        outcome.error = staged.warnings.joined(separator: "; ")
      } catch let error as LedgerError {
        outcome.result = .rejected
        outcome.error = error.message
        session.failed = true
        if !item.carriedID.isEmpty { session.rejectedIDs[item.carriedID] = item.line }
      }
      session.count(outcome.result)
      outcomes.append(outcome)
    }
    if session.dryRun {
      // Nothing is kept but what later chunks need to find (names, claim keys, merged ids).
    } else if session.strict {
      session.stagedBytes += batch.bytes
      guard session.stagedBytes <= ImportSessions.strictByteLimit else {
        _ = imports.sessions.withLock { $0.removeValue(forKey: request.importID) }
        throw LedgerError(
          .resourceExhausted,
          "a strict import may stage at most \(ImportSessions.strictByteLimit >> 20) MiB before it commits; this "
            + "one was abandoned, nothing written: import without --strict, or in smaller files")
      }
      session.staged.append(batch)
      session.stagedChunks.append(chunk(of: request, session: session, creating: batch.created.count))
    } else {
      if !batch.isEmpty {
        try await commitBatch(
          batch, chunks: [chunk(of: request, session: session, creating: batch.created.count)], session: session,
          caller: caller)
      }
      // Committed: the ledger itself now answers for these speakers and claims (prefetch reads them),
      // so the session stays small however long the import.
      session.speakersByName.removeAll()
      session.speakers.removeAll()
      session.claimKeys.removeAll()
      session.merged.removeAll()
    }
    return saved(session, id: request.importID, outcomes: outcomes)
  }

  /// Keeps the session's progress and answers the chunk with its outcomes.
  func saved(_ session: ImportSessions.Session, id: String, outcomes: [ImportOutcome]) -> ImportRecordsResponse {
    var session = session
    session.lastUsed = Date()
    let updated = session
    imports.sessions.withLock { $0[id] = updated }
    var response = ImportRecordsResponse()
    response.outcomes = outcomes
    return response
  }

  public func finishImport(_ request: FinishImportRequest, caller: CallerIdentity) async throws -> FinishImportResponse
  {
    try require(.editor, caller, to: "importing")
    let session = try session(request.importID, caller: caller)
    _ = imports.sessions.withLock { $0.removeValue(forKey: request.importID) }
    if session.restore { return try await finishRestore(session, commit: request.commit) }
    var response = FinishImportResponse()
    response.rejected = session.counts.rejected
    response.unchanged = session.counts.unchanged
    if session.dryRun {
      // What the import would have done; nothing was written.
      response.committed = false
      response.created = session.counts.created
      response.updated = session.counts.updated
    } else if session.strict {
      let commit = request.commit && !session.failed
      if commit && !session.staged.isEmpty {
        try await commitBatch(session.staged, chunks: session.stagedChunks, session: session, caller: caller)
      }
      response.committed = commit
      response.created = commit ? session.counts.created : 0
      response.updated = commit ? session.counts.updated : 0
    } else {
      response.committed = true
      response.created = session.counts.created
      response.updated = session.counts.updated
    }
    return response
  }

  /// Where the records of one ImportRecords call came from, for its audit event.
  private func chunk(
    of request: ImportRecordsRequest, session: ImportSessions.Session, creating created: Int
  ) -> ImportChunkSpan {
    var chunk = ImportChunk()
    chunk.importID = request.importID
    chunk.origin = session.origin
    chunk.fileSha256 = session.fileSHA256
    chunk.firstLine = request.records.map(\.line).min() ?? 0
    chunk.lastLine = request.records.map(\.line).max() ?? 0
    return ImportChunkSpan(chunk: chunk, created: created)
  }

  /// Commits a chunk's records (a strict import's: all of them) in one transaction, with one audit event
  /// for the records each chunk creates.
  private func commitBatch(
    _ batch: ImportSessions.Staged, chunks: [ImportChunkSpan], session: ImportSessions.Session,
    caller: CallerIdentity
  ) async throws {
    var audit = AuditDraft(
      actor: caller.unixUser, method: "gainsay.v1.Ledger/ImportRecords", action: .import, reason: session.origin,
      time: Timestamp(date: Date()))
    audit.importChunks = chunks
    let events = try await store.importBatch(
      created: batch.created, updated: batch.updated, readRevisions: batch.readRevisions, audit: audit)
    published(events)
  }
}
