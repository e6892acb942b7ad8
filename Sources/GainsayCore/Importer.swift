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
    var lastUsed: Date
    var failed = false
    var counts = (created: Int64(0), unchanged: Int64(0), rejected: Int64(0))
    /// Strict mode: what FinishImport will commit.
    var staged = Staged()
    /// Speakers created by this import, by lower-cased name, so later rows find them.
    var speakersByName: [String: String] = [:]
    /// Claims created by this import, by de-duplication key, so repeated rows are UNCHANGED.
    var claimKeys: [String: String] = [:]
  }

  struct Staged: Sendable {
    var created: [Resource] = []
    var restored: [Resource] = []
    var revisions: [ClaimRevision] = []
    var auditEvents: [AuditEvent] = []
    var isEmpty: Bool { created.isEmpty && restored.isEmpty && revisions.isEmpty && auditEvents.isEmpty }
  }

  let sessions = Mutex<[String: Session]>([:])
  /// Sessions idle this long are dropped (a client that vanished mid-import).
  static let idleLimit: TimeInterval = 3_600

  public init() {}
}

extension Ledger {
  public func beginImport(_ request: BeginImportRequest, caller: CallerIdentity) throws -> BeginImportResponse {
    try require(.editor, caller, to: "importing")
    let origin = try Validate.line(request.origin, field: "origin", required: false, maximum: 500)
    let id = ResourceID.make("imp")
    let now = Date()
    imports.sessions.withLock { sessions in
      sessions = sessions.filter { now.timeIntervalSince($0.value.lastUsed) < ImportSessions.idleLimit }
      sessions[id] = ImportSessions.Session(strict: request.strict, origin: origin, owner: caller.uid, lastUsed: now)
    }
    var response = BeginImportResponse()
    response.importID = id
    return response
  }

