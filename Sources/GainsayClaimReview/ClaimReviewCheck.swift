import Foundation
public import GainsayProto

/// Checks ClaimReview JSON-LD against what Google's Fact Check markup requires and recommends (and what
/// its Fact Check Tools read), claim by claim, and says how to fix each gap in Gainsay terms
/// (`gainsay report --format claimreview --check`; docs/REPORTS.md lists the rules and their sources).
///
/// Required: `@context` schema.org, `@type` ClaimReview, `url` (http or https), `claimReviewed`,
/// `reviewRating` with `alternateName`, and `author` with a `name` (Google recommends the author; Gainsay
/// requires it, as it refuses a ClaimReview without a publisher). Numbers on a rating must be Google's:
/// `worstRating` at least 1, below `bestRating`, `ratingValue` between them; a rating off the scale must
/// have none. Recommended: `datePublished`, `itemReviewed` (a Claim with `author.name`, `author.sameAs`,
/// `datePublished`, `appearance` and `firstAppearance`), the rating's numbers for ratings on the scale,
/// and `ratingExplanation`. A claim is named by `itemReviewed.identifier` (the claim id Gainsay writes
/// there), else by its position in the array.
public enum ClaimReviewCheck {
  /// One gap in one ClaimReview.
  public struct Finding: Sendable, Equatable {
    /// `required`: the review is not publishable as it is; `recommended`: it is, with less in it.
    public enum Level: String, Sendable { case required, recommended }
    public var level: Level
    /// The field's path, e.g. `url` or `itemReviewed.author.sameAs`.
    public var field: String
    /// What is wrong: "missing", or why the value is refused.
    public var problem: String
    /// How to fix it with Gainsay.
    public var fix: String
  }

  /// The findings of one ClaimReview.
  public struct Review: Sendable {
    /// 1 for the first review of the array.
    public var position: Int
    /// The claim's id (`itemReviewed.identifier`), empty when the review does not carry one.
    public var claimID: String
    public var claimReviewed: String
    public var findings: [Finding]

    /// No required field is missing or wrong.
    public var passes: Bool { !findings.contains { $0.level == .required } }

    /// The claim id, else "#position".
    public var name: String { claimID.isEmpty ? "#\(position)" : claimID }

    /// `{"position", "claim", "claimReviewed", "passes", "findings": [{"level", "field", "problem", "fix"}]}`.
    public var jsonValue: JSONValue {
      .object([
        ("position", .integer(Int64(position))), ("claim", .string(claimID)),
        ("claimReviewed", .string(claimReviewed)), ("passes", .bool(passes)),
        (
          "findings",
          .array(
            findings.map {
              .object([
                ("level", .string($0.level.rawValue)), ("field", .string($0.field)), ("problem", .string($0.problem)),
                ("fix", .string($0.fix)),
              ])
            })
        ),
      ])
    }
  }

  /// Checks each review of a ClaimReview array; `scale` tells ratings on the scale from those off it.
  public static func check(_ reviews: [JSONValue], scale: RatingScale) -> [Review] {
    reviews.enumerated().map { check($1, position: $0 + 1, scale: scale) }
  }

  /// Checks one review.
  public static func check(_ review: JSONValue, position: Int, scale: RatingScale) -> Review {
    var checker = Checker(review: review, scale: scale)
    checker.run()
    return Review(
      position: position, claimID: checker.claimID, claimReviewed: checker.string(review, "claimReviewed") ?? "",
      findings: checker.findings)
  }
}

/// The rules, applied to one review.
private struct Checker {
  let review: JSONValue
  let scale: RatingScale
  var findings: [ClaimReviewCheck.Finding] = []

  init(review: JSONValue, scale: RatingScale) {
    self.review = review
    self.scale = scale
  }

  var claimID: String { string(value(review, "itemReviewed"), "identifier") ?? "" }
  private var claim: String { claimID.isEmpty ? "CLAIM" : claimID }
  private var label: String { string(value(review, "reviewRating"), "alternateName") ?? "" }
  /// The command that adds a verdict like the review's (a rating another fact-checker gave stays theirs).
  private var verdict: String {
    let reviewer = externalReviewer.map { " --reviewer \(ClaimReviewCheck.quoted($0))" } ?? ""
    return "gainsay verdict \(claim) --rating \(ClaimReviewCheck.quoted(label.isEmpty ? "RATING" : label))\(reviewer)"
  }

  /// The author's name when the review's author is not its publisher: another fact-checker's rating.
  private var externalReviewer: String? {
    guard let author = string(value(review, "author"), "name"),
      let publisher = string(value(review, "publisher"), "name"),
      author != publisher
    else { return nil }
    return author
  }
  private static let regenerate = "write it with gainsay report --format claimreview"

