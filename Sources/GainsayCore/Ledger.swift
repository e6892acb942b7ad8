public import Foundation
public import GainsayProto

/// The ledger's rules: who may do what, what a valid request is, and how each change is recorded.
///
/// Every method checks the caller's role, validates the request field by field (throwing a
/// ``LedgerError`` that names the field), and hands the change to the store, which commits it with its
/// audit event in one transaction. Committed changes are published to the ``ChangeFeed``.
public struct Ledger: Sendable {
  public let store: any LedgerStore
  public let feed: ChangeFeed
  public let configuration: LedgerConfiguration
  /// Imports in progress.
  public let imports = ImportSessions()
  private let now: @Sendable () -> Date

  public init(
    store: any LedgerStore,
    feed: ChangeFeed = ChangeFeed(),
    configuration: LedgerConfiguration = LedgerConfiguration(),
    now: @escaping @Sendable () -> Date = Date.init
  ) {
    self.store = store
    self.feed = feed
    self.configuration = configuration
    self.now = now
  }

  // MARK: - Access

  func require(_ role: Role, _ caller: CallerIdentity, to action: String) throws {
    guard caller.role.rank >= role.rank else {
      let have = caller.role.rank == 0 ? "no role" : "the \(caller.role.displayName) role"
      throw LedgerError(
        .permissionDenied,
        "\(caller.userName) (uid \(caller.uid)) has \(have); \(action) needs the \(role.displayName) role")
    }
  }

  public func caller(_ caller: CallerIdentity) -> Caller {
    var result = Caller()
    result.actor = caller.unixUser
    result.role = caller.role
    return result
  }

  private var timestamp: Timestamp { Timestamp(date: now()) }
  private var today: PartialDate { PartialDate.today(now: now()) }

  private func draft(
    _ caller: CallerIdentity, _ method: String, _ action: AuditAction, reason: String = ""
  ) -> AuditDraft {
    AuditDraft(
      actor: caller.unixUser, method: "gainsay.v1.Ledger/" + method, action: action, reason: reason, time: timestamp)
  }

  private func commit(_ resource: Resource, _ audit: AuditDraft) async throws {
    let event = try await store.insert(resource, audit: audit)
    feed.publish(event)
  }

  private func commitUpdate(
    _ type: ResourceType, id: String, _ audit: AuditDraft, change: @escaping @Sendable (Resource) throws -> Resource
  ) async throws -> Resource {
    let (resource, event) = try await store.update(type, id: id, audit: audit, change: change)
    feed.publish(event)
    return resource
  }

  private static func pageSize(_ value: Int32, field: String = "page_size") throws -> Int {
    guard value >= 0 else { throw LedgerError.invalid(field, "must not be negative") }
    return value == 0 ? 50 : min(Int(value), 1000)
  }

  // MARK: - Speakers

  public func createSpeaker(_ request: CreateSpeakerRequest, caller: CallerIdentity) async throws -> Speaker {
    try require(.editor, caller, to: "creating a speaker")
    guard let input = request.speaker else { throw LedgerError.invalid("speaker", "is required") }
    var speaker = try Self.validated(input, field: "speaker")
    speaker.id = ResourceID.make("spk")
    speaker.createTime = timestamp
    speaker.updateTime = speaker.createTime
    try await commit(Resource(speaker), draft(caller, "CreateSpeaker", .create))
    return speaker
  }

  static func validated(_ input: Speaker, field: String) throws -> Speaker {
    var speaker = Speaker()
    speaker.name = try Validate.line(input.name, field: field + ".name", required: true)
    speaker.aliases = try validatedAliases(input.aliases, name: speaker.name, field: field + ".aliases")
    guard case .unrecognized = input.kind else {
      speaker.kind = input.kind
      speaker.role = try Validate.line(input.role, field: field + ".role", required: false)
      speaker.affiliation = try Validate.line(input.affiliation, field: field + ".affiliation", required: false)
      speaker.country = try Validate.country(input.country, field: field + ".country")
      speaker.wikidataID = try Validate.wikidataID(input.wikidataID, field: field + ".wikidata_id")
      return speaker
    }
    throw LedgerError.invalid(field + ".kind", "\(input.kind.rawValue) is not a speaker kind")
  }

  private static func validatedAliases(_ aliases: [String], name: String, field: String) throws -> [String] {
    var result: [String] = []
    for (index, alias) in aliases.enumerated() {
      let alias = try Validate.line(alias, field: "\(field)[\(index)]", required: true)
      if alias.lowercased() == name.lowercased() || result.contains(where: { $0.lowercased() == alias.lowercased() }) {
        continue
      }
      result.append(alias)
    }
    guard result.count <= 50 else { throw LedgerError.invalid(field, "has \(result.count) aliases; the maximum is 50") }
    return result
  }

  /// A speaker by id, exact name or alias.
  public func getSpeaker(_ request: GetSpeakerRequest, caller: CallerIdentity) async throws -> Speaker {
    try require(.reader, caller, to: "reading speakers")
    let key = try Validate.id(request.id, field: "id")
    if case .speaker(let speaker)? = try await store.resource(.speaker, id: key)?.kind { return speaker }
    if let speaker = try await store.speaker(named: key) { return speaker }
    throw LedgerError.notFound("speaker with the id, name or alias", key, field: "id")
  }

