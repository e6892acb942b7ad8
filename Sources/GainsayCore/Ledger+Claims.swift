import Foundation
public import GainsayProto

/// Claims: recording, reading, changing (with revisions) and retracting what speakers said.
extension Ledger {
  public func createClaim(_ request: CreateClaimRequest, caller: CallerIdentity) async throws -> CreateClaimResponse {
    try require(.editor, caller, to: "recording a claim")
    guard let input = request.claim else { throw LedgerError.invalid("claim", "is required") }
    var claim = try validated(input, field: "claim")
    claim.speakerID = try await liveSpeakerID(claim.speakerID, field: "claim.speaker_id")
    // Its exact repeats, looked for before it is written; near ones are searched for after the reply.
    let exact = try await exactRepeats(of: claim)
    claim.id = ResourceID.make("clm")
    claim.state = .active
    claim.revision = 1
    claim.createTime = timestamp
    claim.updateTime = claim.createTime
    try await commit(claim, draft(caller, "CreateClaim", .create))
    repeats.ring()
    // As stored: a new claim has no evidence and no verdict yet.
    claim.evidence = EvidenceCounts()
    var response = CreateClaimResponse()
    response.claim = claim
    response.similarClaims = exact
    return response
  }

  /// How similar (``Similarity/score(_:_:)``) a claim must be to another to be reported as its repeat.
  public static let similarityThreshold = 0.6

  func validated(_ input: Claim, field: String) throws -> Claim {
    var claim = Claim()
    claim.speakerID = try Validate.id(input.speakerID, field: field + ".speaker_id")
    claim.text = try Validate.text(input.text, field: field + ".text", required: true, maximum: 10_000)
    claim.saidOn = try Validate.date(input.saidOn, field: field + ".said_on", required: true, today: today)
    claim.context = try Validate.text(input.context, field: field + ".context", required: false, maximum: 2_000)
    claim.externalID = try Validate.line(input.externalID, field: field + ".external_id", required: false)
    // Counted before each is parsed.
    guard input.appearanceUrls.count <= 20 else {
      throw LedgerError.invalid(field + ".appearance_urls", "has \(input.appearanceUrls.count) URLs; the maximum is 20")
    }
    claim.appearanceUrls = try input.appearanceUrls.enumerated().map { index, url in
      try Validate.url(url, field: "\(field).appearance_urls[\(index)]", required: true)
    }
    claim.language = try Validate.language(input.language, field: field + ".language")
    claim.topics = try Validate.topics(input.topics, field: field + ".topics")
    if case .unrecognized(let value) = input.attribution {
      throw LedgerError.invalid(field + ".attribution", "\(value) is not an attribution status")
    }
    claim.attribution = input.attribution
    return claim
  }

  /// The id of the speaker `id` names, following a merged speaker's redirect.
  func liveSpeakerID(_ id: String, field: String) async throws -> String {
    guard let speaker = try await store.get(Speaker.self, id: id) else {
      throw LedgerError.notFound("speaker", id, field: field)
    }
    return try await following(speaker).id
  }

  func storedClaim(_ id: String) async throws -> Claim {
    guard let claim = try await store.get(Claim.self, id: id) else {
      throw LedgerError.notFound("claim", id, field: "id")
    }
    return claim
  }

  public func getClaim(_ request: GetClaimRequest, caller: CallerIdentity) async throws -> Claim {
    try require(.reader, caller, to: "reading claims")
    let id = try Validate.id(request.id, field: "id")
    guard let claim = try await store.get(Claim.self, id: id) else {
      throw LedgerError.notFound("claim", id, field: "id")
    }
    return claim
  }

  public func listClaims(_ request: ListClaimsRequest, caller: CallerIdentity) async throws -> ListClaimsResponse {
    try require(.reader, caller, to: "reading claims")
    var filter = ClaimFilter()
    filter.speakerID = try Validate.line(request.speakerID, field: "speaker_id", required: false)
    // A merged speaker's id lists the claims of the speaker it was merged into.
    filter.speakerID = try await redirectedSpeakerID(filter.speakerID)
    filter.topic = try Validate.line(request.topic, field: "topic", required: false, maximum: 64).lowercased()
    filter.saidFrom = try Validate.date(
      request.saidFrom, field: "said_from", required: false, today: PartialDate(year: 9999))
    filter.saidUntil = try Validate.date(
      request.saidUntil, field: "said_until", required: false, today: PartialDate(year: 9999))
    switch request.state {
    case .unspecified: filter.state = .active
    case .active, .retracted: filter.state = request.state
    case .unrecognized(let value): throw LedgerError.invalid("state", "\(value) is not a claim state")
    }
    filter.hasContradictingEvidence = request.hasContradictingEvidence
    let page = try await store.listClaims(
      filter, pageSize: try Self.pageSize(request.pageSize), pageToken: request.pageToken)
    var response = ListClaimsResponse()
    let sent = try fitted(page, pageToken: request.pageToken)
    response.claims = sent.items
    response.nextPageToken = sent.nextPageToken
    return response
  }