  mutating func run() {
    guard case .object = review else {
      return add(.required, "(the review)", "not a JSON object", Self.regenerate)
    }
    let context = string(review, "@context") ?? ""
    if !["https://schema.org", "http://schema.org", "https://schema.org/", "http://schema.org/"].contains(context) {
      add(.required, "@context", context.isEmpty ? "missing" : "not schema.org: \(context)", Self.regenerate)
    }
    if string(review, "@type") != "ClaimReview" { add(.required, "@type", "not ClaimReview", Self.regenerate) }
    checkURL()
    if (string(review, "claimReviewed") ?? "").isEmpty {
      add(.required, "claimReviewed", "missing", "gainsay claim edit \(claim) --text TEXT --reason WHY")
    }
    checkRating()
    checkAuthor()
    checkDate(value(review, "datePublished"), field: "datePublished", fix: reviewDateFix)
    checkItem()
  }

  private mutating func checkURL() {
    let fix = "\(verdict) --review-url URL (the page where the fact-check is published; the latest verdict counts)"
    guard let url = value(review, "url") else {
      return add(.required, "url", "missing: the address of the published fact-check", fix)
    }
    if !Self.isWebURL(url) { add(.required, "url", "not an http or https URL", fix) }
  }

  private mutating func checkRating() {
    guard let rating = value(review, "reviewRating"), case .object = rating else {
      return add(.required, "reviewRating", "missing", "gainsay verdict \(claim) --rating RATING")
    }
    if let type = string(rating, "@type"), type != "Rating" {
      add(.required, "reviewRating.@type", "not Rating: \(type)", Self.regenerate)
    }
    if label.isEmpty {
      add(.required, "reviewRating.alternateName", "missing", "gainsay verdict \(claim) --rating RATING")
    }
    if (string(rating, "ratingExplanation") ?? "").isEmpty {
      add(.recommended, "reviewRating.ratingExplanation", "missing", "\(verdict) --explanation TEXT")
    }
    checkNumbers(rating)
  }

  /// Google: `worstRating` at least 1 and below `bestRating`, `ratingValue` between them (higher is
  /// truer); a rating off the scale has no place between them.
  private mutating func checkNumbers(_ rating: JSONValue) {
    let names = ["ratingValue", "bestRating", "worstRating"]
    var numbers: [String: Double] = [:]
    for name in names {
      guard let raw = value(rating, name) else { continue }
      guard let number = Self.number(raw) else {
        add(.required, "reviewRating.\(name)", "not a number", Self.regenerate)
        continue
      }
      numbers[name] = number
    }
    let known = scale.ratings.first { $0.label.caseInsensitiveCompare(label) == .orderedSame }
    if let known, known.value == 0 {
      for name in names where numbers[name] != nil {
        add(
          .required, "reviewRating.\(name)",
          "\(ClaimReviewCheck.quoted(label)) is off the scale: a number would place it between the worst and the best"
            + " rating", Self.regenerate)
      }
      return
    }
    for name in names where value(rating, name) == nil {
      let fix =
        known == nil && !label.isEmpty
        ? "\(ClaimReviewCheck.quoted(label)) is not on the newsroom's scale (gainsay verdict ratings): rate the claim"
          + " with one of its ratings" : Self.regenerate + " (the numbers come from the newsroom's rating scale)"
      add(.recommended, "reviewRating.\(name)", "missing", fix)
    }
    if let worst = numbers["worstRating"], worst < 1 {
      add(.required, "reviewRating.worstRating", "below 1 (Google's minimum)", Self.regenerate)
    }
    if let worst = numbers["worstRating"], let best = numbers["bestRating"], best <= worst {
      add(.required, "reviewRating.bestRating", "not above worstRating", Self.regenerate)
    }
    if let value = numbers["ratingValue"],
      value < (numbers["worstRating"] ?? 1) || value > (numbers["bestRating"] ?? .infinity)
    {
      add(.required, "reviewRating.ratingValue", "outside worstRating–bestRating", Self.regenerate)
    }
  }

  private mutating func checkAuthor() {
    let fix = "set \"publisher\" and \"publisherURL\" in the daemon's config, or pass --publisher and --publisher-url"
    guard let author = value(review, "author"), case .object = author else {
      return add(.required, "author", "missing: who publishes the review", fix)
    }
    if (string(author, "name") ?? "").isEmpty { add(.required, "author.name", "missing", fix) }
    checkKind(author, field: "author", level: .required)
    if let url = value(author, "url"), !Self.isWebURL(url) {
      add(.required, "author.url", "not an http or https URL", fix)
    }
  }

  /// A review by another fact-checker (its author is not the publisher) has no date Gainsay knows.
  private var reviewDateFix: String {
    if let author = externalReviewer {
      return "none in Gainsay: \(author) gave the rating and Gainsay does not know when they published it"
    }
    return "the date of the verdict: " + Self.regenerate
  }