  public func listSpeakers(_ request: ListSpeakersRequest, caller: CallerIdentity) async throws -> ListSpeakersResponse
  {
    try require(.reader, caller, to: "reading speakers")
    let page = try await store.listSpeakers(
      nameContains: try Validate.line(request.nameContains, field: "name_contains", required: false),
      country: try Validate.country(request.country, field: "country"),
      pageSize: try Self.pageSize(request.pageSize), pageToken: request.pageToken)
    var response = ListSpeakersResponse()
    response.speakers = page.items
    response.nextPageToken = page.nextPageToken
    return response
  }

  private static let speakerFields: Set<String> = [
    "name", "aliases", "kind", "role", "affiliation", "country", "wikidata_id",
  ]

  public func updateSpeaker(_ request: UpdateSpeakerRequest, caller: CallerIdentity) async throws -> Speaker {
    try require(.editor, caller, to: "changing a speaker")
    guard let input = request.speaker else { throw LedgerError.invalid("speaker", "is required") }
    let id = try Validate.id(input.id, field: "speaker.id")
    let paths = try Self.maskPaths(request.updateMask, allowed: Self.speakerFields, defaultAll: true)
    let time = timestamp
    let resource = try await commitUpdate(.speaker, id: id, draft(caller, "UpdateSpeaker", .update)) { current in
      guard case .speaker(var speaker) = current.kind else { throw LedgerError(.internal, "not a speaker") }
      var merged = speaker
      for path in paths {
        switch path {
        case "name": merged.name = input.name
        case "aliases": merged.aliases = input.aliases
        case "kind": merged.kind = input.kind
        case "role": merged.role = input.role
        case "affiliation": merged.affiliation = input.affiliation
        case "country": merged.country = input.country
        default: merged.wikidataID = input.wikidataID
        }
      }
      let valid = try Self.validated(merged, field: "speaker")
      speaker = valid
      speaker.id = id
      speaker.createTime = merged.createTime
      speaker.updateTime = time
      return Resource(speaker)
    }
    guard case .speaker(let speaker) = resource.kind else { throw LedgerError(.internal, "not a speaker") }
    return speaker
  }

  public func addSpeakerAlias(_ request: AddSpeakerAliasRequest, caller: CallerIdentity) async throws -> Speaker {
    try require(.editor, caller, to: "changing a speaker")
    let id = try Validate.id(request.speakerID, field: "speaker_id")
    let alias = try Validate.line(request.alias, field: "alias", required: true)
    return try await changeSpeaker(id, caller, "AddSpeakerAlias") { speaker in
      guard alias.lowercased() != speaker.name.lowercased(),
        !speaker.aliases.contains(where: { $0.lowercased() == alias.lowercased() })
      else {
        throw LedgerError(.alreadyExists, "alias: \(speaker.name) already has the name \"\(alias)\"", field: "alias")
      }
      speaker.aliases.append(alias)
    }
  }

  public func removeSpeakerAlias(_ request: RemoveSpeakerAliasRequest, caller: CallerIdentity) async throws -> Speaker {
    try require(.editor, caller, to: "changing a speaker")
    let id = try Validate.id(request.speakerID, field: "speaker_id")
    let alias = try Validate.line(request.alias, field: "alias", required: true)
    return try await changeSpeaker(id, caller, "RemoveSpeakerAlias") { speaker in
      guard let index = speaker.aliases.firstIndex(where: { $0.lowercased() == alias.lowercased() }) else {
        throw LedgerError(.notFound, "alias: \(speaker.name) has no alias \"\(alias)\"", field: "alias")
      }
      speaker.aliases.remove(at: index)
    }
  }

  private func changeSpeaker(
    _ id: String, _ caller: CallerIdentity, _ method: String,
    _ change: @escaping @Sendable (inout Speaker) throws -> Void
  ) async throws -> Speaker {
    let time = timestamp
    let resource = try await commitUpdate(.speaker, id: id, draft(caller, method, .update)) { current in
      guard case .speaker(var speaker) = current.kind else { throw LedgerError(.internal, "not a speaker") }
      try change(&speaker)
      speaker.updateTime = time
      return Resource(speaker)
    }
    guard case .speaker(let speaker) = resource.kind else { throw LedgerError(.internal, "not a speaker") }
    return speaker
  }

  // MARK: - Claims

  public func createClaim(_ request: CreateClaimRequest, caller: CallerIdentity) async throws -> CreateClaimResponse {
    try require(.editor, caller, to: "recording a claim")
    guard let input = request.claim else { throw LedgerError.invalid("claim", "is required") }
    var claim = try validated(input, field: "claim")
    // Look for repeats before the new claim is in the index. (The write checks that the speaker exists.)
    let similar = try await similarClaims(to: claim.text)
    claim.id = ResourceID.make("clm")
    claim.state = .active
    claim.revision = 1
    claim.createTime = timestamp
    claim.updateTime = claim.createTime
    try await commit(Resource(claim), draft(caller, "CreateClaim", .create))
    // As stored: a new claim has no evidence and no verdict yet.
    claim.evidence = EvidenceCounts()
    var response = CreateClaimResponse()
    response.claim = claim
    response.similarClaims = similar
    return response
  }

  /// Existing claims (of any speaker) whose normalised text matches or nearly matches `text`.
  public static let similarityThreshold = 0.6

