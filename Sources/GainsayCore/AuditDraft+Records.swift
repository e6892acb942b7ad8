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

  /// A claim's first revision when an import chunk's `event` created it: the claim as created.
  public static func importedRevision(of claim: Claim, chunk event: AuditEvent) -> ClaimRevision {
    // As the chunk created it: what reads fill in (evidence, rating, speaker's name) is not kept.
    var created = claim
    created.evidence = nil
    created.latestRating = ""
    created.speakerName = ""
    var revision = ClaimRevision()
    revision.claimID = claim.id
    revision.revision = claim.revision
    revision.claim = created
    revision.actor = event.actor
    revision.time = event.time
    revision.reason = event.reason
    return revision
  }

  /// The revision a claim's change records beside its audit `event`; nil if the event is not a claim's.
  public func claimRevision(of event: AuditEvent) -> ClaimRevision? {
    // Finding repeats changes nothing in the claim.
    guard event.action != .repeatsFound, case .claim(let claim)? = event.after?.kind else { return nil }
    var revision = ClaimRevision()
    revision.claimID = claim.id
    revision.revision = claim.revision
    revision.claim = claim
    revision.actor = actor
    revision.time = event.time
    revision.reason = reason
    return revision
  }
}
