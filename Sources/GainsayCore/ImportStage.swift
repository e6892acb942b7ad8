import Foundation
import GainsayProto

/// What staging one record did: its outcome, the id of the record it created or matched, and warnings
/// (what the file said that was not applied).
struct StagedRecord {
  var result: ImportResult
  var id: String
  var warnings: [String] = []
}

/// Staging the records of an ordinary import: speakers, sources and claims without ids, created through
/// the Create rules, with the caller as actor and the server's clock.
extension Ledger {
  /// Validates one record as the Create methods do and adds what it creates or changes to `batch`. It
  /// checks everything before it adds anything, to `batch` or `session`, so a rejected record leaves
  /// nothing behind. Records that carry ids come from an export and are merged (``merge(_:into:session:known:caller:)``).
  func stage(
    _ item: ImportRecord, into batch: inout ImportSessions.Staged, session: inout ImportSessions.Session,
    known: ImportKnown, caller: CallerIdentity
  ) async throws -> StagedRecord {
    if !item.carriedID.isEmpty {
      return try await merge(item, into: &batch, session: &session, known: known, caller: caller)
    }
    let time = timestamp
    switch item.record?.record {
    case .speaker(let input)?:
      var speaker = try Self.validated(input, field: "speaker")
      if let id = findSpeaker(speaker.name, session: session, known: known) {
        // An existing speaker gains the details it lacks; differing ones are reported, not applied.
        let current = try await currentSpeaker(id, session: session, known: known)
        return try fill(current, from: speaker, into: &batch, session: &session, time: time)
      }
      try checkNamesFree(speaker, session: session, known: known)
      speaker.id = ResourceID.make("spk")
      speaker.createTime = time
      speaker.updateTime = time
      speaker.revision = 1
      batch.created.append(Resource(speaker))
      register(speaker, in: &session)
      return StagedRecord(result: .created, id: speaker.id)

    case .source(let input)?:
      var source = try validatedWithText(input)
      source.id = ResourceID.make("src")
      source.createTime = time
      source.updateTime = time
      source.revision = 1
      batch.created.append(Resource(source))
      return StagedRecord(result: .created, id: source.id)

    case .claim(let input)?:
      return try await stageClaim(input, item, into: &batch, session: &session, known: known, caller: caller)

    case .claimRevision?, .link?, .verdict?, .auditEvent?:
      throw LedgerError.invalid(
        "record", "revisions, links, verdicts and audit events come from an export, with ids: " + Self.exportHint)

    case nil:
      throw LedgerError.invalid("record", "is empty")
    }
  }

  static let exportHint =
    "an export merges into a ledger all or nothing (`gainsay import FILE`), or restores into an empty one with "
    + "its history (`gainsay restore FILE`, admin)"