  private func similarClaims(to text: String) async throws -> [SimilarClaim] {
    var found: [(id: String, score: Double)] = []
    let fingerprint = Similarity.Fingerprint(text)
    for candidate in try await store.claimCandidates(similarTo: text, limit: 25) {
      let score = Similarity.score(fingerprint, Similarity.Fingerprint(candidate.text))
      guard score >= Self.similarityThreshold else { continue }
      found.append((candidate.id, score))
    }
    // Candidates are bare records: the few shown are read in full, with their evidence and verdict.
    var similar: [SimilarClaim] = []
    for (id, score) in found.sorted(by: { $0.score > $1.score }).prefix(5) {
      guard case .claim(let claim)? = try await store.resource(.claim, id: id)?.kind else { continue }
      var entry = SimilarClaim()
      entry.claim = claim
      entry.similarity = score
      similar.append(entry)
    }
    return similar
  }

  func validated(_ input: Claim, field: String) throws -> Claim {
    var claim = Claim()
    claim.speakerID = try Validate.id(input.speakerID, field: field + ".speaker_id")
    claim.text = try Validate.text(input.text, field: field + ".text", required: true, maximum: 10_000)
    claim.saidOn = try Validate.date(input.saidOn, field: field + ".said_on", required: true, today: today)
    claim.context = try Validate.text(input.context, field: field + ".context", required: false, maximum: 2_000)
    claim.appearanceUrls = try input.appearanceUrls.enumerated().map { index, url in
      try Validate.url(url, field: "\(field).appearance_urls[\(index)]", required: true)
    }
    guard claim.appearanceUrls.count <= 20 else {
      throw LedgerError.invalid(field + ".appearance_urls", "has \(claim.appearanceUrls.count) URLs; the maximum is 20")
    }
    claim.language = try Validate.language(input.language, field: field + ".language")
    claim.topics = try Validate.topics(input.topics, field: field + ".topics")
    if case .unrecognized(let value) = input.attribution {
      throw LedgerError.invalid(field + ".attribution", "\(value) is not an attribution status")
    }
    claim.attribution = input.attribution
    return claim
  }

  private func requireSpeaker(_ id: String, field: String) async throws {
    guard try await store.resource(.speaker, id: id) != nil else {
      throw LedgerError.notFound("speaker", id, field: field)
    }
  }

  private func storedClaim(_ id: String) async throws -> Claim {
    guard case .claim(let claim)? = try await store.resource(.claim, id: id)?.kind else {
      throw LedgerError.notFound("claim", id, field: "id")
    }
    return claim
  }

  public func getClaim(_ request: GetClaimRequest, caller: CallerIdentity) async throws -> Claim {
    try require(.reader, caller, to: "reading claims")
    let id = try Validate.id(request.id, field: "id")
    guard case .claim(let claim)? = try await store.resource(.claim, id: id)?.kind else {
      throw LedgerError.notFound("claim", id, field: "id")
    }
    return claim
  }

  public func listClaims(_ request: ListClaimsRequest, caller: CallerIdentity) async throws -> ListClaimsResponse {
    try require(.reader, caller, to: "reading claims")
    var filter = ClaimFilter()
    filter.speakerID = try Validate.line(request.speakerID, field: "speaker_id", required: false)
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
    response.claims = page.items
    response.nextPageToken = page.nextPageToken
    return response
  }

  private static let claimFields: Set<String> = [
    "text", "said_on", "context", "appearance_urls", "language", "topics", "attribution", "speaker_id",
  ]

