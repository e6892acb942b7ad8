public import Foundation
public import GainsayProto

#if canImport(Glibc)
  import Glibc
#endif

/// A restore that passed every check, in the order the store writes it.
public struct VerifiedRestore: Sendable {
  /// Speakers, sources, claims, links and verdicts, in the export's order (which keeps list orders).
  public var resources: [Resource] = []
  public var revisions: [ClaimRevision] = []
  /// Numbered 1…N, in order; a source's archived text is not repeated in them.
  public var auditEvents: [AuditEvent] = []

  public init() {}
}

/// Checks an export before it is restored: nothing in it is trusted, because its records carry what the
/// server otherwise decides (ids, actors, times, sequence numbers).
///
/// - Every id is well formed for its type and appears once; every reference points at a restored record.
/// - Every record passes the field checks of its Create method; sources' hashes match their text; no time
///   lies in the future.
/// - The audit log is numbered 1, 2, … N without gaps and runs forward in time (a step back of at most
///   ``clockTolerance`` is allowed: ledgers written before audit times were kept monotonic have them).
/// - Every resource has a history that starts with its creation or import, and its last audit event
///   shows it exactly as restored; each claim has revisions 1…its revision, each shown by an audit event.
/// - Every evidence passage occurs in its source's archived text, where the source has one.
public struct RestoreVerifier {
  /// The ledger's field rules, and its clock.
  let rules: Ledger
  let now: Date
  /// How far audit times may step back from one event to the next.
  public static let clockTolerance: TimeInterval = 1
  /// How far in the future a time may lie (clocks of one machine disagree a little).
  public static let futureTolerance: TimeInterval = 5

  public init(rules: Ledger, now: Date) {
    self.rules = rules
    self.now = now
  }

  private struct Entry<Value> {
    let line: Int64
    var value: Value
  }

