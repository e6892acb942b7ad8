public import GainsayProto

/// The newsroom's settings that shape the ledger.
public struct LedgerConfiguration: Sendable {
  /// The ratings verdicts may use, best first.
  public var ratingScale: RatingScale
  /// The newsroom that publishes reports.
  public var publisher: String
  /// The newsroom's web address, for ClaimReview (`author.url`, and review URLs under it).
  public var publisherURL: String
  /// Display names by Unix user name: verdicts are signed "Alice Example", not "alice".
  public var reviewers: [String: String]
  /// The most bytes one response may encode to (the server's frame limit): a list page is cut short
  /// to fit it, with a page token for the rest.
  public var maximumResponseBytes = 4 * 1024 * 1024

  public init(
    ratingScale: RatingScale = .standard, publisher: String = "", publisherURL: String = "",
    reviewers: [String: String] = [:]
  ) {
    self.ratingScale = ratingScale
    self.publisher = publisher
    self.publisherURL = publisherURL
    self.reviewers = reviewers
  }

  /// `verdict` with ``Verdict/signedBy`` filled: its external reviewer, else the display name of the
  /// account that recorded it, else that account's user name.
  public func signed(_ verdict: Verdict) -> Verdict {
    var signed = verdict
    if !verdict.externalReviewer.isEmpty {
      signed.signedBy = verdict.externalReviewer
    } else {
      let user = verdict.reviewer?.userName ?? ""
      signed.signedBy = reviewers[user] ?? (user.isEmpty ? "uid \(verdict.reviewer?.uid ?? 0)" : user)
    }
    return signed
  }
}

extension RatingScale {
  /// true, mostly true, half true, mostly false, false, pants on fire — and unverifiable, off the scale.
  public static let standard: RatingScale = {
    let ratings: [(String, Int32, String)] = [
      ("true", 6, "The statement is accurate and nothing significant is missing."),
      ("mostly true", 5, "Accurate, but needs clarification or additional information."),
      ("half true", 4, "Partially accurate, but leaves out important details or takes things out of context."),
      ("mostly false", 3, "Contains an element of truth but ignores critical facts."),
      ("false", 2, "Not accurate."),
      ("pants on fire", 1, "Not accurate, and makes a ridiculous claim."),
      ("unverifiable", 0, "Cannot be proven or disproven with the available evidence."),
    ]
    var scale = RatingScale()
    scale.ratings = ratings.map { label, value, description in
      var rating = Rating()
      rating.label = label
      rating.value = value
      rating.description = description
      return rating
    }
    return scale
  }()
}