  public func updateClaim(_ request: UpdateClaimRequest, caller: CallerIdentity) async throws -> Claim {
    try require(.editor, caller, to: "changing a claim")
    guard let input = request.claim else { throw LedgerError.invalid("claim", "is required") }
    let id = try Validate.id(input.id, field: "claim.id")
    let paths = try Self.maskPaths(request.updateMask, allowed: Self.claimFields, defaultAll: false)
    let reason = try Validate.text(request.reason, field: "reason", required: true, maximum: 2_000)
    if paths.contains("speaker_id") {
      try await requireSpeaker(try Validate.id(input.speakerID, field: "claim.speaker_id"), field: "claim.speaker_id")
    }
    let time = timestamp
    let rules = self
    let resource = try await commitUpdate(.claim, id: id, draft(caller, "UpdateClaim", .update, reason: reason)) {
      current in
      guard case .claim(let claim) = current.kind else { throw LedgerError(.internal, "not a claim") }
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
        default: merged.speakerID = input.speakerID
        }
      }
      var updated = try rules.validated(merged, field: "claim")
      updated.id = id
      updated.state = claim.state
      updated.revision = claim.revision + 1
      updated.createTime = claim.createTime
      updated.updateTime = time
      return Resource(updated)
    }
    guard case .claim(let claim) = resource.kind else { throw LedgerError(.internal, "not a claim") }
    return claim
  }

  public func retractClaim(_ request: RetractClaimRequest, caller: CallerIdentity) async throws -> Claim {
    try require(.editor, caller, to: "retracting a claim")
    let id = try Validate.id(request.id, field: "id")
    let reason = try Validate.text(request.reason, field: "reason", required: true, maximum: 2_000)
    let time = timestamp
    let resource = try await commitUpdate(.claim, id: id, draft(caller, "RetractClaim", .retract, reason: reason)) {
      current in
      guard case .claim(var claim) = current.kind else { throw LedgerError(.internal, "not a claim") }
      guard claim.state == .active else {
        throw LedgerError(.failedPrecondition, "claim \(id) is already retracted", field: "id", resource: id)
      }
      claim.state = .retracted
      claim.retractionReason = reason
      claim.revision += 1
      claim.updateTime = time
      return Resource(claim)
    }
    guard case .claim(let claim) = resource.kind else { throw LedgerError(.internal, "not a claim") }
    return claim
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
    response.revisions = page.items
    response.nextPageToken = page.nextPageToken
    return response
  }

  // MARK: - Sources

  public func createSource(_ request: CreateSourceRequest, caller: CallerIdentity) async throws -> Source {
    try require(.editor, caller, to: "recording a source")
    guard let input = request.source else { throw LedgerError.invalid("source", "is required") }
    var source = try validated(input, field: "source")
    source.archivedText = try Validate.text(
      input.archivedText, field: "source.archived_text", required: false, maximum: 3_000_000)
    Self.seal(&source)
    source.id = ResourceID.make("src")
    source.createTime = timestamp
    source.updateTime = source.createTime
    try await commit(Resource(source), draft(caller, "CreateSource", .create))
    return source
  }

  static func seal(_ source: inout Source) {
    source.archivedTextSize = Int64(source.archivedText.utf8.count)
    source.archivedTextSha256 = source.archivedText.isEmpty ? "" : SHA256.hexDigest(source.archivedText.utf8)
  }

  func validated(_ input: Source, field: String) throws -> Source {
    var source = Source()
    source.title = try Validate.line(input.title, field: field + ".title", required: true, maximum: 500)
    source.outlet = try Validate.line(input.outlet, field: field + ".outlet", required: true)
    source.authors = try input.authors.enumerated().map { index, author in
      try Validate.line(author, field: "\(field).authors[\(index)]", required: true)
    }
    guard source.authors.count <= 50 else { throw LedgerError.invalid(field + ".authors", "has more than 50 authors") }
    source.url = try Validate.url(input.url, field: field + ".url")
    source.publishedOn = try Validate.date(
      input.publishedOn, field: field + ".published_on", required: false, today: today)
    if case .unrecognized(let value) = input.kind {
      throw LedgerError.invalid(field + ".kind", "\(value) is not a source kind")
    }
    source.kind = input.kind
    source.language = try Validate.language(input.language, field: field + ".language")
    return source
  }

  public func getSource(_ request: GetSourceRequest, caller: CallerIdentity) async throws -> Source {
    try require(.reader, caller, to: "reading sources")
    let id = try Validate.id(request.id, field: "id")
    guard case .source(var source)? = try await store.resource(.source, id: id)?.kind else {
      throw LedgerError.notFound("source", id, field: "id")
    }
    if request.view != .full { source.archivedText = "" }
    return source
  }

  public func listSources(_ request: ListSourcesRequest, caller: CallerIdentity) async throws -> ListSourcesResponse {
    try require(.reader, caller, to: "reading sources")
    if case .unrecognized(let value) = request.kind {
      throw LedgerError.invalid("kind", "\(value) is not a source kind")
    }
    let page = try await store.listSources(
      outlet: try Validate.line(request.outlet, field: "outlet", required: false), kind: request.kind,
      pageSize: try Self.pageSize(request.pageSize), pageToken: request.pageToken)
    var response = ListSourcesResponse()
    response.sources = page.items
    response.nextPageToken = page.nextPageToken
    return response
  }

  private static let sourceFields: Set<String> = [
    "title", "outlet", "authors", "url", "published_on", "kind", "language", "archived_text",
  ]

  public func updateSource(_ request: UpdateSourceRequest, caller: CallerIdentity) async throws -> Source {
    try require(.editor, caller, to: "changing a source")
    guard let input = request.source else { throw LedgerError.invalid("source", "is required") }
    let id = try Validate.id(input.id, field: "source.id")
    let paths = try Self.maskPaths(request.updateMask, allowed: Self.sourceFields, defaultAll: false)
    var anchoredLinks = 0
    if paths.contains("archived_text") {
      var query = ListLinksRequest()
      query.sourceID = id
      anchoredLinks = try await store.listLinks(query, pageSize: 1, pageToken: "").items.count
    }
    let anchored = anchoredLinks > 0
    let archivedText = try Validate.text(
      input.archivedText, field: "source.archived_text", required: false, maximum: 3_000_000)
    let time = timestamp
    let rules = self
    let resource = try await commitUpdate(.source, id: id, draft(caller, "UpdateSource", .update)) { current in
      guard case .source(let source) = current.kind else { throw LedgerError(.internal, "not a source") }
      var merged = source
      for path in paths {
        switch path {
        case "title": merged.title = input.title
        case "outlet": merged.outlet = input.outlet
        case "authors": merged.authors = input.authors
        case "url": merged.url = input.url
        case "published_on": merged.publishedOn = input.publishedOn
        case "kind": merged.kind = input.kind
        case "language": merged.language = input.language
        default:
          guard !anchored || archivedText == source.archivedText else {
            throw LedgerError(
              .failedPrecondition,
              "source.archived_text: evidence is anchored in the archived text of \(id); it cannot change",
              field: "source.archived_text", resource: id)
          }
          merged.archivedText = archivedText
        }
      }
      var updated = try rules.validated(merged, field: "source")
      updated.archivedText = merged.archivedText
      Self.seal(&updated)
      updated.id = id
      updated.createTime = source.createTime
      updated.updateTime = time
      return Resource(updated)
    }
    guard case .source(var source) = resource.kind else { throw LedgerError(.internal, "not a source") }
    source.archivedText = ""
    return source
  }

  // MARK: - Links

  public func createLink(_ request: CreateLinkRequest, caller: CallerIdentity) async throws -> Link {
    try require(.editor, caller, to: "linking evidence")
    guard let input = request.link else { throw LedgerError.invalid("link", "is required") }
    var link = Link()
    link.claimID = try Validate.id(input.claimID, field: "link.claim_id")
    _ = try await existingClaim(link.claimID, field: "link.claim_id")
    switch input.relation {
    case .contradicts, .supports, .context, .repeats: link.relation = input.relation
    case .unspecified:
      throw LedgerError.invalid("link.relation", "is required: contradicts, supports, context or repeats")
    case .unrecognized(let value): throw LedgerError.invalid("link.relation", "\(value) is not a relation")
    }
    let quote = input.quote ?? TextQuote()
    var checkedQuote = TextQuote()
    checkedQuote.exact = try Validate.text(quote.exact, field: "link.quote.exact", required: false, maximum: 5_000)
    checkedQuote.prefix = try Self.affix(quote.prefix, field: "link.quote.prefix")
    checkedQuote.suffix = try Self.affix(quote.suffix, field: "link.quote.suffix")
    if checkedQuote.exact.isEmpty && !(checkedQuote.prefix.isEmpty && checkedQuote.suffix.isEmpty) {
      throw LedgerError.invalid("link.quote.exact", "is required with a prefix or suffix")
    }
    switch input.target {
    case .sourceID(let sourceID)?:
      let id = try Validate.id(sourceID, field: "link.source_id")
      guard case .source(let source)? = try await store.resource(.source, id: id)?.kind else {
        throw LedgerError.notFound("source", id, field: "link.source_id")
      }
      guard link.relation != .repeats else {
        throw LedgerError.invalid("link.relation", "repeats links a claim to another claim, not to a source")
      }
      if !checkedQuote.exact.isEmpty && !source.archivedText.isEmpty {
        let anchored = checkedQuote.prefix + checkedQuote.exact + checkedQuote.suffix
        guard source.archivedText.contains(anchored) else {
          let what = anchored == checkedQuote.exact ? "the passage" : "the passage with its prefix and suffix"
          throw LedgerError.invalid(
            "link.quote.exact",
            "\(what) does not occur in the archived text of \(id) (\(source.title)); quote it exactly")
        }
      }
      link.target = .sourceID(id)
    case .targetClaimID(let targetID)?:
      let id = try Validate.id(targetID, field: "link.target_claim_id")
      guard id != link.claimID else {
        throw LedgerError.invalid("link.target_claim_id", "a claim cannot be linked to itself")
      }
      _ = try await existingClaim(id, field: "link.target_claim_id")
      link.target = .targetClaimID(id)
    case nil:
      throw LedgerError.invalid("link.target", "is required: a source_id or a target_claim_id")
    }
    if !checkedQuote.exact.isEmpty { link.quote = checkedQuote }
    link.note = try Validate.text(input.note, field: "link.note", required: false, maximum: 2_000)
    link.id = ResourceID.make("lnk")
    link.createdBy = caller.unixUser
    link.createTime = timestamp
    link.state = .active
    try await commit(Resource(link), draft(caller, "CreateLink", .create))
    return link
  }

  private static func affix(_ value: String, field: String) throws -> String {
    if value.unicodeScalars.contains(where: { $0 == "\u{0}" }) {
      throw LedgerError.invalid(field, "must not contain NUL")
    }
    guard value.count <= 64 else { throw LedgerError.invalid(field, "is \(value.count) characters; the maximum is 64") }
    return value
  }

  private func existingClaim(_ id: String, field: String) async throws -> Claim {
    guard case .claim(let claim)? = try await store.resource(.claim, id: id)?.kind else {
      throw LedgerError.notFound("claim", id, field: field)
    }
    return claim
  }

  public func getLink(_ request: GetLinkRequest, caller: CallerIdentity) async throws -> Link {
    try require(.reader, caller, to: "reading links")
    let id = try Validate.id(request.id, field: "id")
    guard case .link(let link)? = try await store.resource(.link, id: id)?.kind else {
      throw LedgerError.notFound("link", id, field: "id")
    }
    return link
  }

  public func listLinks(_ request: ListLinksRequest, caller: CallerIdentity) async throws -> ListLinksResponse {
    try require(.reader, caller, to: "reading links")
    if case .unrecognized(let value) = request.relation {
      throw LedgerError.invalid("relation", "\(value) is not a relation")
    }
    let page = try await store.listLinks(
      request, pageSize: try Self.pageSize(request.pageSize), pageToken: request.pageToken)
    var response = ListLinksResponse()
    response.links = page.items
    response.nextPageToken = page.nextPageToken
    return response
  }

  public func withdrawLink(_ request: WithdrawLinkRequest, caller: CallerIdentity) async throws -> Link {
    try require(.editor, caller, to: "withdrawing a link")
    let id = try Validate.id(request.id, field: "id")
    let reason = try Validate.text(request.reason, field: "reason", required: true, maximum: 2_000)
    let resource = try await commitUpdate(.link, id: id, draft(caller, "WithdrawLink", .withdraw, reason: reason)) {
      current in
      guard case .link(var link) = current.kind else { throw LedgerError(.internal, "not a link") }
      guard link.state == .active else {
        throw LedgerError(.failedPrecondition, "link \(id) is already withdrawn", field: "id", resource: id)
      }
      link.state = .withdrawn
      link.withdrawalReason = reason
      return Resource(link)
    }
    guard case .link(let link) = resource.kind else { throw LedgerError(.internal, "not a link") }
    return link
  }

  // MARK: - Verdicts

  public func createVerdict(_ request: CreateVerdictRequest, caller: CallerIdentity) async throws -> Verdict {
    try require(.editor, caller, to: "recording a verdict")
    guard let input = request.verdict else { throw LedgerError.invalid("verdict", "is required") }
    var verdict = Verdict()
    verdict.claimID = try Validate.id(input.claimID, field: "verdict.claim_id")
    let claim = try await existingClaim(verdict.claimID, field: "verdict.claim_id")
    guard claim.state == .active else {
      throw LedgerError(
        .failedPrecondition, "claim \(claim.id) is retracted; it cannot be reviewed", field: "verdict.claim_id",
        resource: claim.id)
    }
    let label = try Validate.line(input.rating, field: "verdict.rating", required: true, maximum: 64)
    guard let rating = configuration.ratingScale.ratings.first(where: { $0.label.lowercased() == label.lowercased() })
    else {
      let labels = configuration.ratingScale.ratings.map { "\"\($0.label)\"" }.joined(separator: ", ")
      throw LedgerError.invalid("verdict.rating", "\"\(label)\" is not on the rating scale: \(labels)")
    }
    verdict.rating = rating.label
    verdict.ratingValue = rating.value
    verdict.explanation = try Validate.text(
      input.explanation, field: "verdict.explanation", required: false, maximum: 5_000)
    verdict.reviewer = caller.unixUser
    verdict.id = ResourceID.make("vrd")
    verdict.createTime = timestamp
    try await commit(Resource(verdict), draft(caller, "CreateVerdict", .create))
    return verdict
  }

  public func listVerdicts(_ request: ListVerdictsRequest, caller: CallerIdentity) async throws -> ListVerdictsResponse
  {
    try require(.reader, caller, to: "reading verdicts")
    let id = try Validate.id(request.claimID, field: "claim_id")
    _ = try await existingClaim(id, field: "claim_id")
    let page = try await store.listVerdicts(
      claimID: id, pageSize: try Self.pageSize(request.pageSize), pageToken: request.pageToken)
    var response = ListVerdictsResponse()
    response.verdicts = page.items
    response.nextPageToken = page.nextPageToken
    return response
  }

  public func ratingScale(caller: CallerIdentity) throws -> RatingScale {
    try require(.reader, caller, to: "reading the rating scale")
    return configuration.ratingScale
  }

  // MARK: - Search, history, watch

  public func search(_ request: SearchRequest, caller: CallerIdentity) async throws -> [SearchHit] {
    try require(.reader, caller, to: "searching")
    var checked = request
    checked.query = try Validate.line(request.query, field: "query", required: true, maximum: 500)
    guard request.limit >= 0 else { throw LedgerError.invalid("limit", "must not be negative") }
    for (index, type) in request.resourceTypes.enumerated() {
      guard [.claim, .speaker, .source].contains(type) else {
        throw LedgerError.invalid("resource_types[\(index)]", "search covers claims, speakers and sources")
      }
    }
    return try await store.search(checked, limit: request.limit == 0 ? 20 : min(Int(request.limit), 1000))
  }

  public func auditEvents(_ request: ListAuditEventsRequest, caller: CallerIdentity) async throws -> [AuditEvent] {
    try require(.reader, caller, to: "reading the history")
    guard request.limit >= 0 else { throw LedgerError.invalid("limit", "must not be negative") }
    guard request.afterSequence >= 0 else { throw LedgerError.invalid("after_sequence", "must not be negative") }
    return try await store.auditEvents(request)
  }

  /// The changes after `request.afterSequence` (replayed from the audit log), then new ones as they
  /// are committed, until the consumer stops.
  public func watch(
    _ request: WatchRequest, caller: CallerIdentity, _ deliver: (ChangeEvent) async throws -> Void
  ) async throws {
    try require(.reader, caller, to: "watching changes")
    let wanted = Set(request.resourceTypes.map(\.rawValue))
    func matches(_ event: ChangeEvent) -> Bool { wanted.isEmpty || wanted.contains(event.resourceType.rawValue) }
    // Subscribe before replaying, so nothing committed in between is missed.
    let live = feed.subscribe()
    var delivered = request.afterSequence
    if request.afterSequence > 0 {
      var query = ListAuditEventsRequest()
      query.afterSequence = request.afterSequence
      for event in try await store.auditEvents(query) {
        let change = ChangeEvent(auditEvent: event)
        if matches(change) { try await deliver(change) }
        delivered = event.sequence
      }
    } else {
      delivered = try await store.lastSequence()
    }
    for await change in live where change.sequence > delivered {
      try Task.checkCancellation()
      if matches(change) { try await deliver(change) }
    }
    try Task.checkCancellation()
    throw LedgerError(.resourceExhausted, "the watcher fell too far behind; resume with after_sequence = \(delivered)")
  }

  // MARK: - Suggestions and backups

  /// Sources whose archived text most likely bears on a claim, best first, each with its best passage.
  public func suggestEvidence(
    _ request: SuggestEvidenceRequest, caller: CallerIdentity
  ) async throws -> [EvidenceSuggestion] {
    try require(.reader, caller, to: "suggesting evidence")
    let id = try Validate.id(request.claimID, field: "claim_id")
    let claim = try await existingClaim(id, field: "claim_id")
    guard request.limit >= 0 else { throw LedgerError.invalid("limit", "must not be negative") }
    var speaker: Speaker?
    if case .speaker(let found)? = try await store.resource(.speaker, id: claim.speakerID)?.kind { speaker = found }
    return try await EvidenceSuggester(store: store).suggest(
      for: claim, speaker: speaker, limit: request.limit == 0 ? 10 : min(Int(request.limit), 100))
  }

  /// A consistent copy of the ledger written by the daemon to a new file, while it keeps serving.
  public func backup(_ request: BackupRequest, caller: CallerIdentity) async throws -> BackupResponse {
    try require(.admin, caller, to: "taking a backup")
    let path = try Validate.line(request.path, field: "path", required: true, maximum: 4_000)
    guard path.hasPrefix("/") else {
      throw LedgerError.invalid("path", "must be absolute (it is a path on the daemon's machine)")
    }
    guard !FileManager.default.fileExists(atPath: path) else {
      throw LedgerError(.alreadyExists, "path: \(path) already exists; a backup never overwrites a file", field: "path")
    }
    let directory = (path as NSString).deletingLastPathComponent
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw LedgerError(.failedPrecondition, "path: the directory \(directory) does not exist", field: "path")
    }
    guard FileManager.default.isWritableFile(atPath: directory) else {
      throw LedgerError(.permissionDenied, "path: the daemon cannot write to \(directory)", field: "path")
    }
    let (size, last) = try await store.backup(to: path)
    var response = BackupResponse()
    response.path = path
    response.sizeBytes = size
    response.lastSequence = last
    return response
  }

  // MARK: - Export

  /// Everything in the ledger, in an order that imports cleanly: speakers, sources (with archived text),
  /// claims each followed by its revisions, links, verdicts, and (on request) the audit log.
  public func export(
    _ request: ExportRequest, caller: CallerIdentity, _ deliver: (LedgerRecord) async throws -> Void
  ) async throws {
    try require(.reader, caller, to: "exporting the ledger")
    func record(_ kind: LedgerRecord.Record) -> LedgerRecord {
      var record = LedgerRecord()
      record.record = kind
      return record
    }
    var token = ""
    repeat {
      let page = try await store.listSpeakers(nameContains: "", country: "", pageSize: 1000, pageToken: token)
      for speaker in page.items { try await deliver(record(.speaker(speaker))) }
      token = page.nextPageToken
    } while !token.isEmpty
    repeat {
      let page = try await store.listSources(outlet: "", kind: .unspecified, pageSize: 1000, pageToken: token)
      for listed in page.items {
        guard case .source(let source)? = try await store.resource(.source, id: listed.id)?.kind else { continue }
        try await deliver(record(.source(source)))
      }
      token = page.nextPageToken
    } while !token.isEmpty
    var claimIDs: [String] = []
    for state in [ClaimState.active, .retracted] {
      var filter = ClaimFilter()
      filter.state = state
      repeat {
        let page = try await store.listClaims(filter, pageSize: 1000, pageToken: token)
        for claim in page.items {
          claimIDs.append(claim.id)
          var plain = claim
          plain.evidence = nil
          plain.latestRating = ""
          try await deliver(record(.claim(plain)))
          var revisionToken = ""
          repeat {
            let revisions = try await store.listClaimRevisions(
              claimID: claim.id, pageSize: 1000, pageToken: revisionToken)
            for revision in revisions.items { try await deliver(record(.claimRevision(revision))) }
            revisionToken = revisions.nextPageToken
          } while !revisionToken.isEmpty
        }
        token = page.nextPageToken
      } while !token.isEmpty
    }
    var links = ListLinksRequest()
    links.includeWithdrawn = true
    repeat {
      let page = try await store.listLinks(links, pageSize: 1000, pageToken: token)
      for link in page.items { try await deliver(record(.link(link))) }
      token = page.nextPageToken
    } while !token.isEmpty
    for id in claimIDs {
      var verdictToken = ""
      repeat {
        let page = try await store.listVerdicts(claimID: id, pageSize: 1000, pageToken: verdictToken)
        for verdict in page.items.reversed() { try await deliver(record(.verdict(verdict))) }
        verdictToken = page.nextPageToken
      } while !verdictToken.isEmpty
    }
    if request.includeAuditEvents {
      var query = ListAuditEventsRequest()
      query.limit = 10_000
      while true {
        let events = try await store.auditEvents(query)
        for event in events { try await deliver(record(.auditEvent(event))) }
        guard let last = events.last, events.count == Int(query.limit) else { break }
        query.afterSequence = last.sequence
      }
    }
  }

  // MARK: - Reports

  /// A contradiction report, streamed: `deliver` receives first a chunk with the header, then the
  /// rendered bytes in data chunks of at most 64 KiB as they are produced. The report is built a page of
  /// claims at a time from one snapshot of the ledger, so its memory does not grow with its size, and
  /// each chunk waits for `deliver` (a slow reader slows the report instead of filling memory).
  ///
  /// Errors in the request (validation, unknown claims, too large a selection) are thrown before anything
  /// is delivered.
  public func generateReport(
    _ request: GenerateReportRequest, caller: CallerIdentity,
    deliver: @escaping (ReportChunk) async throws -> Void
  ) async throws {
    try require(.reader, caller, to: "generating reports")
    var checked = request
    checked.speakerID = try Validate.line(request.speakerID, field: "speaker_id", required: false)
    checked.topic = try Validate.line(request.topic, field: "topic", required: false, maximum: 64)
    checked.title = try Validate.line(request.title, field: "title", required: false, maximum: 300)
    guard !checked.speakerID.isEmpty || !checked.topic.isEmpty || !checked.claimIds.isEmpty else {
      throw LedgerError.invalid("speaker_id", "a report needs a speaker_id, a topic or claim_ids")
    }
    guard checked.claimIds.count <= ReportBuilder.maximumClaims else {
      throw LedgerError.invalid("claim_ids", "at most \(ReportBuilder.maximumClaims) claims")
    }
    if !checked.speakerID.isEmpty { try await requireSpeaker(checked.speakerID, field: "speaker_id") }
    let farFuture = PartialDate(year: 9999)
    checked.since = try Validate.date(request.since, field: "since", required: false, today: farFuture)
    checked.until = try Validate.date(request.until, field: "until", required: false, today: farFuture)
    if case .unrecognized(let value) = request.format {
      throw LedgerError.invalid("format", "\(value) is not a report format")
    }
    let generateTime = Timestamp(date: now())
    try await store.readReport { reader in
      let builder = ReportBuilder(reader: reader)
      let keys = try await builder.selectClaims(checked)
      var head = Report()
      head.title = checked.title.isEmpty ? try await builder.defaultTitle(checked, claims: keys.count) : checked.title
      head.generateTime = generateTime
      head.publisher = configuration.publisher
      head.selection = checked
      var header = ReportChunk()
      header.part = .header(ReportRenderer.header(format: request.format, title: head.title))
      try await deliver(header)

      var writer = ReportRenderer.writer(
        format: request.format, scale: configuration.ratingScale, publisherURL: configuration.publisherURL)
      // A format that states totals (or a timeline) before its entries gets them from a first pass.
      var overview = writer.overview ?? ReportOverview()
      if writer.overview != nil {
        try await builder.forEachPage(keys) { entries in
          for entry in entries { overview.add(entry) }
        }
      }
      let sink = ReportSink { bytes in
        var chunk = ReportChunk()
        chunk.part = .data(bytes)
        try await deliver(chunk)
      }
      try await writer.begin(head, overview: overview, to: sink)
      var tally = ReportTally()
      try await builder.forEachPage(keys) { entries in
        for entry in entries {
          try await writer.entry(entry, index: tally.claims, to: sink)
          tally.add(entry)
        }
      }
      try await writer.end(tally.summary, entries: tally.claims, to: sink)
      try await sink.finish()
    }
  }

  /// A contradiction report, whole: its header and its bytes in chunks of at most 64 KiB. For callers
  /// that want it in memory (tests, small reports); the RPC streams it with
  /// ``generateReport(_:caller:deliver:)``.
  public func generateReport(
    _ request: GenerateReportRequest, caller: CallerIdentity
  ) async throws -> (ReportHeader, [[UInt8]]) {
    var header = ReportHeader()
    var chunks: [[UInt8]] = []
    try await generateReport(request, caller: caller) { chunk in
      switch chunk.part {
      case .header(let value)?: header = value
      case .data(let bytes)?: chunks.append(bytes)
      case nil: break
      }
    }
    return (header, chunks)
  }

  // MARK: - Masks

  private static func maskPaths(_ mask: FieldMask?, allowed: Set<String>, defaultAll: Bool) throws -> [String] {
    let paths = mask?.paths ?? []
    if paths.isEmpty {
      if defaultAll { return allowed.sorted() }
      throw LedgerError.invalid(
        "update_mask", "is required: name the fields to change (\(allowed.sorted().joined(separator: ", ")))")
    }
    for (index, path) in paths.enumerated() where !allowed.contains(path) {
      throw LedgerError.invalid(
        "update_mask.paths[\(index)]",
        "\"\(path)\" cannot be changed; mutable fields: \(allowed.sorted().joined(separator: ", "))")
    }
    return paths
  }
}

