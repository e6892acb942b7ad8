import Foundation
import GainsayProto

/// Merging an export into a ledger that may already hold some of its records.
///
/// Records keep their ids. One the ledger already holds is UNCHANGED when its content is the same
/// (times, revision numbers, accounts and counts aside) and REJECTED, naming what differs, when it is
/// not; a new one is created through the Create rules, with the caller as actor and the server's clock,
/// as a fresh record here (revision 1; a verdict's signature, else its reviewer's user name, becomes its
/// external reviewer). A new speaker whose name another speaker holds, or a new claim whose statement
/// another claim records, is REJECTED.
/// Only strict and dry-run sessions take such records, so an export is merged whole or not at all.
/// Revisions and audit events are the history of the ledger the export came from: they are refused here
/// (`gainsay import` leaves them out and says so); `gainsay restore` keeps them, into an empty ledger.
extension Ledger {
  func merge(
    _ item: ImportRecord, into batch: inout ImportSessions.Staged, session: inout ImportSessions.Session,
    known: ImportKnown, caller: CallerIdentity
  ) async throws -> StagedRecord {
    guard session.staging else {
      throw LedgerError.invalid(
        "record",
        "carries an id: records of an export merge all or nothing, in a strict or dry-run import "
          + "(`gainsay import FILE` begins one), or restore with their history into an empty ledger "
          + "(`gainsay restore FILE`, admin)")
    }
    let time = timestamp
    let resource: Resource
    switch item.record?.record {
    case .speaker(let input)?:
      var speaker = try Self.validated(input, field: "speaker")
      speaker.id = try Self.carried(input.id, .speaker, field: "speaker.id")
      speaker.mergedInto = input.mergedInto
      if let existing = try existing(speaker.id, session: session, known: known) {
        return try Self.same(Resource(speaker), as: existing)
      }
      guard input.mergedInto.isEmpty else {
        throw LedgerError.invalid(
          "speaker.merged_into",
          "\(speaker.id) was merged into \(input.mergedInto) in the exported ledger; a merge "
            + "is history, which an import does not carry: merge the speakers here (`gainsay speaker merge`)")
      }
      try checkNamesFree(speaker, session: session, known: known)
      speaker.createTime = time
      speaker.updateTime = time
      speaker.revision = 1
      register(speaker, in: &session)
      resource = Resource(speaker)

    case .source(let input)?:
      var source = try validatedWithText(input)
      source.id = try Self.carried(input.id, .source, field: "source.id")
      if let existing = try existing(source.id, session: session, known: known) {
        return try Self.same(Resource(source), as: existing)
      }
      source.createTime = time
      source.updateTime = time
      source.revision = 1
      resource = Resource(source)

    case .claim(let input)?:
      var claim = try validated(input, field: "claim")
      claim.id = try Self.carried(input.id, .claim, field: "claim.id")
      claim.state = input.state == .retracted ? .retracted : .active
      if claim.state == .retracted {
        claim.retractionReason = try Validate.text(
          input.retractionReason, field: "claim.retraction_reason", required: true, maximum: 2_000)
      }
      if let existing = try existing(claim.id, session: session, known: known) {
        return try Self.same(Resource(claim), as: existing)
      }
      guard let speaker = try await lookup(Speaker.self, claim.speakerID, session: session) else {
        throw missing("speaker", claim.speakerID, field: "claim.speaker_id", session: session)
      }
      try Self.refuseMerged(speaker, field: "claim.speaker_id")
      let key = ImportKnown.claimKey(claim)
      if claim.state == .active, let other = session.claimKeys[key] ?? known.claims[key]?.id {
        throw LedgerError(
          .alreadyExists,
          "claim: the same statement (speaker, date and text) is already \(other) here; the "
            + "file's \(claim.id) is another record of it", field: "claim", resource: other)
      }
      claim.revision = 1
      claim.createTime = time
      claim.updateTime = time
      if claim.state == .active { session.claimKeys[key] = claim.id }
      resource = Resource(claim)

    case .link(let input)?:
      let link = try await mergedLink(input, session: session, caller: caller, time: time)
      if let existing = try existing(link.id, session: session, known: known) {
        return try Self.same(Resource(link), as: existing)
      }
      resource = Resource(link)

    case .verdict(let input)?:
      var content = input
      // Set below, once the record is known to be new: who gave it is not part of what is compared.
      content.externalReviewer = ""
      var verdict = try reviewed(content, fields: .init(advice: "; map it with --rating-map"))
      verdict.id = try Self.carried(input.id, .verdict, field: "verdict.id")
      verdict.claimID = try Validate.id(input.claimID, field: "verdict.claim_id")
      verdict.state = input.state == .withdrawn ? .withdrawn : .active
      if verdict.state == .withdrawn {
        verdict.withdrawalReason = try Validate.text(
          input.withdrawalReason, field: "verdict.withdrawal_reason", required: true, maximum: 2_000)
      }
      if let existing = try existing(verdict.id, session: session, known: known) {
        return try Self.same(Resource(verdict), as: existing)
      }
      guard try await lookup(Claim.self, verdict.claimID, session: session) != nil else {
        throw missing("claim", verdict.claimID, field: "verdict.claim_id", session: session)
      }
      // Given in another ledger, by someone this one does not know as an account: signed with their name.
      let giver = [input.externalReviewer, input.signedBy, input.reviewer?.userName ?? ""].first { !$0.isEmpty } ?? ""
      verdict.externalReviewer = try Validate.line(
        giver, field: "verdict.external_reviewer", required: false, maximum: 200)
      verdict.reviewer = caller.unixUser
      verdict.createTime = time
      resource = Resource(verdict)

    case .claimRevision?, .auditEvent?:
      throw LedgerError.invalid(
        "record",
        "revisions and audit events are the history of the exported ledger; an import does not carry "
          + "them (`gainsay import` leaves them out): restore the export into an empty ledger to keep them")

    case nil:
      throw LedgerError.invalid("record", "is empty")
    }
    batch.created.append(resource)
    session.merged[resource.typeAndID.1] = resource
    return StagedRecord(result: .created, id: resource.typeAndID.1)
  }