  private func stageClaim(
    _ input: Claim, _ item: ImportRecord, into batch: inout ImportSessions.Staged,
    session: inout ImportSessions.Session, known: ImportKnown, caller: CallerIdentity
  ) async throws -> StagedRecord {
    let time = timestamp
    var claimInput = input
    // A speaker named by the row and not yet in the ledger; staged only if the row is accepted.
    var newSpeaker: Speaker?
    // An existing speaker that gains the row's details.
    var filledSpeaker: Speaker?
    var warnings: [String] = []
    if claimInput.speakerID.isEmpty {
      let name = try Validate.line(item.speakerName, field: "speaker_name", required: true)
      var details = item.speakerDetails ?? Speaker()
      details.name = name
      details.aliases = []
      let detailed = try Self.validated(details, field: "speaker_details")
      if let id = findSpeaker(name, session: session, known: known) {
        claimInput.speakerID = id
        if item.hasSpeakerDetails {
          let current = try await currentSpeaker(id, session: session, known: known)
          let filled = Self.filled(current, from: detailed)
          warnings += filled.conflicts
          if filled.changed { filledSpeaker = filled.speaker }
        }
      } else {
        var speaker = detailed
        if speaker.kind == .unspecified { speaker.kind = .person }
        speaker.id = ResourceID.make("spk")
        speaker.createTime = time
        speaker.updateTime = time
        speaker.revision = 1
        newSpeaker = speaker
        claimInput.speakerID = speaker.id
      }
    } else {
      if item.hasSpeakerDetails {
        throw LedgerError.invalid("speaker_details", "go with speaker_name, for the speaker the row names")
      }
      if !known.exists(.speaker, claimInput.speakerID), session.speakers[claimInput.speakerID] == nil,
        session.merged[claimInput.speakerID] == nil,
        try await store.get(Speaker.self, id: claimInput.speakerID) == nil
      {
        throw LedgerError.notFound("speaker", claimInput.speakerID, field: "claim.speaker_id")
      }
    }
    let reviewer = try Validate.line(item.reviewer, field: "reviewer", required: false)
    var claim = try validated(claimInput, field: "claim")
    // The same statement by the same speaker on the same date is the same claim: re-imports add nothing.
    let key = ImportKnown.claimKey(claim)
    var result = StagedRecord(result: .unchanged, id: "", warnings: warnings)
    if let existing = session.claimKeys[key] {
      result.id = existing
    } else if let existing = known.claims[key] {
      result.id = existing.id
      if !item.rating.isEmpty {
        if existing.latestRating.isEmpty {
          let verdict = try importedVerdict(
            claimID: existing.id, item: item, reviewer: reviewer, caller: caller, time: time)
          batch.created.append(Resource(verdict))
          result.result = .created
        } else if existing.latestRating.lowercased()
          != (try scaleRating(item.rating, fields: .importRow)).label.lowercased()
        {
          result.warnings.append(
            "claim \(existing.id) is already rated \"\(existing.latestRating)\"; the file's \"\(item.rating)\" "
              + "was not recorded")
        }
      }
      session.claimKeys[key] = existing.id
    } else {
      claim.id = ResourceID.make("clm")
      claim.state = .active
      claim.revision = 1
      claim.createTime = time
      claim.updateTime = time
      // Check the rating before staging anything, so a rejected row leaves nothing behind.
      let verdict =
        item.rating.isEmpty
        ? nil
        : try importedVerdict(claimID: claim.id, item: item, reviewer: reviewer, caller: caller, time: time)
      if let newSpeaker {
        batch.created.append(Resource(newSpeaker))
        register(newSpeaker, in: &session)
      }
      batch.created.append(Resource(claim))
      if let verdict { batch.created.append(Resource(verdict)) }
      session.claimKeys[key] = claim.id
      result = StagedRecord(result: .created, id: claim.id, warnings: warnings)
    }
    if var speaker = filledSpeaker {
      speaker.updateTime = time
      speaker.revision += 1
      batch.put(speaker, isNew: false)
      session.speakers[speaker.id] = speaker
      if result.result == .unchanged { result.result = .updated }
    }
    return result
  }

  /// An existing speaker (`current`) filled from a speaker record: UPDATED if it gained details.
  private func fill(
    _ current: Speaker, from input: Speaker, into batch: inout ImportSessions.Staged,
    session: inout ImportSessions.Session, time: Timestamp
  ) throws -> StagedRecord {
    var filled = Self.filled(current, from: input)
    for alias in input.aliases
    where !([filled.speaker.name] + filled.speaker.aliases).contains(where: {
      $0.lowercased() == alias.lowercased()
    }) {
      filled.conflicts.append("speaker \"\(current.name)\" (\(current.id)) has no alias \"\(alias)\"; not added")
    }
    guard filled.changed else { return StagedRecord(result: .unchanged, id: current.id, warnings: filled.conflicts) }
    var speaker = filled.speaker
    speaker.updateTime = time
    speaker.revision += 1
    batch.put(speaker, isNew: false)
    session.speakers[speaker.id] = speaker
    return StagedRecord(result: .updated, id: speaker.id, warnings: filled.conflicts)
  }