  private static let claimFields: Set<String> = [
    "text", "said_on", "context", "appearance_urls", "language", "topics", "attribution", "speaker_id", "external_id",
  ]

  public func updateClaim(_ request: UpdateClaimRequest, caller: CallerIdentity) async throws -> Claim {
    try require(.editor, caller, to: "changing a claim")
    guard var requested = request.claim else { throw LedgerError.invalid("claim", "is required") }
    let id = try Validate.id(requested.id, field: "claim.id")
    let paths = try Self.maskPaths(request.updateMask, allowed: Self.claimFields, defaultAll: false)
    let reason = try Validate.text(request.reason, field: "reason", required: true, maximum: 2_000)
    let expected = try Self.expectedRevision(request.expectedRevision)
    if paths.contains("speaker_id") {
      requested.speakerID = try await liveSpeakerID(
        try Validate.id(requested.speakerID, field: "claim.speaker_id"), field: "claim.speaker_id")
    }
    let time = timestamp
    let rules = self
    let input = requested
    // The store checks `expected` against the claim's revision before the change, in its transaction.
    return try await commitUpdate(
      Claim.self, id: id, expectedRevision: expected, draft(caller, "UpdateClaim", .update, reason: reason)
    ) { claim in
      guard claim.state == .active else {
        throw LedgerError(
          .failedPrecondition, "claim \(id) is retracted and cannot be changed", field: "claim.id", resource: id)
      }
      var merged = claim
      for path in paths {
        switch path {
        case "text": merged.text = input.text
        case "said_on": merged.saidOn = input.saidOn
        case "context": merged.context = input.context
        case "appearance_urls": merged.appearanceUrls = input.appearanceUrls
        case "language": merged.language = input.language
        case "topics": merged.topics = input.topics
        case "attribution": merged.attribution = input.attribution
        case "external_id": merged.externalID = input.externalID
        default: merged.speakerID = input.speakerID
        }
      }
      var updated = try rules.validated(merged, field: "claim")
      updated.id = id
      updated.state = claim.state
      updated.revision = claim.revision + 1
      updated.createTime = claim.createTime
      updated.updateTime = time
      return updated
    }
  }

  public func retractClaim(_ request: RetractClaimRequest, caller: CallerIdentity) async throws -> Claim {
    try require(.editor, caller, to: "retracting a claim")
    let id = try Validate.id(request.id, field: "id")
    let reason = try Validate.text(request.reason, field: "reason", required: true, maximum: 2_000)
    let time = timestamp
    return try await commitUpdate(Claim.self, id: id, draft(caller, "RetractClaim", .retract, reason: reason)) {
      current in
      var claim = current
      guard claim.state == .active else {
        throw LedgerError(.failedPrecondition, "claim \(id) is already retracted", field: "id", resource: id)
      }
      claim.state = .retracted
      claim.retractionReason = reason
      claim.revision += 1
      claim.updateTime = time
      return claim
    }
  }

  public func listClaimRevisions(
    _ request: ListClaimRevisionsRequest, caller: CallerIdentity
  ) async throws
    -> ListClaimRevisionsResponse
  {
    try require(.reader, caller, to: "reading claims")
    let id = try Validate.id(request.claimID, field: "claim_id")
    _ = try await storedClaim(id)
    let page = try await store.listClaimRevisions(
      claimID: id, pageSize: try Self.pageSize(request.pageSize), pageToken: request.pageToken)
    var response = ListClaimRevisionsResponse()
    let sent = try fitted(page, pageToken: request.pageToken)
    response.revisions = sent.items
    response.nextPageToken = sent.nextPageToken
    return response
  }
}
