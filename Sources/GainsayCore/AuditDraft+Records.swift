public import GainsayProto

extension Resource {
  /// The resource as the audit log keeps it: a source without its archived text (its SHA-256 and size
  /// identify it), a claim without its speaker's name, a verdict without the name it is signed with (both
  /// filled when read).
  public var audited: Resource {
    switch kind {
    case .claim(var claim)?:
      claim.speakerName = ""
      return Resource(claim)
    case .verdict(var verdict)?:
      verdict.signedBy = ""
      return Resource(verdict)
    default:
      return withoutArchivedText
    }
  }
}

extension AuditDraft {
  /// The audit event of a change from `before` to `after` made with this draft, at `time` (the store
  /// chooses the time and numbers the event).
  public func event(before: Resource?, after: Resource, time: Timestamp) -> AuditEvent {
    var event = AuditEvent()
    event.time = time
    event.actor = actor
    event.method = method
    event.action = action
    event.reason = reason
    event.relatedIds = relatedIDs
    event.repeats = repeats
    (event.resourceType, event.resourceID) = after.typeAndID
    event.before = before?.audited
    event.after = after.audited
    return event
  }

  /// The ids of a batch's created records (in order) split by the chunks of ``importChunks``: each chunk
  /// with its own, in order (what a chunk does not account for goes to the last), empty ones left out.
  public func chunks(of ids: [String]) -> [(chunk: ImportChunk, ids: [String])] {
    var rest = ids[...]
    var split: [(chunk: ImportChunk, ids: [String])] = []
    for (index, span) in importChunks.enumerated() {
      let count = index == importChunks.count - 1 ? rest.count : min(max(span.created, 0), rest.count)
      if count > 0 { split.append((span.chunk, Array(rest.prefix(count)))) }
      rest = rest.dropFirst(count)
    }
    return split
  }

  /// The one IMPORT event of the import `chunk` that created the records `ids` (in order), at `time`:
  /// about the import (`resource_id` its id, no resource type), with no `before` or `after`.
  public func chunkEvent(_ chunk: ImportChunk, created ids: [String], time: Timestamp) -> AuditEvent {
    var event = AuditEvent()
    event.time = time
    event.actor = actor
    event.method = method
    event.action = .import
    event.reason = reason
    event.relatedIds = ids
    event.importChunk = chunk
    event.resourceID = chunk.importID
    return event
  }

  /// A claim's first revision when an import chunk's `event` created it: the claim as created (without
  /// what reads fill in), by the chunk's actor, at its time, for its origin.
  public static func importedRevision(of claim: Claim, chunk event: AuditEvent) -> ClaimRevision {
    ClaimRevision(claim.withoutReadFields, actor: event.actor, time: event.time, reason: event.reason)
  }

  /// The revision a claim's change records beside its audit `event`; nil if the event is not a claim's.
  public func claimRevision(of event: AuditEvent) -> ClaimRevision? {
    // Finding repeats changes nothing in the claim.
    guard event.action != .repeatsFound, case .claim(let claim)? = event.after?.kind else { return nil }
    return ClaimRevision(claim, actor: actor, time: event.time, reason: reason)
  }
}

extension ClaimRevision {
  /// `claim` as its revision `claim.revision`, made by `actor` at `time` for `reason`.
  init(_ claim: Claim, actor: UnixUser?, time: Timestamp?, reason: String) {
    self.init()
    claimID = claim.id
    revision = claim.revision
    self.claim = claim
    self.actor = actor
    self.time = time
    self.reason = reason
  }
}

extension Claim {
  /// The claim without what reads fill in (evidence counts, latest rating, speaker's name): as stored.
  public var withoutReadFields: Claim {
    var claim = self
    claim.evidence = nil
    claim.latestRating = ""
    claim.speakerName = ""
    return claim
  }
}
