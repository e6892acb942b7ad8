import Foundation
public import GainsayProto

/// Links: how a claim relates to a source or another claim, with the evidence passage.
extension Ledger {
  /// Links a claim to a source or to another claim.
  ///
  /// A quote is anchored in the text it cites (``TextQuoteAnchor``) and stored as it occurs there, with
  /// its context and code point offsets; `occurrence` chooses among repeated passages. A `contradicts` or
  /// `supports` link to a source with archived text needs a quote unless `unquoted` is set (reports then
  /// show it as "unquoted"); a quote of a source without archived text is stored unverified.
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
    let quoted = !checkedQuote.exact.isEmpty
    if !quoted && !(checkedQuote.prefix.isEmpty && checkedQuote.suffix.isEmpty) {
      throw LedgerError.invalid("link.quote.exact", "is required with a prefix or suffix")
    }
    if quoted && NormalizedText.needle(checkedQuote.exact).isEmpty { throw Self.blankQuote() }
    guard request.occurrence >= 0 else {
      throw LedgerError.invalid("occurrence", "is \(request.occurrence); it counts from 1 (0 means the first)")
    }
    let occurrence = max(1, Int(request.occurrence))
    if occurrence > 1 && !quoted {
      throw LedgerError.invalid("occurrence", "chooses where a quote occurs: give the passage with --quote '…'")
    }
    if request.unquoted && quoted {
      throw LedgerError.invalid(
        "unquoted", "is set, but a quote is given too: pass either --quote '…' or --no-quote, not both")
    }
    switch input.target {
    case .sourceID(let sourceID)?:
      let id = try Validate.id(sourceID, field: "link.source_id")
      guard let source = try await store.get(Source.self, id: id) else {
        throw LedgerError.notFound("source", id, field: "link.source_id")
      }
      guard link.relation != .repeats else {
        throw LedgerError.invalid("link.relation", "repeats links a claim to another claim, not to a source")
      }
      let place = QuotedText.source(source, id: id, link: link)
      if source.archivedText.isEmpty {
        // Nothing to check the passage against: it is shown as unverified wherever the link appears.
        if quoted { link.unverified = true }
        if occurrence > 1 {
          throw LedgerError.invalid(
            "occurrence", "\(id) has no archived text, so there is no occurrence to choose: leave out --occurrence")
        }
      } else if quoted {
        // Stored as it occurs in the archived text, however it was pasted.
        checkedQuote = try Self.anchorQuote(checkedQuote, in: source.archivedText, occurrence: occurrence, of: place)
      } else if (link.relation == .contradicts || link.relation == .supports) && !request.unquoted {
        let relation = ReportRenderer.relationWord(link.relation)
        throw LedgerError.invalid(
          "link.quote.exact",
          "a \(relation) link to \(place.target), a source with archived text, needs the passage that is the "
            + "evidence: pass --quote '…the exact passage…' (see it with \(place.showCommand)), or --no-quote to "
            + "link without one (reports then show the evidence as unquoted)")
      }
      link.target = .sourceID(id)
    case .targetClaimID(let targetID)?:
      let id = try Validate.id(targetID, field: "link.target_claim_id")
      guard id != link.claimID else {
        throw LedgerError.invalid("link.target_claim_id", "a claim cannot be linked to itself")
      }
      let target = try await existingClaim(id, field: "link.target_claim_id")
      if quoted {
        // A claim-to-claim link may quote the other claim, as it was said.
        checkedQuote = try Self.anchorQuote(
          checkedQuote, in: target.text, occurrence: occurrence, of: .claim(id: id, link: link))
      }
      link.target = .targetClaimID(id)
    case nil:
      throw LedgerError.invalid("link.target", "is required: a source_id or a target_claim_id")
    }
    if quoted { link.quote = checkedQuote }
    link.note = try Validate.text(input.note, field: "link.note", required: false, maximum: 2_000)
    link.id = ResourceID.make("lnk")
    link.createdBy = caller.unixUser
    link.createTime = timestamp
    link.state = .active
    try await commit(link, draft(caller, "CreateLink", .create))
    return link
  }

  static func affix(_ value: String, field: String) throws -> String {
    if value.unicodeScalars.contains(where: { $0 == "\u{0}" }) {
      throw LedgerError.invalid(field, "must not contain NUL")
    }
    guard value.count <= 64 else { throw LedgerError.invalid(field, "is \(value.count) characters; the maximum is 64") }
    return value
  }

  func existingClaim(_ id: String, field: String) async throws -> Claim {
    guard let claim = try await store.get(Claim.self, id: id) else {
      throw LedgerError.notFound("claim", id, field: field)
    }
    return claim
  }

  public func getLink(_ request: GetLinkRequest, caller: CallerIdentity) async throws -> Link {
    try require(.reader, caller, to: "reading links")
    let id = try Validate.id(request.id, field: "id")
    guard let link = try await store.get(Link.self, id: id) else {
      throw LedgerError.notFound("link", id, field: "id")
    }
    return link
  }

  public func listLinks(_ request: ListLinksRequest, caller: CallerIdentity) async throws -> ListLinksResponse {
    try require(.reader, caller, to: "reading links")
    var filter = LinkFilter()
    switch request.relation {
    case .unspecified: filter.relation = nil
    case .unrecognized(let value): throw LedgerError.invalid("relation", "\(value) is not a relation")
    default: filter.relation = request.relation
    }
    filter.claimID = request.claimID
    filter.sourceID = request.sourceID
    filter.includeWithdrawn = request.includeWithdrawn
    let page = try await store.listLinks(
      filter, pageSize: try Self.pageSize(request.pageSize), pageToken: request.pageToken)
    var response = ListLinksResponse()
    let sent = try fitted(page, pageToken: request.pageToken)
    response.links = sent.items
    response.nextPageToken = sent.nextPageToken
    return response
  }

  public func withdrawLink(_ request: WithdrawLinkRequest, caller: CallerIdentity) async throws -> Link {
    try require(.editor, caller, to: "withdrawing a link")
    let id = try Validate.id(request.id, field: "id")
    let reason = try Validate.text(request.reason, field: "reason", required: true, maximum: 2_000)
    return try await commitUpdate(Link.self, id: id, draft(caller, "WithdrawLink", .withdraw, reason: reason)) {
      current in
      var link = current
      guard link.state == .active else {
        throw LedgerError(.failedPrecondition, "link \(id) is already withdrawn", field: "id", resource: id)
      }
      link.state = .withdrawn
      link.withdrawalReason = reason
      return link
    }
  }
}