  private mutating func checkItem() {
    guard let item = value(review, "itemReviewed"), case .object = item else {
      return add(.recommended, "itemReviewed", "missing", Self.regenerate)
    }
    if string(item, "@type") != "Claim" { add(.recommended, "itemReviewed.@type", "not Claim", Self.regenerate) }
    if let author = value(item, "author"), case .object = author {
      let name = string(author, "name") ?? ""
      if name.isEmpty { add(.recommended, "itemReviewed.author.name", "missing", Self.regenerate) }
      checkKind(author, field: "itemReviewed.author", level: .recommended)
      let speaker = name.isEmpty ? "SPEAKER" : ClaimReviewCheck.quoted(name)
      let wikidata = "gainsay speaker edit \(speaker) --wikidata QID (their Wikidata item, e.g. Q312296)"
      if let sameAs = value(author, "sameAs") {
        if !Self.allWebURLs(sameAs) {
          add(.recommended, "itemReviewed.author.sameAs", "not an http or https URL", wikidata)
        }
      } else {
        add(.recommended, "itemReviewed.author.sameAs", "missing: who the speaker is, beyond their name", wikidata)
      }
    } else {
      add(
        .recommended, "itemReviewed.author", "missing: who made the claim",
        "gainsay claim edit \(claim) --speaker SPEAKER --reason WHY")
    }
    checkDate(
      value(item, "datePublished"), field: "itemReviewed.datePublished",
      fix: "gainsay claim edit \(claim) --said DATE --reason WHY (YYYY, YYYY-MM or YYYY-MM-DD)")
    let urlFix = "gainsay claim edit \(claim) --url URL --reason WHY (where it was said or published, first first)"
    for field in ["appearance", "firstAppearance"] {
      guard let found = value(item, field) else {
        add(.recommended, "itemReviewed.\(field)", "missing: no address where the claim appeared", urlFix)
        continue
      }
      if !Self.allAppearances(found) {
        add(.recommended, "itemReviewed.\(field)", "not an http or https URL or a CreativeWork with one", urlFix)
      }
    }
  }

  private mutating func checkKind(_ object: JSONValue, field: String, level: ClaimReviewCheck.Finding.Level) {
    guard let type = string(object, "@type") else { return }
    if type != "Person" && type != "Organization" {
      add(level, "\(field).@type", "not Person or Organization: \(type)", Self.regenerate)
    }
  }

  private mutating func checkDate(_ date: JSONValue?, field: String, fix: String) {
    guard let date else { return add(.recommended, field, "missing", fix) }
    guard case .string(let text) = date, Self.isISODate(text) else {
      return add(.recommended, field, "not an ISO 8601 date", fix)
    }
  }

  private mutating func add(_ level: ClaimReviewCheck.Finding.Level, _ field: String, _ problem: String, _ fix: String)
  {
    findings.append(ClaimReviewCheck.Finding(level: level, field: field, problem: problem, fix: fix))
  }

  // MARK: Reading JSON

  func value(_ object: JSONValue?, _ key: String) -> JSONValue? {
    guard case .object(let fields)? = object else { return nil }
    return fields.last { $0.0 == key }?.1
  }

  func string(_ object: JSONValue?, _ key: String) -> String? {
    guard case .string(let text)? = value(object, key) else { return nil }
    return text
  }

  /// A number, or a string that reads as one (Google: "must be able to be evaluated as a number").
  static func number(_ value: JSONValue) -> Double? {
    switch value {
    case .integer(let number): Double(number)
    case .number(let number): number.isFinite ? number : nil
    case .string(let text): Double(text).flatMap { $0.isFinite ? $0 : nil }
    default: nil
    }
  }

  static func isWebURL(_ value: JSONValue) -> Bool {
    guard case .string(let text) = value, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
      scheme == "http" || scheme == "https", !(url.host ?? "").isEmpty
    else { return false }
    return true
  }

  static func allWebURLs(_ value: JSONValue) -> Bool {
    if case .array(let items) = value { return !items.isEmpty && items.allSatisfy(isWebURL) }
    return isWebURL(value)
  }

  /// A URL, a CreativeWork (or any object) with a `url`, or an array of them.
  static func allAppearances(_ value: JSONValue) -> Bool {
    switch value {
    case .array(let items): return !items.isEmpty && items.allSatisfy(allAppearances)
    case .object(let fields): return fields.last { $0.0 == "url" }.map { isWebURL($0.1) } ?? false
    default: return isWebURL(value)
    }
  }

  /// ISO 8601: a year, a month, a day, or a date and time (schema.org Date and DateTime).
  static func isISODate(_ text: String) -> Bool {
    let date =
      #/
      \d{4} ( - (0[1-9]|1[0-2]) ( - (0[1-9]|[12]\d|3[01])
        ( T \d{2} : \d{2} ( : \d{2} (\.\d+)? )? ( Z | [+-]\d{2}:?\d{2} )? )? )? )?
      /#
    return text.wholeMatch(of: date) != nil
  }
}

extension ClaimReviewCheck {
  /// `text` quoted for a POSIX shell: in single quotes, each `'` written `'\''`.
  static func quoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