  private func session(_ id: String, caller: CallerIdentity) throws -> ImportSessions.Session {
    guard let session = imports.sessions.withLock({ $0[id] }) else {
      throw LedgerError.notFound("import session", id, field: "import_id")
    }
    guard session.owner == caller.uid else {
      throw LedgerError(.permissionDenied, "import \(id) belongs to another user", field: "import_id")
    }
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
      switch outcome.result {
      case .created: session.counts.created += 1
      case .unchanged: session.counts.unchanged += 1
      default: session.counts.rejected += 1
      }
      outcomes.append(outcome)
    }
    if session.strict {
      session.staged.created += batch.created
      session.staged.restored += batch.restored
      session.staged.revisions += batch.revisions
      session.staged.auditEvents += batch.auditEvents
    } else if !batch.isEmpty {
      try await commitBatch(batch, session: session, caller: caller)
    }
    if !session.strict {
      // Committed: the ledger itself now answers for these speakers and claims (prefetch reads them),
      // so the session stays small however long the import.
      session.speakersByName.removeAll()
      session.claimKeys.removeAll()
    }
    session.lastUsed = Date()
    let updated = session
    imports.sessions.withLock { $0[request.importID] = updated }
    var response = ImportRecordsResponse()
    response.outcomes = outcomes
    return response
  }

  public func finishImport(_ request: FinishImportRequest, caller: CallerIdentity) async throws -> FinishImportResponse
  {
    try require(.editor, caller, to: "importing")
    let session = try session(request.importID, caller: caller)
    _ = imports.sessions.withLock { $0.removeValue(forKey: request.importID) }
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
    let events = try await store.importBatch(
      created: batch.created, restored: batch.restored, revisions: batch.revisions, auditEvents: batch.auditEvents,
      audit: audit)
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
      case .speaker(let value)?:
        if !value.id.isEmpty { ids[.speaker, default: []].append(value.id) } else { names.append(value.name) }
      case .source(let value)?: if !value.id.isEmpty { ids[.source, default: []].append(value.id) }
      case .claim(let value)?:
        if !value.id.isEmpty { ids[.claim, default: []].append(value.id) }
        if !value.speakerID.isEmpty { ids[.speaker, default: []].append(value.speakerID) }
        if !item.speakerName.isEmpty { names.append(item.speakerName) }
      case .link(let value)?: if !value.id.isEmpty { ids[.link, default: []].append(value.id) }
      case .verdict(let value)?: if !value.id.isEmpty { ids[.verdict, default: []].append(value.id) }
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

  /// Validates one record and adds what it creates to `batch`; returns CREATED or UNCHANGED and the id.
  private func stage(
    _ item: ImportRecord, into batch: inout ImportSessions.Staged, session: inout ImportSessions.Session,
    known: Known, caller: CallerIdentity
  ) async throws -> (ImportResult, String) {
    let time = Timestamp(date: Date())
    switch item.record?.record {
    case .speaker(let input)?:
      var speaker = try Self.validated(input, field: "speaker")
      if !input.id.isEmpty {
        if known.exists(.speaker, input.id) { return (.unchanged, input.id) }
        speaker.id = try Validate.id(input.id, field: "speaker.id")
        speaker.createTime = input.createTime ?? time
        speaker.updateTime = input.updateTime ?? speaker.createTime
        batch.restored.append(Resource(speaker))
      } else {
        if let existing = findSpeaker(speaker.name, session: session, known: known) { return (.unchanged, existing) }
        speaker.id = ResourceID.make("spk")
        speaker.createTime = time
        speaker.updateTime = time
        batch.created.append(Resource(speaker))
      }
      session.speakersByName[speaker.name.lowercased()] = speaker.id
      return (.created, speaker.id)

    case .source(let input)?:
      if !input.id.isEmpty, known.exists(.source, input.id) { return (.unchanged, input.id) }
      var source = try validated(input, field: "source")
      source.archivedText = try Validate.text(
        input.archivedText, field: "source.archived_text", required: false, maximum: 3_000_000)
      Self.seal(&source)
      source.id = input.id.isEmpty ? ResourceID.make("src") : try Validate.id(input.id, field: "source.id")
      source.createTime = input.createTime ?? time
      source.updateTime = input.updateTime ?? source.createTime
      if input.id.isEmpty { batch.created.append(Resource(source)) } else { batch.restored.append(Resource(source)) }
      return (.created, source.id)

    case .claim(let input)?:
      var claimInput = input
      // A speaker named by the row and not yet in the ledger; staged only if the row is accepted.
      var newSpeaker: Speaker?
      func stageSpeaker(_ batch: inout ImportSessions.Staged, _ session: inout ImportSessions.Session) {
        guard let newSpeaker else { return }
        batch.created.append(Resource(newSpeaker))
        session.speakersByName[newSpeaker.name.lowercased()] = newSpeaker.id
      }
      if claimInput.speakerID.isEmpty {
        let name = try Validate.line(item.speakerName, field: "speaker_name", required: true)
        if let id = findSpeaker(name, session: session, known: known) {
          claimInput.speakerID = id
        } else {
          var speaker = Speaker()
          speaker.name = name
          speaker.kind = .person
          speaker.id = ResourceID.make("spk")
          speaker.createTime = time
          speaker.updateTime = time
          newSpeaker = speaker
          claimInput.speakerID = speaker.id
        }
      } else if !known.exists(.speaker, claimInput.speakerID),
        !batch.restored.contains(where: { $0.typeAndID == (.speaker, claimInput.speakerID) }),
        !session.speakersByName.values.contains(claimInput.speakerID),
        try await store.resource(.speaker, id: claimInput.speakerID) == nil
      {
        throw LedgerError.notFound("speaker", claimInput.speakerID, field: "claim.speaker_id")
      }
      var claim = try validated(claimInput, field: "claim")
      if !input.id.isEmpty {
        if known.exists(.claim, input.id) { return (.unchanged, input.id) }
        claim.id = try Validate.id(input.id, field: "claim.id")
        claim.state = input.state == .unspecified ? .active : input.state
        claim.retractionReason = input.retractionReason
        claim.revision = max(input.revision, 1)
        claim.createTime = input.createTime ?? time
        claim.updateTime = input.updateTime ?? claim.createTime
        stageSpeaker(&batch, &session)
        batch.restored.append(Resource(claim))
        return (.created, claim.id)
      }
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
      stageSpeaker(&batch, &session)
      batch.created.append(Resource(claim))
      if let verdict { batch.created.append(Resource(verdict)) }
      session.claimKeys[key] = claim.id
      return (.created, claim.id)

    case .claimRevision(let revision)?:
      guard !revision.claimID.isEmpty, revision.revision >= 1 else {
        throw LedgerError.invalid("claim_revision", "needs a claim_id and a revision number")
      }
      batch.revisions.append(revision)
      return (.created, revision.claimID)

    case .link(let input)?:
      guard !input.id.isEmpty else {
        throw LedgerError.invalid("link.id", "links are imported from an export, with their ids")
      }
      if known.exists(.link, input.id) { return (.unchanged, input.id) }
      batch.restored.append(Resource(input))
      return (.created, input.id)

    case .verdict(let input)?:
      guard !input.id.isEmpty else {
        throw LedgerError.invalid("verdict.id", "verdicts are imported from an export, with their ids")
      }
      if known.exists(.verdict, input.id) { return (.unchanged, input.id) }
      guard configuration.ratingScale.ratings.contains(where: { $0.label == input.rating }) else {
        throw LedgerError.invalid("verdict.rating", "\"\(input.rating)\" is not on the rating scale")
      }
      batch.restored.append(Resource(input))
      return (.created, input.id)

    case .auditEvent(let event)?:
      guard event.sequence > 0 else { throw LedgerError.invalid("audit_event.sequence", "must be positive") }
      batch.auditEvents.append(event)
      return (.created, String(event.sequence))

    case nil:
      throw LedgerError.invalid("record", "is empty")
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