extension Role {
  var displayName: String {
    switch self {
    case .reader: "reader"
    case .editor: "editor"
    case .admin: "admin"
    default: "no"
    }
  }
}

extension Resource {
  /// Wraps a speaker, claim, source, link or verdict.
  public init(_ speaker: Speaker) {
    self.init()
    kind = .speaker(speaker)
  }

  public init(_ claim: Claim) {
    self.init()
    kind = .claim(claim)
  }

  public init(_ source: Source) {
    self.init()
    kind = .source(source)
  }

  public init(_ link: Link) {
    self.init()
    kind = .link(link)
  }

  public init(_ verdict: Verdict) {
    self.init()
    kind = .verdict(verdict)
  }

  /// The wrapped resource's type and id.
  public var typeAndID: (ResourceType, String) {
    switch kind {
    case .speaker(let value): (.speaker, value.id)
    case .claim(let value): (.claim, value.id)
    case .source(let value): (.source, value.id)
    case .link(let value): (.link, value.id)
    case .verdict(let value): (.verdict, value.id)
    case nil: (.unspecified, "")
    }
  }
}

extension PartialDate {
  init(year: Int32) {
    self.init()
    self.year = year
  }
}

extension Timestamp {
  /// The timestamp of a moment.
  public init(date: Date) {
    self.init()
    let interval = date.timeIntervalSince1970
    seconds = Int64(interval.rounded(.down))
    nanos = Int32(((interval - interval.rounded(.down)) * 1_000_000_000).rounded(.down))
  }

  /// The moment of a timestamp.
  public var date: Date {
    Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(nanos) / 1_000_000_000)
  }
}