  /// A link of an export, checked as CreateLink checks one: its claim and target exist (here or earlier
  /// in the file), and a quote of a source with archived text occurs in it.
  private func mergedLink(
    _ input: Link, session: ImportSessions.Session, caller: CallerIdentity, time: Timestamp
  ) async throws -> Link {
    var link = Link()
    link.id = try Self.carried(input.id, .link, field: "link.id")
    link.claimID = try Validate.id(input.claimID, field: "link.claim_id")
    switch input.relation {
    case .contradicts, .supports, .context, .repeats: link.relation = input.relation
    default: throw LedgerError.invalid("link.relation", "is required: contradicts, supports, context or repeats")
    }
    if let quote = input.quote, !quote.exact.isEmpty {
      var checked = TextQuote()
      checked.exact = try Validate.text(quote.exact, field: "link.quote.exact", required: true, maximum: 5_000)
      checked.prefix = try Self.affix(quote.prefix, field: "link.quote.prefix")
      checked.suffix = try Self.affix(quote.suffix, field: "link.quote.suffix")
      link.quote = checked
    }
    link.note = try Validate.text(input.note, field: "link.note", required: false, maximum: 2_000)
    link.state = input.state == .withdrawn ? .withdrawn : .active
    if link.state == .withdrawn {
      link.withdrawalReason = try Validate.text(
        input.withdrawalReason, field: "link.withdrawal_reason", required: true, maximum: 2_000)
    }
    guard try await lookup(Claim.self, link.claimID, session: session) != nil else {
      throw missing("claim", link.claimID, field: "link.claim_id", session: session)
    }
    switch input.target {
    case .sourceID(let id)?:
      let id = try Validate.id(id, field: "link.source_id")
      guard let source = try await lookup(Source.self, id, session: session) else {
        throw missing("source", id, field: "link.source_id", session: session)
      }
      if let quote = link.quote, !source.archivedText.isEmpty,
        !TextQuoteAnchor.occurs(quote.exact, in: source.archivedText)
      {
        throw LedgerError.invalid("link.quote.exact", "does not occur in the archived text of \(id)")
      }
      link.unverified = link.quote != nil && source.archivedText.isEmpty
      link.target = .sourceID(id)
    case .targetClaimID(let id)?:
      let id = try Validate.id(id, field: "link.target_claim_id")
      guard let target = try await lookup(Claim.self, id, session: session) else {
        throw missing("claim", id, field: "link.target_claim_id", session: session)
      }
      if let quote = link.quote, !TextQuoteAnchor.occurs(quote.exact, in: target.text) {
        throw LedgerError.invalid("link.quote.exact", "does not occur in the text of \(id)")
      }
      link.target = .targetClaimID(id)
    case nil:
      throw LedgerError.invalid("link.target", "is required: a source_id or a target_claim_id")
    }
    link.createdBy = caller.unixUser
    link.createTime = time
    return link
  }

  /// The refusal of a reference to `id`: a record this import rejected earlier, or none at all.
  private func missing(_ noun: String, _ id: String, field: String, session: ImportSessions.Session) -> LedgerError {
    guard let line = session.rejectedIDs[id] else { return LedgerError.notFound(noun, id, field: field) }
    return LedgerError.invalid(field, "\(noun) \(id) is rejected (line \(line)), so this record is too")
  }

