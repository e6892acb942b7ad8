import Foundation
public import GainsayProto

/// schema.org ClaimReview JSON-LD: one ClaimReview for each reviewed claim of a report.
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
    let speaker = entry.speaker ?? Speaker()
    var author: [(String, JSONValue)] = [
      ("@type", .string(speaker.kind == .organisation ? "Organization" : "Person")),
      ("name", .string(speaker.name.isEmpty ? claim.speakerID : speaker.name)),
    ]
    if !speaker.role.isEmpty { author.append(("jobTitle", .string(speaker.role))) }
    if !speaker.wikidataID.isEmpty {
      author.append(("sameAs", .string("https://www.wikidata.org/wiki/\(speaker.wikidataID)")))
    }

    var item: [(String, JSONValue)] = [("@type", .string("Claim")), ("author", .object(author))]
    if let said = claim.saidOn { item.append(("datePublished", .string(said.iso))) }
    if let first = claim.appearanceUrls.first {
      item.append(("firstAppearance", .object([("@type", .string("CreativeWork")), ("url", .string(first))])))
      item.append(
        (
          "appearance",
          .array(claim.appearanceUrls.map { .object([("@type", .string("CreativeWork")), ("url", .string($0))]) })
        ))
    }

    let onScale = scale.ratings.filter { $0.value > 0 }.map(\.value)
    var rating: [(String, JSONValue)] = [
      ("@type", .string("Rating")),
      ("alternateName", .string(verdict.rating)),
    ]
    if verdict.ratingValue > 0, let best = onScale.max(), let worst = onScale.min() {
      rating.append(("ratingValue", .integer(Int64(verdict.ratingValue))))
      rating.append(("bestRating", .integer(Int64(best))))
      rating.append(("worstRating", .integer(Int64(worst))))
    } else {
      // Off the scale (e.g. "unverifiable"): schema.org allows a rating expressed by its name alone.
      rating.append(("ratingValue", .integer(-1)))
    }
    if !verdict.explanation.isEmpty { rating.append(("ratingExplanation", .string(verdict.explanation))) }

    var organisation: [(String, JSONValue)] = [
      ("@type", .string("Organization")), ("name", .string(publisher.isEmpty ? "Gainsay" : publisher)),
    ]
    if !publisherURL.isEmpty { organisation.append(("url", .string(publisherURL))) }

    let base =
      publisherURL.isEmpty
      ? "urn:gainsay:claim:" : publisherURL.hasSuffix("/") ? publisherURL + "claims/" : publisherURL + "/claims/"
    return .object([
      ("@context", .string("https://schema.org")),
      ("@type", .string("ClaimReview")),
      ("url", .string(base + claim.id)),
      ("claimReviewed", .string(claim.text)),
      ("datePublished", .string(ReportRenderer.day(verdict.createTime))),
      ("itemReviewed", .object(item)),
      ("reviewRating", .object(rating)),
      ("author", .object(organisation)),
    ])
  }
}