  /// The records checked and ordered for the store, or the first broken rule, naming its line.
  public func verify(_ records: [RestoreRecord]) throws -> VerifiedRestore {
    var result = VerifiedRestore()
    var speakers: [String: Entry<Speaker>] = [:]
    var sources: [String: Entry<Source>] = [:]
    var claims: [String: Entry<Claim>] = [:]
    var links: [String: Entry<Link>] = [:]
    var verdicts: [String: Entry<Verdict>] = [:]
    var revisions: [Entry<ClaimRevision>] = []
    var events: [Entry<AuditEvent>] = []

    for item in records {
      let line = item.line
      func unique<Value>(_ id: String, _ prefix: String, _ table: [String: Entry<Value>], field: String) throws {
        guard ResourceID.isWellFormed(id, prefix: prefix) else {
          throw Self.broken(line, field, "\"\(id)\" is not a well-formed id (\(prefix)_ and 16 base-32 characters)")
        }
        if let first = table[id] { throw Self.broken(line, field, "\(id) appears twice (first on line \(first.line))") }
      }
      switch item.record.record {
      case .speaker(let speaker)?:
        try unique(speaker.id, "spk", speakers, field: "speaker.id")
        try check(line) { _ = try Ledger.validated(speaker, field: "speaker") }
        try past(speaker.createTime, line, "speaker.create_time")
        try past(speaker.updateTime, line, "speaker.update_time")
        speakers[speaker.id] = Entry(line: line, value: speaker)
        result.resources.append(Resource(speaker))
      case .source(let source)?:
        try unique(source.id, "src", sources, field: "source.id")
        try check(line) {
          _ = try rules.validated(source, field: "source")
          _ = try Validate.text(source.archivedText, field: "source.archived_text", required: false, maximum: 3_000_000)
        }
        var sealed = source
        Ledger.seal(&sealed)
        guard sealed.archivedTextSha256 == source.archivedTextSha256,
          sealed.archivedTextSize == source.archivedTextSize
        else {
          throw Self.broken(line, "source.archived_text_sha256", "does not match the archived text of \(source.id)")
        }
        try past(source.createTime, line, "source.create_time")
        try past(source.updateTime, line, "source.update_time")
        sources[source.id] = Entry(line: line, value: source)
        result.resources.append(Resource(source))
      case .claim(let claim)?:
        try unique(claim.id, "clm", claims, field: "claim.id")
        try check(line) { _ = try rules.validated(claim, field: "claim") }
        guard claim.revision >= 1 else { throw Self.broken(line, "claim.revision", "must be 1 or more") }
        switch claim.state {
        case .active:
          guard claim.retractionReason.isEmpty else {
            throw Self.broken(line, "claim.retraction_reason", "an active claim has none")
          }
        case .retracted:
          guard !claim.retractionReason.isEmpty else {
            throw Self.broken(line, "claim.retraction_reason", "a retracted claim needs one")
          }
        default: throw Self.broken(line, "claim.state", "must be active or retracted")
        }
        try past(claim.createTime, line, "claim.create_time")
        try past(claim.updateTime, line, "claim.update_time")
        claims[claim.id] = Entry(line: line, value: claim)
        result.resources.append(Resource(claim))
      case .claimRevision(let revision)?:
        try past(revision.time, line, "claim_revision.time")
        revisions.append(Entry(line: line, value: revision))
        result.revisions.append(revision)
      case .link(let link)?:
        try unique(link.id, "lnk", links, field: "link.id")
        try checkLink(link, line: line)
        links[link.id] = Entry(line: line, value: link)
        result.resources.append(Resource(link))
      case .verdict(let verdict)?:
        try unique(verdict.id, "vrd", verdicts, field: "verdict.id")
        try check(line) {
          _ = try Validate.line(verdict.rating, field: "verdict.rating", required: true, maximum: 64)
          _ = try Validate.text(verdict.explanation, field: "verdict.explanation", required: false, maximum: 5_000)
        }
        switch verdict.state {
        case .active, .withdrawn, .unspecified: break
        default: throw Self.broken(line, "verdict.state", "must be active or withdrawn")
        }
        try past(verdict.createTime, line, "verdict.create_time")
        verdicts[verdict.id] = Entry(line: line, value: verdict)
        result.resources.append(Resource(verdict))
      case .auditEvent(let event)?:
        events.append(Entry(line: line, value: event))
      case nil:
        throw Self.broken(line, "record", "is empty")
      }
    }

    // References.
    for (id, claim) in claims where speakers[claim.value.speakerID] == nil {
      throw Self.broken(
        claim.line, "claim.speaker_id", "\(id) names speaker \"\(claim.value.speakerID)\", not restored")
    }
    for (id, claim) in claims where !(speakers[claim.value.speakerID]?.value.mergedInto.isEmpty ?? true) {
      throw Self.broken(
        claim.line, "claim.speaker_id", "\(id) names speaker \"\(claim.value.speakerID)\", which was merged away")
    }
    for (id, speaker) in speakers where !speaker.value.mergedInto.isEmpty {
      guard let into = speakers[speaker.value.mergedInto], into.value.mergedInto.isEmpty else {
        throw Self.broken(
          speaker.line, "speaker.merged_into",
          "\(id) redirects to \"\(speaker.value.mergedInto)\", not a restored speaker")
      }
    }
    for verdict in verdicts.values where claims[verdict.value.claimID] == nil {
      throw Self.broken(verdict.line, "verdict.claim_id", "no restored claim \"\(verdict.value.claimID)\"")
    }
    for link in links.values {
      guard claims[link.value.claimID] != nil else {
        throw Self.broken(link.line, "link.claim_id", "no restored claim \"\(link.value.claimID)\"")
      }
      switch link.value.target {
      case .sourceID(let id)?:
        guard let source = sources[id]?.value else {
          throw Self.broken(link.line, "link.source_id", "no restored source \"\(id)\"")
        }
        // A withdrawn link's passage may be gone: its source's text was corrected and the link withdrawn.
        if link.value.state == .active { try checkQuote(link.value, in: source, line: link.line) }
      case .targetClaimID(let id)?:
        guard claims[id] != nil, id != link.value.claimID else {
          throw Self.broken(link.line, "link.target_claim_id", "no other restored claim \"\(id)\"")
        }
      case nil:
        throw Self.broken(link.line, "link.target", "is required")
      }
    }

    // Revisions: 1…revision for every claim, each once.
    var revisionsByClaim: [String: [Int32: Entry<ClaimRevision>]] = [:]
    for revision in revisions {
      let claimID = revision.value.claimID
      guard claims[claimID] != nil else {
        throw Self.broken(revision.line, "claim_revision.claim_id", "no restored claim \"\(claimID)\"")
      }
      guard revision.value.claim?.id == claimID, revision.value.claim?.revision == revision.value.revision else {
        throw Self.broken(
          revision.line, "claim_revision.claim", "is not revision \(revision.value.revision) of \(claimID)")
      }
      guard revisionsByClaim[claimID, default: [:]][revision.value.revision] == nil else {
        throw Self.broken(
          revision.line, "claim_revision.revision", "\(claimID) has revision \(revision.value.revision) twice")
      }
      revisionsByClaim[claimID, default: [:]][revision.value.revision] = revision
    }
    for (id, claim) in claims {
      let numbers = Set(revisionsByClaim[id, default: [:]].keys)
      guard numbers == Set(1...claim.value.revision) else {
        throw Self.broken(
          claim.line, "claim.revision",
          "\(id) is at revision \(claim.value.revision) but the export holds revisions \(numbers.sorted()); "
            + "every revision from 1 on is needed")
      }
    }

    // The audit log: 1…N, forward in time, a history for every resource that ends in its restored state.
    guard !events.isEmpty else {
      throw Self.broken(
        records.first?.line ?? 0, "audit_event", "the export has no audit log: export with `gainsay export --audit`")
    }
    events.sort { $0.value.sequence < $1.value.sequence }
    var previousTime: Date?
    var history: [String: [AuditEvent]] = [:]
    /// Whether the export restores a record of `type` with `id`.
    func restored(_ type: ResourceType, _ id: String) -> Bool {
      switch type {
      case .speaker: speakers[id] != nil
      case .source: sources[id] != nil
      case .claim: claims[id] != nil
      case .link: links[id] != nil
      case .verdict: verdicts[id] != nil
      default: false
      }
    }
    for (index, entry) in events.enumerated() {
      var event = entry.value
      guard event.sequence == Int64(index + 1) else {
        throw Self.broken(
          entry.line, "audit_event.sequence",
          "\(event.sequence) where \(index + 1) was due: the audit log is numbered 1, 2, 3, … without gaps or repeats")
      }
      guard let time = event.time?.date else { throw Self.broken(entry.line, "audit_event.time", "is required") }
      try past(event.time, entry.line, "audit_event.time")
      if let previousTime, time < previousTime.addingTimeInterval(-Self.clockTolerance) {
        throw Self.broken(entry.line, "audit_event.time", "goes back in time from the event before it")
      }
      previousTime = max(previousTime ?? time, time)
      if event.importChunk != nil {
        // An import chunk's one event: the creation of every record it names.
        guard event.action == .import, event.before == nil, event.after == nil, !event.relatedIds.isEmpty,
          event.resourceType == .unspecified, event.resourceID.hasPrefix("imp_")
        else {
          throw Self.broken(
            entry.line, "audit_event.import_chunk", "an import chunk's event names the records it created, and no other")
        }
        for id in event.relatedIds {
          guard let type = ResourceType.ofID(id), restored(type, id) else {
            throw Self.broken(entry.line, "audit_event.related_ids", "no restored record \"\(id)\"")
          }
          guard history[id] == nil else {
            throw Self.broken(
              entry.line, "audit_event.related_ids", "the history of \(id) must begin with its creation")
          }
          history[id] = [event]
        }
        result.auditEvents.append(event)
        continue
      }
      guard let after = event.after, after.typeAndID == (event.resourceType, event.resourceID) else {
        throw Self.broken(entry.line, "audit_event.after", "must be the \(event.resourceID) it is about")
      }
      guard restored(event.resourceType, event.resourceID) else {
        throw Self.broken(entry.line, "audit_event.resource_id", "no restored record \"\(event.resourceID)\"")
      }
      let isFirst = history[event.resourceID] == nil
      if isFirst {
        guard event.before == nil, event.action == .create || event.action == .import else {
          throw Self.broken(
            entry.line, "audit_event.action", "the history of \(event.resourceID) must begin with its creation")
        }
      } else {
        guard event.before != nil, [.update, .retract, .withdraw, .merge, .repeatsFound].contains(event.action) else {
          throw Self.broken(
            entry.line, "audit_event.action", "\(event.resourceID) was created once; later events change it")
        }
      }
      if event.action == .repeatsFound {
        // Found repeats change nothing: the claim as it stood, and restored claims found to resemble it.
        guard event.resourceType == .claim, event.before.map(Self.comparable) == Self.comparable(after),
          event.relatedIds == event.repeats.map(\.claimID),
          event.relatedIds.allSatisfy({ claims[$0] != nil && $0 != event.resourceID })
        else {
          throw Self.broken(
            entry.line, "audit_event.repeats",
            "a REPEATS_FOUND event leaves its claim as it was and names other restored claims")
        }
      }
      history[event.resourceID, default: []].append(event)
      // As the store keeps events: a source's text is not repeated in them (legacy exports had it).
      event.before = event.before?.withoutArchivedText
      event.after = after.withoutArchivedText
      result.auditEvents.append(event)
    }
    for resource in result.resources {
      let id = resource.typeAndID.1
      // Created by an import chunk and unchanged since: the record is its own first state.
      if let events = history[id], events.count == 1, events[0].importChunk != nil { continue }
      guard let last = history[id]?.last?.after.map(Self.comparable) else {
        throw Self.broken(0, "audit_event", "\(id) has no audit event: its origin is unknown")
      }
      guard last == Self.comparable(resource) else {
        throw Self.broken(0, "audit_event.after", "\(id) as restored differs from its last audit event")
      }
    }
    for (id, numbered) in revisionsByClaim {
      var shown = Set(
        history[id, default: []].compactMap { event -> Claim? in
          if case .claim(let claim)? = event.after?.kind { return Self.comparable(claim) }
          return nil
        })
      // Created by an import chunk: its first revision is the record as created, the `before` of its first
      // change (or the record itself, if it never changed).
      if let events = history[id], events.first?.importChunk != nil {
        if case .claim(let first)? = events.dropFirst().first?.before?.kind {
          shown.insert(Self.comparable(first))
        } else if let claim = claims[id]?.value {
          shown.insert(Self.comparable(claim))
        }
      }
      for (number, revision) in numbered {
        guard let claim = revision.value.claim, shown.contains(Self.comparable(claim)) else {
          throw Self.broken(
            revision.line, "claim_revision.claim", "revision \(number) of \(id) is not in the claim's audit history")
        }
      }
    }
    return result
  }

