import Foundation
public import GainsayProto

/// Verdicts: ratings on the configured scale.
extension Ledger {
  public func createVerdict(_ request: CreateVerdictRequest, caller: CallerIdentity) async throws -> Verdict {
    try require(.editor, caller, to: "recording a verdict")
    guard let input = request.verdict else { throw LedgerError.invalid("verdict", "is required") }
    let claimID = try Validate.id(input.claimID, field: "verdict.claim_id")
    let claim = try await existingClaim(claimID, field: "verdict.claim_id")
    guard claim.state == .active else {
      throw LedgerError(
        .failedPrecondition, "claim \(claim.id) is retracted; it cannot be reviewed", field: "verdict.claim_id",
        resource: claim.id)
    }
    var verdict = try reviewed(input)
    verdict.claimID = claim.id
    verdict.reviewer = caller.unixUser
    verdict.state = .active
    verdict.id = ResourceID.make("vrd")
    verdict.createTime = timestamp
    try await commit(verdict, draft(caller, "CreateVerdict", .create))
    return configuration.signed(verdict)
  }

  public func listVerdicts(_ request: ListVerdictsRequest, caller: CallerIdentity) async throws -> ListVerdictsResponse
  {
    try require(.reader, caller, to: "reading verdicts")
    let id = try Validate.id(request.claimID, field: "claim_id")
    _ = try await existingClaim(id, field: "claim_id")
    let page = try await store.listVerdicts(
      claimID: id, includeWithdrawn: request.includeWithdrawn, pageSize: try Self.pageSize(request.pageSize),
      pageToken: request.pageToken)
    var response = ListVerdictsResponse()
    let sent = try fitted(
      Page(items: page.items.map(configuration.signed), nextPageToken: page.nextPageToken), pageToken: request.pageToken)
    response.verdicts = sent.items
    response.nextPageToken = sent.nextPageToken
    return response
  }

  /// Withdraws a verdict given in error, with a reason; the claim's rating becomes its latest active
  /// verdict's.
  public func withdrawVerdict(_ request: WithdrawVerdictRequest, caller: CallerIdentity) async throws -> Verdict {
    try require(.editor, caller, to: "withdrawing a verdict")
    let id = try Validate.id(request.id, field: "id")
    let reason = try Validate.text(request.reason, field: "reason", required: true, maximum: 2_000)
    let verdict = try await commitUpdate(
      Verdict.self, id: id, draft(caller, "WithdrawVerdict", .withdraw, reason: reason)
    ) { current in
      var verdict = current
      guard verdict.state != .withdrawn else {
        throw LedgerError(.failedPrecondition, "verdict \(id) is already withdrawn", field: "id", resource: id)
      }
      verdict.state = .withdrawn
      verdict.withdrawalReason = reason
      return verdict
    }
    return configuration.signed(verdict)
  }

  /// Where a verdict's reviewable fields come from, for errors: a verdict's own fields, or an import
  /// row's.
  struct ReviewFields {
    var rating = "verdict.rating"
    var explanation = "verdict.explanation"
    var reviewURL = "verdict.review_url"
    var externalReviewer = "verdict.external_reviewer"
    /// After the list of labels when a rating is off the scale, e.g. "; map it with --rating-map".
    var advice = ""

    static let importRow = ReviewFields(
      rating: "rating", explanation: "rating_explanation", reviewURL: "review_url", externalReviewer: "reviewer",
      advice: "; map it with --rating-map")
  }

  /// A verdict's reviewable content checked as every way into the ledger checks it: the rating on the
  /// scale (its label as the scale spells it, and its value), the explanation, the review URL and the
  /// external reviewer. Ids, accounts, times and state are the caller's to set.
  func reviewed(_ input: Verdict, fields: ReviewFields = .init()) throws -> Verdict {
    let rating = try scaleRating(input.rating, fields: fields)
    var verdict = Verdict()
    verdict.rating = rating.label
    verdict.ratingValue = rating.value
    verdict.explanation = try Validate.text(
      input.explanation, field: fields.explanation, required: false, maximum: 5_000)
    verdict.reviewURL = try Validate.url(input.reviewURL, field: fields.reviewURL)
    verdict.externalReviewer = try Validate.line(
      input.externalReviewer, field: fields.externalReviewer, required: false, maximum: 200)
    return verdict
  }

  /// The scale's rating labelled `label` (ignoring case), or INVALID_ARGUMENT listing the scale.
  func scaleRating(_ label: String, fields: ReviewFields = .init()) throws -> Rating {
    let label = try Validate.line(label, field: fields.rating, required: true, maximum: 64)
    guard let rating = configuration.ratingScale.ratings.first(where: { $0.label.lowercased() == label.lowercased() })
    else {
      let labels = configuration.ratingScale.ratings.map { "\"\($0.label)\"" }.joined(separator: ", ")
      throw LedgerError.invalid(
        fields.rating, "\"\(label)\" is not on the rating scale (\(labels))\(fields.advice)")
    }
    return rating
  }

  public func ratingScale(caller: CallerIdentity) throws -> RatingScale {
    try require(.reader, caller, to: "reading the rating scale")
    return configuration.ratingScale
  }
}
