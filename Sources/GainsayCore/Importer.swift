import Foundation
public import GainsayProto
import Synchronization

/// Open import sessions: records arrive in chunks (ImportRecords) between BeginImport and FinishImport.
///
/// Without `strict`, each chunk's valid records are committed when the chunk arrives and bad ones are
/// reported by line. With `strict`, records are staged and the whole import commits at FinishImport, or
/// nothing does if any record was bad.
public final class ImportSessions: Sendable {
  struct Session: Sendable {
    let strict: Bool
    let origin: String
    let owner: UInt32
    /// A restore of an export (admin, empty ledger), staged whole and verified at FinishImport.
    let restore: Bool
    var lastUsed: Date
    var failed = false
    var counts = (created: Int64(0), unchanged: Int64(0), rejected: Int64(0))
    /// Strict mode: what FinishImport will commit.
    var staged = Staged()
    /// Speakers created by this import, by lower-cased name, so later rows find them.
    var speakersByName: [String: String] = [:]
    /// Claims created by this import, by de-duplication key, so repeated rows are UNCHANGED.
    var claimKeys: [String: String] = [:]
    /// Restore: every record so far, in order, with its line.
    var restoreRecords: [RestoreRecord] = []
    /// Restore: the encoded size of `restoreRecords`, bounded by ``ImportSessions/restoreByteLimit``.
    var restoreBytes = 0
    /// Strict import: the encoded size of `staged`, bounded by ``ImportSessions/strictByteLimit``.
    var stagedBytes = 0

    mutating func count(_ result: ImportResult) {
      switch result {
      case .created: counts.created += 1
      case .unchanged: counts.unchanged += 1
      default: counts.rejected += 1
      }
    }
  }

