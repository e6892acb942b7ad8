import Foundation
public import GainsayProto

/// schema.org ClaimReview JSON-LD: one ClaimReview for each reviewed claim of a report, with what Google's
/// Fact Check tools read (docs/REPORTS.md explains where each field comes from).
///
/// Nothing is invented: a review without the address of its published fact-check has no `url` (and
/// `gainsay report --check` says so), a rating off the scale has no number, and a rating another
/// fact-checker gave is that fact-checker's, without a publication date Gainsay does not know.
public enum ClaimReviewExport {
  /// An array of ClaimReview objects (claims without a verdict are left out: there is no review).
  public static func render(_ report: Report, scale: RatingScale, publisherURL: String) -> JSONValue {
    .array(
      report.entries.compactMap { review($0, publisher: report.publisher, publisherURL: publisherURL, scale: scale) })
  }

  /// Writes the array review by review, exactly as ``render(_:scale:publisherURL:)`` serialized pretty,
  /// with `<`, `>` and `&` escaped as `\u003c`, `\u003e` and `\u0026` (``ReportText/scriptSafeJSON(_:)``):
  /// the output is meant to be pasted into `<script type="application/ld+json">`, which a `</script>` in
  /// a quote would otherwise end.
  struct Writer: ReportFormatWriter {
    let scale: RatingScale
    let publisherURL: String
    private var publisher = ""
    private var reviews = 0

    init(scale: RatingScale, publisherURL: String) {
      self.scale = scale
      self.publisherURL = publisherURL
    }

    var overview: ReportOverview? { nil }

    mutating func begin(_ head: Report, overview: ReportOverview, to sink: ReportSink) async throws {
      publisher = head.publisher
    }

    mutating func entry(_ entry: ReportEntry, index: Int, to sink: ReportSink) async throws {
      guard let review = review(entry, publisher: publisher, publisherURL: publisherURL, scale: scale) else { return }
      let opening = reviews == 0 ? "[\n  " : ",\n  "
      reviews += 1
      let json = JSONReport.indented(review.serialized(pretty: true), by: "  ")
      try await sink.write(opening + ReportText.scriptSafeJSON(json))
    }

    mutating func end(_ summary: ReportSummary, entries: Int, to sink: ReportSink) async throws {
      try await sink.write(reviews == 0 ? "[]\n" : "\n]\n")
    }
  }

  /// The ClaimReview of one claim, or nil when it has no verdict.
  public static func review(
    _ entry: ReportEntry, publisher: String, publisherURL: String, scale: RatingScale
  ) -> JSONValue? {
    guard let verdict = entry.verdict, let claim = entry.claim else { return nil }
    let newsroom = organization(publisher, url: publisherURL)
    let external = !verdict.externalReviewer.isEmpty
    var fields: [(String, JSONValue)] = [
      ("@context", .string("https://schema.org")),
      ("@type", .string("ClaimReview")),
    ]
    if !verdict.reviewURL.isEmpty { fields.append(("url", .string(verdict.reviewURL))) }
    fields.append(("claimReviewed", .string(claim.text)))
    // The day the verdict was recorded is the newsroom's review date; a rating imported from another
    // fact-checker was recorded on the day of the import, which is not when that fact-checker published it.
    if !external, verdict.createTime != nil {
      fields.append(("datePublished", .string(ReportRenderer.day(verdict.createTime))))
    }
    fields.append(("itemReviewed", item(entry, claim: claim)))
    fields.append(("reviewRating", rating(verdict, scale: scale)))
    fields.append(("author", external ? organization(verdict.externalReviewer, url: "") : newsroom))
    fields.append(("publisher", newsroom))
    return .object(fields)
  }

  /// An Organization with a name and, when known, its web address.
  static func organization(_ name: String, url: String) -> JSONValue {
    var fields: [(String, JSONValue)] = [("@type", .string("Organization")), ("name", .string(name))]
    if !url.isEmpty { fields.append(("url", .string(url))) }
    return .object(fields)
  }

  /// The claim reviewed: its id (`identifier`, so `gainsay report --check` can name it), who said it,
  /// when, and where it appeared.
  static func item(_ entry: ReportEntry, claim: Claim) -> JSONValue {
    let speaker = entry.speaker ?? Speaker()
    var author: [(String, JSONValue)] = [
      ("@type", .string(speaker.kind == .organisation ? "Organization" : "Person")),
      ("name", .string(speaker.name.isEmpty ? claim.speakerID : speaker.name)),
    ]
    if !speaker.role.isEmpty { author.append(("jobTitle", .string(speaker.role))) }
    if !speaker.wikidataID.isEmpty {
      author.append(("sameAs", .string("https://www.wikidata.org/wiki/\(speaker.wikidataID)")))
    }
    var item: [(String, JSONValue)] = [
      ("@type", .string("Claim")), ("identifier", .string(claim.id)), ("author", .object(author)),
    ]
    if let said = claim.saidOn { item.append(("datePublished", .string(said.iso))) }
    let found = appearances(entry, claim: claim)
    if let first = found.first {
      item.append(("firstAppearance", creativeWork(first)))
      item.append(("appearance", .array(found.urls.map(creativeWork))))
    }
    return .object(item)
  }

  static func creativeWork(_ url: String) -> JSONValue {
    .object([("@type", .string("CreativeWork")), ("url", .string(url))])
  }

  /// Every address where the claim was made or repeated: its own, then those of the active claims linked
  /// to it by a `repeats` link (either way), each once; and the first appearance, the earliest of them by
  /// when each claim was said (a claim's own first address on ties, then the order of the list).
  static func appearances(_ entry: ReportEntry, claim: Claim) -> (urls: [String], first: String?) {
    let repeats = entry.repeats.compactMap(\.claim).filter { $0.state != .retracted && $0.id != claim.id }
    var all: [String] = []
    var seen = Set<String>()
    var first: (date: String, url: String)?
    for said in [claim] + repeats {
      for url in said.appearanceUrls where seen.insert(url).inserted { all.append(url) }
      // Each claim lists its addresses first appearance first, so its first one is its candidate.
      guard let url = said.appearanceUrls.first else { continue }
      // A claim without a date is taken as the latest (the date is required, so this is rare).
      let date = said.saidOn?.rangeStart ?? "~"
      if first.map({ date < $0.date }) ?? true { first = (date, url) }
    }
    return (all, first?.url)
  }

  /// The verdict as a Rating: the label always (`alternateName`, which Google requires and shows); the
  /// position on the scale only for ratings on it. A rating off the scale (value 0, e.g. "unverifiable")
  /// has no number: any number would place it between the worst and the best rating, which it is not.
  static func rating(_ verdict: Verdict, scale: RatingScale) -> JSONValue {
    var rating: [(String, JSONValue)] = [
      ("@type", .string("Rating")),
      ("alternateName", .string(verdict.rating)),
    ]
    let onScale = scale.ratings.filter { $0.value > 0 }.map(\.value)
    if verdict.ratingValue > 0, let best = onScale.max(), let worst = onScale.min() {
      rating.append(("ratingValue", .integer(Int64(verdict.ratingValue))))
      rating.append(("bestRating", .integer(Int64(best))))
      rating.append(("worstRating", .integer(Int64(worst))))
    }
    if !verdict.explanation.isEmpty { rating.append(("ratingExplanation", .string(verdict.explanation))) }
    return .object(rating)
  }
}
