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