  /// `speaker` with the details of `details` it lacks, and a warning for each detail that differs.
  static func filled(
    _ speaker: Speaker, from details: Speaker
  ) -> (speaker: Speaker, changed: Bool, conflicts: [String]) {
    var result = speaker
    var changed = false
    var conflicts: [String] = []
    func merge(_ name: String, _ path: WritableKeyPath<Speaker, String>) {
      let given = details[keyPath: path]
      guard !given.isEmpty else { return }
      let held = result[keyPath: path]
      if held.isEmpty {
        result[keyPath: path] = given
        changed = true
      } else if held != given {
        conflicts.append(
          "speaker \"\(speaker.name)\" (\(speaker.id)) has \(name) \"\(held)\" in the ledger; the file's \"\(given)\" "
            + "was not applied")
      }
    }
    if details.kind != .unspecified {
      if result.kind == .unspecified {
        result.kind = details.kind
        changed = true
      } else if result.kind != details.kind {
        conflicts.append("speaker \"\(speaker.name)\" (\(speaker.id)) is of another kind in the ledger; not changed")
      }
    }
    merge("role", \.role)
    merge("affiliation", \.affiliation)
    merge("country", \.country)
    merge("region", \.region)
    merge("wikidata_id", \.wikidataID)
    return (result, changed, conflicts)
  }

  /// The speaker as this import will leave it: staged by the import, else as the ledger holds it.
  func currentSpeaker(_ id: String, session: ImportSessions.Session, known: ImportKnown) async throws -> Speaker {
    if let speaker = session.speakers[id] ?? known.speakerRecords[id] { return speaker }
    guard let speaker = try await store.get(Speaker.self, id: id) else {
      throw LedgerError.notFound("speaker", id, field: "speaker_name")
    }
    return speaker
  }

  /// Refuses a new speaker whose name or alias already names another speaker (in the ledger or this import).
  func checkNamesFree(_ speaker: Speaker, session: ImportSessions.Session, known: ImportKnown) throws {
    for (index, name) in ([speaker.name] + speaker.aliases).enumerated() {
      guard let owner = findSpeaker(name, session: session, known: known), owner != speaker.id else { continue }
      let field = index == 0 ? "speaker.name" : "speaker.aliases[\(index - 1)]"
      throw LedgerError(
        .alreadyExists, "\(field): \"\(name)\" is already a name or alias of speaker \(owner)", field: field,
        resource: owner)
    }
  }

  /// Notes a speaker this import creates, so later records find it by name or alias.
  func register(_ speaker: Speaker, in session: inout ImportSessions.Session) {
    for name in [speaker.name] + speaker.aliases { session.speakersByName[name.lowercased()] = speaker.id }
    session.speakers[speaker.id] = speaker
  }

  func findSpeaker(_ name: String, session: ImportSessions.Session, known: ImportKnown) -> String? {
    session.speakersByName[name.lowercased()] ?? known.speakers[name.lowercased()]
  }

  /// The verdict a row's rating records, with the row's explanation and review URL: given by `reviewer`
  /// (another fact-checker, the verdict's external reviewer) when named, else by the caller. The caller is
  /// its recording account either way.
  func importedVerdict(
    claimID: String, item: ImportRecord, reviewer: String, caller: CallerIdentity, time: Timestamp
  ) throws -> Verdict {
    var row = Verdict()
    row.rating = item.rating
    row.explanation = item.ratingExplanation
    row.reviewURL = item.reviewURL
    row.externalReviewer = reviewer
    var verdict = try reviewed(row, fields: .importRow)
    verdict.id = ResourceID.make("vrd")
    verdict.claimID = claimID
    verdict.reviewer = caller.unixUser
    verdict.state = .active
    verdict.createTime = time
    return verdict
  }
}
