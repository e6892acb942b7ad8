import Foundation
import GainsayProto

/// What the ledger already holds of an import chunk, read in a few queries rather than one per record.
struct ImportKnown {
  var ids: [ResourceType: Set<String>] = [:]
  /// Speaker ids by lower-cased name or alias.
  var speakers: [String: String] = [:]
  /// Speakers as stored, by id: those named by rows that bring speaker details.
  var speakerRecords: [String: Speaker] = [:]
  /// Active claims by ``claimKey(_:)``.
  var claims: [String: Claim] = [:]
  /// Records as stored, by id: those an export brings with their ids.
  var records: [String: Resource] = [:]

  /// What makes two claims the same statement: speaker, date as given, and normalised text.
  static func claimKey(_ claim: Claim) -> String {
    claim.speakerID + "|" + (claim.saidOn?.iso ?? "") + "|" + Similarity.normalised(claim.text)
  }

  func exists(_ type: ResourceType, _ id: String) -> Bool { ids[type]?.contains(id) ?? false }
}

extension ImportRecord {
  /// The id the record carries, if any: such a record comes from an export.
  var carriedID: String {
    switch record?.record {
    case .speaker(let value)?: value.id
    case .source(let value)?: value.id
    case .claim(let value)?: value.id
    case .link(let value)?: value.id
    case .verdict(let value)?: value.id
    default: ""
    }
  }

  /// Whether the row brings any detail for its speaker.
  var hasSpeakerDetails: Bool {
    guard let details = speakerDetails else { return false }
    return details.kind != .unspecified || !details.role.isEmpty || !details.affiliation.isEmpty
      || !details.country.isEmpty || !details.region.isEmpty || !details.wikidataID.isEmpty
  }
}

extension Ledger {
  func prefetch(_ records: [ImportRecord], session: ImportSessions.Session) async throws -> ImportKnown {
    var ids: [ResourceType: [String]] = [:]
    var names: [String] = []
    var carried: [(ResourceType, String)] = []
    for item in records {
      switch item.record?.record {
      case .speaker(let value)?:
        names += [value.name] + value.aliases
        if !value.id.isEmpty { carried.append((.speaker, value.id)) }
      case .source(let value)?:
        if !value.id.isEmpty { carried.append((.source, value.id)) }
      case .claim(let value)?:
        if !value.speakerID.isEmpty { ids[.speaker, default: []].append(value.speakerID) }
        if !item.speakerName.isEmpty { names.append(item.speakerName) }
        if !value.id.isEmpty { carried.append((.claim, value.id)) }
      case .link(let value)?:
        if !value.id.isEmpty { carried.append((.link, value.id)) }
      case .verdict(let value)?:
        if !value.id.isEmpty { carried.append((.verdict, value.id)) }
      default: break
      }
    }
    var known = ImportKnown()
    for (type, list) in ids { known.ids[type] = try await store.existingIDs(type, among: list) }
    known.speakers = try await store.speakerIDs(named: names)
    for (type, id) in carried where ResourceID.isWellFormed(id, prefix: type.idPrefix) {
      if let resource = try await store.wrappedRecord(type, id: id) { known.records[id] = resource }
    }
    var keys: [(speakerID: String, text: String)] = []
    var detailed = Set<String>()
    for item in records {
      guard case .claim(let claim)? = item.record?.record else { continue }
      let speakerID =
        claim.speakerID.isEmpty
        ? (session.speakersByName[item.speakerName.lowercased()] ?? known.speakers[item.speakerName.lowercased()])
        : claim.speakerID
      guard let speakerID else { continue }
      keys.append((speakerID, claim.text))
      if item.hasSpeakerDetails && session.speakers[speakerID] == nil { detailed.insert(speakerID) }
    }
    for claim in try await store.claims(matching: keys) {
      known.claims[ImportKnown.claimKey(claim)] = claim
    }
    for id in detailed {
      if let speaker = try await store.get(Speaker.self, id: id) {
        known.speakerRecords[id] = speaker
      }
    }
    return known
  }
}