  // MARK: - Rules

  private func checkLink(_ link: Link, line: Int64) throws {
    switch link.relation {
    case .contradicts, .supports, .context, .repeats: break
    default: throw Self.broken(line, "link.relation", "is not a relation")
    }
    switch link.state {
    case .active, .withdrawn: break
    default: throw Self.broken(line, "link.state", "must be active or withdrawn")
    }
    try check(line) {
      _ = try Validate.text(link.quote?.exact ?? "", field: "link.quote.exact", required: false, maximum: 5_000)
      _ = try Validate.text(link.note, field: "link.note", required: false, maximum: 2_000)
    }
    try past(link.createTime, line, "link.create_time")
  }

  /// The passage, with its prefix and suffix, occurs byte for byte in the source's archived text; and
  /// when the link records where (`end` > 0), the code points `start..<end` of the text are the passage.
  private func checkQuote(_ link: Link, in source: Source, line: Int64) throws {
    guard let quote = link.quote, !quote.exact.isEmpty, !source.archivedText.isEmpty else { return }
    let anchored = quote.prefix + quote.exact + quote.suffix
    guard TextQuoteAnchor.occurs(anchored, in: source.archivedText) else {
      throw Self.broken(line, "link.quote.exact", "does not occur in the archived text of \(source.id)")
    }
    guard quote.end > 0 || quote.start != 0 else { return }
    guard
      let found = Self.codePoints(quote.start..<max(quote.start, quote.end), of: source.archivedText),
      quote.start < quote.end, found.elementsEqual(quote.exact.utf8)
    else {
      throw Self.broken(
        line, "link.quote.start",
        "code points \(quote.start) to \(quote.end) of the archived text of \(source.id) are not the quoted "
          + "passage: the link's position does not match its quote")
    }
  }