  struct Staged: Sendable {
    var created: [Resource] = []
    var isEmpty: Bool { created.isEmpty }
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
        strict: request.strict || request.restore, origin: origin, owner: caller.uid, restore: request.restore,
        lastUsed: now)
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
      if session.strict && session.failed {
        outcome.result = .rejected
        outcome.error = "not imported: an earlier record was rejected and the import is strict"
      } else {
        do {
          let (result, id) = try await stage(item, into: &batch, session: &session, known: known, caller: caller)
          outcome.result = result
          outcome.resourceID = id
        } catch let error as LedgerError {
          outcome.result = .rejected
          outcome.error = error.message
          session.failed = true
        }
      }
      session.count(outcome.result)
      outcomes.append(outcome)
    }
    if session.strict {
      session.stagedBytes += batch.created.reduce(0) { $0 + $1.serializedBytes().count }
      guard session.stagedBytes <= ImportSessions.strictByteLimit else {
        _ = imports.sessions.withLock { $0.removeValue(forKey: request.importID) }
        throw LedgerError(
          .resourceExhausted,
          "a strict import may stage at most \(ImportSessions.strictByteLimit >> 20) MiB before it commits; this "
            + "one was abandoned, nothing written: import without --strict, or in smaller files")
      }
      session.staged.created += batch.created
    } else if !batch.isEmpty {
      try await commitBatch(batch, session: session, caller: caller)
    }
    if !session.strict {
      // Committed: the ledger itself now answers for these speakers and claims (prefetch reads them),
      // so the session stays small however long the import.
      session.speakersByName.removeAll()
      session.claimKeys.removeAll()
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
    if session.strict {
      let commit = request.commit && !session.failed
      if commit && !session.staged.isEmpty { try await commitBatch(session.staged, session: session, caller: caller) }
      response.committed = commit
      response.created = commit ? session.counts.created : 0
    } else {
      response.committed = true
      response.created = session.counts.created
    }
    return response
  }

  private func commitBatch(
    _ batch: ImportSessions.Staged, session: ImportSessions.Session, caller: CallerIdentity
  ) async throws {
    let audit = AuditDraft(
      actor: caller.unixUser, method: "gainsay.v1.Ledger/ImportRecords", action: .import, reason: session.origin,
      time: Timestamp(date: Date()))
    let events = try await store.importBatch(created: batch.created, audit: audit)
    for event in events { feed.publish(event) }
  }

  /// What the ledger already holds of a chunk, read in a few queries rather than one per record.
  struct Known {
    var ids: [ResourceType: Set<String>] = [:]
    var speakers: [String: String] = [:]
    var claims: [String: Claim] = [:]

    /// What makes two claims the same statement: speaker, date as given, and normalised text.
    static func claimKey(_ claim: Claim) -> String {
      claim.speakerID + "|" + (claim.saidOn?.iso ?? "") + "|" + Similarity.normalised(claim.text)
    }

    func exists(_ type: ResourceType, _ id: String) -> Bool { ids[type]?.contains(id) ?? false }
  }

  private func prefetch(_ records: [ImportRecord], session: ImportSessions.Session) async throws -> Known {
    var ids: [ResourceType: [String]] = [:]
    var names: [String] = []
    for item in records {
      switch item.record?.record {
      case .speaker(let value)?: names.append(value.name)
      case .claim(let value)?:
        if !value.speakerID.isEmpty { ids[.speaker, default: []].append(value.speakerID) }
        if !item.speakerName.isEmpty { names.append(item.speakerName) }
      default: break
      }
    }
    var known = Known()
    for (type, list) in ids { known.ids[type] = try await store.existingIDs(type, among: list) }
    known.speakers = try await store.speakerIDs(named: names)
    var keys: [(speakerID: String, text: String)] = []
    for item in records {
      guard case .claim(let claim)? = item.record?.record, claim.id.isEmpty else { continue }
      let speakerID =
        claim.speakerID.isEmpty
        ? (session.speakersByName[item.speakerName.lowercased()] ?? known.speakers[item.speakerName.lowercased()])
        : claim.speakerID
      if let speakerID { keys.append((speakerID, claim.text)) }
    }
    for claim in try await store.claims(matching: keys) {
      known.claims[Known.claimKey(claim)] = claim
    }
    return known
  }

  /// Validates one record as the Create methods do and adds what it creates to `batch`, with the caller
  /// as actor and the server's clock; returns CREATED or UNCHANGED and the id. Records that carry ids, and
  /// revisions, links, verdicts and audit events, come only from an export: they are restored, not imported.
  private func stage(
    _ item: ImportRecord, into batch: inout ImportSessions.Staged, session: inout ImportSessions.Session,
    known: Known, caller: CallerIdentity
  ) async throws -> (ImportResult, String) {
    let time = timestamp
    switch item.record?.record {
    case .speaker(let input)?:
      try Self.refuseID(input.id, field: "speaker.id")
      var speaker = try Self.validated(input, field: "speaker")
      if let existing = findSpeaker(speaker.name, session: session, known: known) { return (.unchanged, existing) }
      speaker.id = ResourceID.make("spk")
      speaker.createTime = time
      speaker.updateTime = time
      batch.created.append(Resource(speaker))
      session.speakersByName[speaker.name.lowercased()] = speaker.id
      return (.created, speaker.id)

    case .source(let input)?:
      try Self.refuseID(input.id, field: "source.id")
      var source = try validated(input, field: "source")
      source.archivedText = try Validate.text(
        input.archivedText, field: "source.archived_text", required: false, maximum: 3_000_000)
      Self.seal(&source)
      source.id = ResourceID.make("src")
      source.createTime = time
      source.updateTime = time
      batch.created.append(Resource(source))
      return (.created, source.id)

    case .claim(let input)?:
      try Self.refuseID(input.id, field: "claim.id")
      var claimInput = input
      // A speaker named by the row and not yet in the ledger; staged only if the row is accepted.
      var newSpeaker: Speaker?
      if claimInput.speakerID.isEmpty {
        let name = try Validate.line(item.speakerName, field: "speaker_name", required: true)
        if let id = findSpeaker(name, session: session, known: known) {
          claimInput.speakerID = id
        } else {
          var speaker = try Self.validated(Speaker.named(name), field: "speaker_name")
          speaker.id = ResourceID.make("spk")
          speaker.createTime = time
          speaker.updateTime = time
          newSpeaker = speaker
          claimInput.speakerID = speaker.id
        }
      } else if !known.exists(.speaker, claimInput.speakerID),
        !session.speakersByName.values.contains(claimInput.speakerID),
        try await store.resource(.speaker, id: claimInput.speakerID) == nil
      {
        throw LedgerError.notFound("speaker", claimInput.speakerID, field: "claim.speaker_id")
      }
      var claim = try validated(claimInput, field: "claim")
      // The same statement by the same speaker on the same date is the same claim: re-imports add nothing.
      let key = Known.claimKey(claim)
      if let existing = session.claimKeys[key] { return (.unchanged, existing) }
      if let existing = known.claims[key] {
        session.claimKeys[key] = existing.id
        if !item.rating.isEmpty, existing.latestRating.isEmpty {
          batch.created.append(
            Resource(try importedVerdict(claimID: existing.id, label: item.rating, caller: caller, time: time)))
          return (.created, existing.id)
        }
        return (.unchanged, existing.id)
      }
      claim.id = ResourceID.make("clm")
      claim.state = .active
      claim.revision = 1
      claim.createTime = time
      claim.updateTime = time
      // Check the rating before staging anything, so a rejected row leaves nothing behind.
      let verdict =
        item.rating.isEmpty
        ? nil : try importedVerdict(claimID: claim.id, label: item.rating, caller: caller, time: time)
      if let newSpeaker {
        batch.created.append(Resource(newSpeaker))
        session.speakersByName[newSpeaker.name.lowercased()] = newSpeaker.id
      }
      batch.created.append(Resource(claim))
      if let verdict { batch.created.append(Resource(verdict)) }
      session.claimKeys[key] = claim.id
      return (.created, claim.id)

    case .claimRevision?, .link?, .verdict?, .auditEvent?:
      throw LedgerError.invalid(
        "record", "revisions, links, verdicts and audit events come from an export: " + Self.restoreHint)

    case nil:
      throw LedgerError.invalid("record", "is empty")
    }
  }

  static let restoreHint = "restore an export with `gainsay restore FILE` (admin, into an empty ledger)"

  /// Imports create records: an id in the file is refused rather than trusted.
  private static func refuseID(_ id: String, field: String) throws {
    guard id.isEmpty else {
      throw LedgerError.invalid(field, "an import creates new records and takes no ids; " + restoreHint)
    }
  }

  private func findSpeaker(_ name: String, session: ImportSessions.Session, known: Known) -> String? {
    session.speakersByName[name.lowercased()] ?? known.speakers[name.lowercased()]
  }

  private func importedVerdict(
    claimID: String, label: String, caller: CallerIdentity, time: Timestamp
  ) throws -> Verdict {
    guard let rating = configuration.ratingScale.ratings.first(where: { $0.label.lowercased() == label.lowercased() })
    else {
      let labels = configuration.ratingScale.ratings.map { "\"\($0.label)\"" }.joined(separator: ", ")
      throw LedgerError.invalid(
        "rating", "\"\(label)\" is not on the rating scale (\(labels)); map it with --rating-map")
    }
    var verdict = Verdict()
    verdict.id = ResourceID.make("vrd")
    verdict.claimID = claimID
    verdict.rating = rating.label
    verdict.ratingValue = rating.value
    verdict.reviewer = caller.unixUser
    verdict.createTime = time
    return verdict
  }
}

extension Speaker {
  /// A person known only by name, as an imported row names its speaker.
  fileprivate static func named(_ name: String) -> Speaker {
    var speaker = Speaker()
    speaker.name = name
    speaker.kind = .person
    return speaker
  }
}
