import Foundation
public import GainsayProto

/// Speakers: people and organisations whose claims the ledger records, with their names and aliases.
extension Ledger {
  public func createSpeaker(_ request: CreateSpeakerRequest, caller: CallerIdentity) async throws -> Speaker {
    try require(.editor, caller, to: "creating a speaker")
    guard let input = request.speaker else { throw LedgerError.invalid("speaker", "is required") }
    var speaker = try Self.validated(input, field: "speaker")
    speaker.id = ResourceID.make("spk")
    speaker.createTime = timestamp
    speaker.updateTime = speaker.createTime
    speaker.revision = 1
    try await commit(speaker, draft(caller, "CreateSpeaker", .create))
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
      speaker.region = try Validate.line(input.region, field: field + ".region", required: false, maximum: 100)
      speaker.wikidataID = try Validate.wikidataID(input.wikidataID, field: field + ".wikidata_id")
      return speaker
    }
    throw LedgerError.invalid(field + ".kind", "\(input.kind.rawValue) is not a speaker kind")
  }

  /// The most aliases a speaker has.
  public static let maximumAliases = 50

  /// Aliases: each one line, without the name and repeats (ignoring case); at most ``maximumAliases``,
  /// counted as given, before anything else is checked.
  static func validatedAliases(_ aliases: [String], name: String, field: String) throws -> [String] {
    guard aliases.count <= maximumAliases else {
      throw LedgerError.invalid(field, "has \(aliases.count) aliases; the maximum is \(maximumAliases)")
    }
    var seen: Set<String> = [name.lowercased()]
    var result: [String] = []
    for (index, alias) in aliases.enumerated() {
      let alias = try Validate.line(alias, field: "\(field)[\(index)]", required: true)
      if seen.insert(alias.lowercased()).inserted { result.append(alias) }
    }
    return result
  }

  /// A speaker by id, name or alias (ignoring case; or ignoring case, spacing and diacritics when that
  /// names one speaker only). The id of a speaker merged into another gives the other.
  public func getSpeaker(_ request: GetSpeakerRequest, caller: CallerIdentity) async throws -> Speaker {
    try require(.reader, caller, to: "reading speakers")
    let key = try Validate.id(request.id, field: "id")
    if let speaker = try await store.get(Speaker.self, id: key) {
      return try await following(speaker)
    }
    if let speaker = try await store.speaker(named: key) { return speaker }
    throw LedgerError.notFound("speaker with the id, name or alias", key, field: "id")
  }

  /// The id of the speaker a merged speaker's `id` redirects to; any other id (or none) as it is.
  func redirectedSpeakerID(_ id: String) async throws -> String {
    guard !id.isEmpty, let speaker = try await store.get(Speaker.self, id: id) else {
      return id
    }
    return try await following(speaker).id
  }

  /// The speaker a merged speaker redirects to (itself if it was not merged).
  func following(_ speaker: Speaker) async throws -> Speaker {
    var current = speaker
    // Merges only ever point at a speaker that is not merged itself; the bound guards a damaged record.
    for _ in 0..<8 where !current.mergedInto.isEmpty {
      guard let next = try await store.get(Speaker.self, id: current.mergedInto) else { break }
      current = next
    }
    return current
  }

  public func listSpeakers(_ request: ListSpeakersRequest, caller: CallerIdentity) async throws -> ListSpeakersResponse
  {
    try require(.reader, caller, to: "reading speakers")
    let similarTo = try Validate.line(request.similarTo, field: "similar_to", required: false)
    if !similarTo.isEmpty {
      guard request.pageToken.isEmpty else {
        throw LedgerError.invalid("page_token", "is not used with similar_to: ask for a larger page_size")
      }
      var response = ListSpeakersResponse()
      response.speakers = try await store.similarSpeakers(
        to: similarTo, limit: try Self.pageSize(request.pageSize))
      if !request.country.isEmpty { response.speakers.removeAll { $0.country != request.country.uppercased() } }
      return response
    }
    let page = try await store.listSpeakers(
      nameContains: try Validate.line(request.nameContains, field: "name_contains", required: false),
      country: try Validate.country(request.country, field: "country"), includeMerged: false,
      pageSize: try Self.pageSize(request.pageSize), pageToken: request.pageToken)
    var response = ListSpeakersResponse()
    let sent = try fitted(page, pageToken: request.pageToken)
    response.speakers = sent.items
    response.nextPageToken = sent.nextPageToken
    return response
  }

  private static let speakerFields: Set<String> = [
    "name", "aliases", "kind", "role", "affiliation", "country", "region", "wikidata_id",
  ]

  public func updateSpeaker(_ request: UpdateSpeakerRequest, caller: CallerIdentity) async throws -> Speaker {
    try require(.editor, caller, to: "changing a speaker")
    guard let input = request.speaker else { throw LedgerError.invalid("speaker", "is required") }
    let id = try Validate.id(input.id, field: "speaker.id")
    let paths = try Self.maskPaths(request.updateMask, allowed: Self.speakerFields, defaultAll: true)
    let reason = try Validate.text(request.reason, field: "reason", required: false, maximum: 2_000)
    let expected = try Self.expectedRevision(request.expectedRevision)
    let time = timestamp
    // The store checks `expected` against the speaker's revision before the change, in its transaction.
    return try await commitUpdate(
      Speaker.self, id: id, expectedRevision: expected, draft(caller, "UpdateSpeaker", .update, reason: reason)
    ) { current in
      try Self.refuseMerged(current)
      var merged = current
      for path in paths {
        switch path {
        case "name": merged.name = input.name
        case "aliases": merged.aliases = input.aliases
        case "kind": merged.kind = input.kind
        case "role": merged.role = input.role
        case "affiliation": merged.affiliation = input.affiliation
        case "country": merged.country = input.country
        case "region": merged.region = input.region
        default: merged.wikidataID = input.wikidataID
        }
      }
      var speaker = try Self.validated(merged, field: "speaker")
      speaker.id = id
      speaker.createTime = merged.createTime
      speaker.updateTime = time
      speaker.revision = merged.revision + 1
      return speaker
    }
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
      guard speaker.aliases.count < Self.maximumAliases else {
        throw LedgerError(
          .failedPrecondition,
          "alias: \(speaker.name) already has \(speaker.aliases.count) aliases; the maximum is \(Self.maximumAliases)",
          field: "alias", resource: speaker.id)
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

  func changeSpeaker(
    _ id: String, _ caller: CallerIdentity, _ method: String,
    _ change: @escaping @Sendable (inout Speaker) throws -> Void
  ) async throws -> Speaker {
    let time = timestamp
    return try await commitUpdate(Speaker.self, id: id, draft(caller, method, .update)) { current in
      var speaker = current
      try Self.refuseMerged(speaker)
      try change(&speaker)
      speaker.updateTime = time
      speaker.revision += 1
      return speaker
    }
  }
}

extension Ledger {
  /// Merges a duplicate speaker into another in one transaction: the duplicate's name and aliases become
  /// aliases of the other, its claims move (each a new revision), and it stays as a redirect.
  public func mergeSpeakers(
    _ request: MergeSpeakersRequest, caller: CallerIdentity
  ) async throws
    -> MergeSpeakersResponse
  {
    try require(.editor, caller, to: "merging speakers")
    let duplicateID = try Validate.id(request.duplicateID, field: "duplicate_id")
    let intoID = try Validate.id(request.intoID, field: "into_id")
    let reason = try Validate.text(request.reason, field: "reason", required: true, maximum: 2_000)
    guard duplicateID != intoID else {
      throw LedgerError.invalid("into_id", "a speaker cannot be merged into itself")
    }
    let time = timestamp
    let merge = try await store.mergeSpeakers(
      duplicateID: duplicateID, intoID: intoID, audit: draft(caller, "MergeSpeakers", .merge, reason: reason),
      merge: { duplicate, into in
        try Self.refuseMerged(duplicate, field: "duplicate_id")
        try Self.refuseMerged(into, field: "into_id")
        var kept = into
        let names = [duplicate.name] + duplicate.aliases
        guard kept.aliases.count + names.count <= Self.maximumAliases else {
          throw LedgerError(
            .failedPrecondition,
            "into_id: \(into.name) would have \(kept.aliases.count + names.count) aliases; the maximum is "
              + "\(Self.maximumAliases): remove some first (gainsay speaker update)",
            field: "into_id", resource: into.id)
        }
        kept.aliases = try Self.validatedAliases(kept.aliases + names, name: kept.name, field: "speaker.aliases")
        kept.updateTime = time
        kept.revision += 1
        var redirect = duplicate
        redirect.mergedInto = into.id
        redirect.updateTime = time
        redirect.revision += 1
        return (redirect, kept)
      },
      move: { claim in
        var moved = claim
        moved.speakerID = intoID
        moved.revision = claim.revision + 1
        moved.updateTime = time
        return moved
      })
    published(merge.events)
    var response = MergeSpeakersResponse()
    response.speaker = merge.into
    response.duplicate = merge.duplicate
    response.movedClaims = Int32(merge.movedClaimIDs.count)
    return response
  }

  /// A speaker merged into another is a redirect: it is not changed any more.
  static func refuseMerged(_ speaker: Speaker, field: String = "speaker.id") throws {
    guard speaker.mergedInto.isEmpty else {
      throw LedgerError(
        .failedPrecondition,
        "\(field): \(speaker.name) (\(speaker.id)) was merged into \(speaker.mergedInto); change that speaker instead",
        field: field, resource: speaker.mergedInto)
    }
  }
}