  /// The UTF-8 bytes of code points `range` of `text`, or nil when the range is not within the text. Walks
  /// the text's bytes once, up to the range's end.
  static func codePoints(_ range: Range<Int64>, of text: String) -> ArraySlice<UInt8>? {
    guard range.lowerBound >= 0 else { return nil }
    var text = text
    return text.withUTF8 { bytes -> ArraySlice<UInt8>? in
      var scalar: Int64 = 0
      var lower: Int?
      for (offset, byte) in bytes.enumerated() where byte & 0xC0 != 0x80 {
        if scalar == range.lowerBound { lower = offset }
        if scalar == range.upperBound, let lower { return ArraySlice(bytes[lower..<offset]) }
        scalar += 1
      }
      if scalar == range.lowerBound { lower = bytes.count }
      guard scalar == range.upperBound, let lower else { return nil }
      return ArraySlice(bytes[lower..<bytes.count])
    }
  }

  private func past(_ time: Timestamp?, _ line: Int64, _ field: String) throws {
    guard let time else { return }
    guard time.date <= now.addingTimeInterval(Self.futureTolerance) else {
      throw Self.broken(line, field, "\(ISO8601DateFormatter().string(from: time.date)) is in the future")
    }
  }

  private func check(_ line: Int64, _ body: () throws -> Void) throws {
    do {
      try body()
    } catch let error as LedgerError {
      throw Self.broken(line, error.field, error.message)
    }
  }

  /// A resource as audit events and stored records show it: without evidence counts or latest rating
  /// (computed when read), a verdict without its signature (the config's), and without a source's
  /// archived text (its hash and size stand for it).
  static func comparable(_ resource: Resource) -> Resource {
    switch resource.kind {
    case .claim(let claim)?: return Resource(comparable(claim))
    case .verdict(var verdict)?:
      verdict.signedBy = ""
      return Resource(verdict)
    default: return resource.withoutArchivedText
    }
  }

  static func comparable(_ claim: Claim) -> Claim { claim.withoutReadFields }

  private static func broken(_ line: Int64, _ field: String, _ problem: String) -> LedgerError {
    let place = line > 0 ? "line \(line): " : ""
    let what = field.isEmpty || problem.hasPrefix(field) ? problem : "\(field): \(problem)"
    return LedgerError(.failedPrecondition, "restore refused, nothing written: \(place)\(what)", field: "records")
  }
}