  /// A record's id, checked: the file's own, well-formed for its type.
  private static func carried(_ id: String, _ type: ResourceType, field: String) throws -> String {
    guard ResourceID.isWellFormed(id, prefix: type.idPrefix) else {
      throw LedgerError.invalid(
        field, "\"\(id)\" is not a well-formed id (\(type.idPrefix)_ and 16 base-32 characters)")
    }
    return id
  }

  /// The record with `id` as the ledger or this import holds it.
  private func existing(_ id: String, session: ImportSessions.Session, known: ImportKnown) throws -> Resource? {
    session.merged[id] ?? known.records[id]
  }

  /// A record `id` of `type`: created earlier in this import, or in the ledger; nil if there is none, or
  /// the import created `id` as another type.
  private func lookup<R: StoredRecord>(
    _ type: R.Type, _ id: String, session: ImportSessions.Session
  ) async throws -> R? {
    if let resource = session.merged[id] { return R(resource) }
    return try await store.get(type, id: id)
  }

  /// UNCHANGED when the file's record says what the ledger's says, else the refusal naming what differs.
  static func same(_ file: Resource, as held: Resource) throws -> StagedRecord {
    let (type, id) = held.typeAndID
    guard file.typeAndID.0 == type else {
      throw LedgerError(
        .alreadyExists, "\(id) is a \(type.noun) here, not a \(file.typeAndID.0.noun)", resource: id)
    }
    let mine = MergeContent(held).fields
    let theirs = MergeContent(file).fields
    var differences: [String] = []
    for (index, (name, value)) in theirs.enumerated() where mine[index].1 != value {
      differences.append(
        "\(name) (\(MergeContent.shown(mine[index].1)) here, \(MergeContent.shown(value)) in the file)")
    }
    guard differences.isEmpty else {
      throw LedgerError(
        .alreadyExists,
        "\(type.noun) \(id) is already in the ledger and differs: " + differences.joined(separator: ", ")
          + "; nothing was changed (edit it here, or fix the file)",
        resource: id)
    }
    return StagedRecord(result: .unchanged, id: id)
  }
}

/// What two copies of a record must agree on to be the same record: its content, without times,
/// revision numbers, accounts, counts and other output-only fields.
struct MergeContent {
  let fields: [(String, String)]

  init(_ resource: Resource) {
    switch resource.kind {
    case .speaker(let s)?:
      fields = [
        ("name", s.name), ("aliases", s.aliases.joined(separator: ", ")), ("kind", "\(s.kind)"), ("role", s.role),
        ("affiliation", s.affiliation), ("country", s.country), ("region", s.region), ("wikidata_id", s.wikidataID),
        ("merged_into", s.mergedInto),
      ]
    case .source(let s)?:
      fields = [
        ("title", s.title), ("outlet", s.outlet), ("authors", s.authors.joined(separator: ", ")), ("url", s.url),
        ("published_on", s.publishedOn?.iso ?? ""), ("kind", "\(s.kind)"), ("language", s.language),
        ("archived_text", s.archivedTextSha256.isEmpty ? "" : "SHA-256 " + s.archivedTextSha256.prefix(12)),
      ]
    case .claim(let c)?:
      fields = [
        ("speaker_id", c.speakerID), ("text", c.text), ("said_on", c.saidOn?.iso ?? ""), ("context", c.context),
        ("appearance_urls", c.appearanceUrls.joined(separator: " ")), ("language", c.language),
        ("topics", c.topics.joined(separator: ", ")), ("attribution", "\(c.attribution)"), ("state", "\(c.state)"),
        ("retraction_reason", c.retractionReason), ("external_id", c.externalID),
      ]
    case .link(let l)?:
      let target: String
      switch l.target {
      case .sourceID(let id)?: target = id
      case .targetClaimID(let id)?: target = id
      case nil: target = ""
      }
      fields = [
        ("claim_id", l.claimID), ("target", target), ("relation", "\(l.relation)"), ("quote", l.quote?.exact ?? ""),
        ("note", l.note), ("state", "\(l.state)"), ("withdrawal_reason", l.withdrawalReason),
      ]
    case .verdict(let v)?:
      fields = [
        ("claim_id", v.claimID), ("rating", v.rating), ("explanation", v.explanation), ("review_url", v.reviewURL),
        ("state", "\(v.state)"), ("withdrawal_reason", v.withdrawalReason),
      ]
    case nil:
      fields = []
    }
  }

  /// A value in a message: quoted, cut at 60 characters.
  static func shown(_ value: String) -> String {
    value.isEmpty ? "none" : "\"" + (value.count > 60 ? value.prefix(59) + "…" : value) + "\""
  }
}
