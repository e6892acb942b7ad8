import Foundation
import GainsayClaimReview
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Testing

@testable import GainsayCore

/// ClaimReview as Google's Fact Check tools read it: what each field holds and where from (nothing made
/// up), and the checker behind `gainsay report --check`.
@Suite("ClaimReview export and check")
struct ClaimReviewTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)
  static let fixedNow = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z
  static let reviewURL = "https://news.example/fact-checks/no-gays"
  /// Kadyrov's words as pasted from a web page: a curly apostrophe and a non-breaking space.
  static let noGaysText = "We don\u{2019}t have any\u{00A0}gays"

  struct Fixture {
    let ledger: Ledger
    let noGays: Claim
    let repeated: Claim
    let ministry: Claim
    let directory: String

    /// The ClaimReviews of the lgbt topic, by claim id.
    func reviews() async throws -> [String: [String: Any]] {
      var request = GenerateReportRequest()
      request.topic = "lgbt"
      request.format = .claimreview
      let (_, chunks) = try await ledger.generateReport(request, caller: ClaimReviewTests.editor)
      let array = try #require(try JSONSerialization.jsonObject(with: Data(chunks.flatMap { $0 })) as? [[String: Any]])
      var byClaim: [String: [String: Any]] = [:]
      for review in array {
        let id = try #require((review["itemReviewed"] as? [String: Any])?["identifier"] as? String)
        byClaim[id] = review
      }
      return byClaim
    }

    /// The same reviews as JSON values, for the checker.
    func document() async throws -> [JSONValue] {
      var request = GenerateReportRequest()
      request.topic = "lgbt"
      request.format = .claimreview
      let (_, chunks) = try await ledger.generateReport(request, caller: ClaimReviewTests.editor)
      guard case .array(let items) = try JSONValue.parse(String(decoding: chunks.flatMap { $0 }, as: UTF8.self))
      else { throw CocoaError(.coderReadCorrupt) }
      return items
    }
  }

  /// Kadyrov's claim (2017-07, two addresses) reviewed by the newsroom with the address of its fact-check;
  /// Karimov's repeat of it said earlier (2017-04, one address shared, one of its own) rated "unverifiable"
  /// by PolitiFact; a retracted repeat whose address must not appear; a ministry's claim without an address.
  static func fixture() async throws -> Fixture {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let ledger = Ledger(
      store: store,
      configuration: LedgerConfiguration(publisher: "The Daily Example", publisherURL: "https://news.example"),
      now: { fixedNow })
    var kadyrovRequest = Make.speaker("Ramzan Kadyrov")
    kadyrovRequest.speaker!.role = "Head of the Chechen Republic"
    kadyrovRequest.speaker!.wikidataID = "Q312296"
    let kadyrov = try await ledger.createSpeaker(kadyrovRequest, caller: editor)
    let karimov = try await ledger.createSpeaker(Make.speaker("Alvi Karimov"), caller: editor)
    var ministryRequest = Make.speaker("Ministry of Information")
    ministryRequest.speaker!.kind = .organisation
    let ministryOfInformation = try await ledger.createSpeaker(ministryRequest, caller: editor)
    let noGays = try await ledger.createClaim(
      Make.claim(
        noGaysText, speaker: kadyrov.id, said: "2017-07", topics: ["lgbt"],
        urls: ["https://www.hbo.com/real-sports", "https://video.example/kadyrov"]), caller: editor
    ).claim!
    let repeated = try await ledger.createClaim(
      Make.claim(
        "They simply do not exist in the republic", speaker: karimov.id, said: "2017-04", topics: ["lgbt"],
        urls: ["https://interfax.example/karimov", "https://video.example/kadyrov"]), caller: editor
    ).claim!
    let retracted = try await ledger.createClaim(
      Make.claim(
        "There are no such people here", speaker: karimov.id, said: "2016", topics: ["other"],
        urls: ["https://wrong.example/logged-in-error"]), caller: editor
    ).claim!
    let ministry = try await ledger.createClaim(
      Make.claim("Nobody was detained", speaker: ministryOfInformation.id, said: "2017", topics: ["lgbt"]),
      caller: editor
    ).claim!
    _ = try await ledger.createLink(Make.link(repeated.id, claimTarget: noGays.id, .repeats), caller: editor)
    _ = try await ledger.createLink(Make.link(noGays.id, claimTarget: retracted.id, .repeats), caller: editor)
    var retraction = RetractClaimRequest()
    retraction.id = retracted.id
    retraction.reason = "logged in error"
    _ = try await ledger.retractClaim(retraction, caller: editor)

    var own = Make.verdict(noGays.id, "pants on fire", "Detentions are documented.")
    own.verdict!.reviewURL = reviewURL
    _ = try await ledger.createVerdict(own, caller: editor)
    var external = Make.verdict(repeated.id, "unverifiable", "No record either way.")
    external.verdict!.externalReviewer = "PolitiFact"
    _ = try await ledger.createVerdict(external, caller: editor)
    _ = try await ledger.createVerdict(Make.verdict(ministry.id, "false"), caller: editor)
    return Fixture(ledger: ledger, noGays: noGays, repeated: repeated, ministry: ministry, directory: directory)
  }

  @Test("the newsroom's review: its fact-check's url, the newsroom as author and publisher, numbers on the scale")
  func newsroomReview() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let review = try #require(try await fixture.reviews()[fixture.noGays.id])
    #expect(review["url"] as? String == Self.reviewURL)
    #expect(review["claimReviewed"] as? String == Self.noGaysText)
    #expect(review["datePublished"] as? String == "2024-01-01")
    let newsroom = ["@type": "Organization", "name": "The Daily Example", "url": "https://news.example"]
    #expect(review["author"] as? [String: String] == newsroom)
    #expect(review["publisher"] as? [String: String] == newsroom)
    let rating = try #require(review["reviewRating"] as? [String: Any])
    #expect(rating["alternateName"] as? String == "pants on fire")
    #expect(rating["ratingValue"] as? Int == 1)
    #expect(rating["bestRating"] as? Int == 6)
    #expect(rating["worstRating"] as? Int == 1)
    #expect(rating["ratingExplanation"] as? String == "Detentions are documented.")
    let item = try #require(review["itemReviewed"] as? [String: Any])
    #expect(item["@type"] as? String == "Claim")
    #expect(item["datePublished"] as? String == "2017-07")
    let author = try #require(item["author"] as? [String: String])
    #expect(
      author == [
        "@type": "Person", "name": "Ramzan Kadyrov", "jobTitle": "Head of the Chechen Republic",
        "sameAs": "https://www.wikidata.org/wiki/Q312296",
      ])
  }

  @Test("appearance: the claim's addresses and its active repeats', once each; first: the earliest said")
  func appearances() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let reviews = try await fixture.reviews()
    func urls(_ id: String) throws -> (all: [String], first: String?) {
      let item = try #require(reviews[id]?["itemReviewed"] as? [String: Any])
      let all = (item["appearance"] as? [[String: String]] ?? []).map { $0["url"] ?? "" }
      #expect((item["appearance"] as? [[String: String]] ?? []).allSatisfy { $0["@type"] == "CreativeWork" })
      return (all, (item["firstAppearance"] as? [String: String])?["url"])
    }
    // Kadyrov's own two, then Karimov's one not yet listed; the retracted repeat's address is left out.
    let kadyrov = try urls(fixture.noGays.id)
    #expect(
      kadyrov.all == [
        "https://www.hbo.com/real-sports", "https://video.example/kadyrov", "https://interfax.example/karimov",
      ])
    // Karimov said it in 2017-04, before Kadyrov's 2017-07: the earliest known appearance is his.
    #expect(kadyrov.first == "https://interfax.example/karimov")
    let karimov = try urls(fixture.repeated.id)
    #expect(
      karimov.all == [
        "https://interfax.example/karimov", "https://video.example/kadyrov", "https://www.hbo.com/real-sports",
      ])
    #expect(karimov.first == "https://interfax.example/karimov")
    // No address at all: neither field.
    let ministry = try urls(fixture.ministry.id)
    #expect(ministry.all.isEmpty && ministry.first == nil)
  }

  @Test("ties on the date: the claim's own first address")
  func tie() {
    var claim = Claim()
    claim.id = "clm_a"
    claim.saidOn = Make.date("2017-07")
    claim.appearanceUrls = ["https://a.example/own"]
    var other = Claim()
    other.id = "clm_b"
    other.saidOn = Make.date("2017-07")
    other.appearanceUrls = ["https://b.example/repeat"]
    var related = RelatedClaim()
    related.claim = other
    var entry = ReportEntry()
    entry.claim = claim
    entry.repeats = [related]
    let found = ClaimReviewExport.appearances(entry, claim: claim)
    #expect(found.first == "https://a.example/own")
    #expect(found.urls == ["https://a.example/own", "https://b.example/repeat"])
  }

  @Test("another fact-checker's rating is theirs; off the scale it has no number, and no url is made up")
  func externalOffScale() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let review = try #require(try await fixture.reviews()[fixture.repeated.id])
    #expect(review["url"] == nil)
    #expect(review["author"] as? [String: String] == ["@type": "Organization", "name": "PolitiFact"])
    #expect(
      review["publisher"] as? [String: String]
        == ["@type": "Organization", "name": "The Daily Example", "url": "https://news.example"])
    // Gainsay knows when it imported the rating, not when PolitiFact published it.
    #expect(review["datePublished"] == nil)
    let rating = try #require(review["reviewRating"] as? [String: Any])
    #expect(Set(rating.keys) == ["@type", "alternateName", "ratingExplanation"])
    #expect(rating["alternateName"] as? String == "unverifiable")
    // An organisation that made a claim is an Organization.
    let ministry = try #require(try await fixture.reviews()[fixture.ministry.id])
    #expect(
      ((ministry["itemReviewed"] as? [String: Any])?["author"] as? [String: Any])?["@type"] as? String == "Organization"
    )
  }

  @Test("the check: per claim, what is missing and how to fix it")
  func checkRendered() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let results = ClaimReviewCheck.check(try await fixture.document(), scale: .standard)
    let byClaim = Dictionary(uniqueKeysWithValues: results.map { ($0.claimID, $0) })
    #expect(Set(byClaim.keys) == [fixture.noGays.id, fixture.repeated.id, fixture.ministry.id])

    // Everything Google reads is there.
    let complete = try #require(byClaim[fixture.noGays.id])
    #expect(complete.passes && complete.findings.isEmpty, "\(complete.findings)")

    // PolitiFact's rating: no url (required), no date it can know, no number (and none asked for).
    let external = try #require(byClaim[fixture.repeated.id])
    #expect(!external.passes)
    #expect(external.findings.map(\.field) == ["url", "datePublished", "itemReviewed.author.sameAs"])
    let url = try #require(external.findings.first)
    #expect(url.level == .required)
    #expect(
      url.fix.hasPrefix(
        "gainsay verdict \(fixture.repeated.id) --rating 'unverifiable' --reviewer 'PolitiFact' --review-url URL"))
    #expect(external.findings[1].level == .recommended && external.findings[1].fix.contains("PolitiFact"))
    #expect(external.findings[2].fix.hasPrefix("gainsay speaker edit 'Alvi Karimov' --wikidata QID"))

    // No address where it appeared, no explanation, no Wikidata id.
    let ministry = try #require(byClaim[fixture.ministry.id])
    #expect(
      ministry.findings.map(\.field) == [
        "url", "reviewRating.ratingExplanation", "itemReviewed.author.sameAs", "itemReviewed.appearance",
        "itemReviewed.firstAppearance",
      ])
    #expect(ministry.findings.filter { $0.level == .required }.map(\.field) == ["url"])
    #expect(ministry.findings[1].fix == "gainsay verdict \(fixture.ministry.id) --rating 'false' --explanation TEXT")
    #expect(ministry.findings[3].fix.hasPrefix("gainsay claim edit \(fixture.ministry.id) --url URL --reason WHY"))
  }

  /// A review as Gainsay writes one, to be broken field by field.
  static let valid = """
    {"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://news.example/f/1",
     "claimReviewed": "We don't have any gays", "datePublished": "2024-01-01",
     "itemReviewed": {"@type": "Claim", "identifier": "clm_1",
       "author": {"@type": "Person", "name": "Ramzan Kadyrov", "sameAs": "https://www.wikidata.org/wiki/Q312296"},
       "datePublished": "2017-07", "firstAppearance": {"@type": "CreativeWork", "url": "https://hbo.example/x"},
       "appearance": [{"@type": "CreativeWork", "url": "https://hbo.example/x"}]},
     "reviewRating": {"@type": "Rating", "alternateName": "pants on fire", "ratingValue": 1, "bestRating": 6,
       "worstRating": 1, "ratingExplanation": "Detentions are documented."},
     "author": {"@type": "Organization", "name": "The Daily Example", "url": "https://news.example"},
     "publisher": {"@type": "Organization", "name": "The Daily Example", "url": "https://news.example"}}
    """

  /// `value` with the field at the dotted `path` set to `new`, or removed when `new` is nil.
  static func setting(_ path: String, to new: JSONValue?, in value: JSONValue) -> JSONValue {
    guard case .object(var fields) = value else { return value }
    let keys = path.split(separator: ".", maxSplits: 1).map(String.init)
    let index = fields.firstIndex { $0.0 == keys[0] }
    if keys.count == 2, let index {
      fields[index].1 = setting(keys[1], to: new, in: fields[index].1)
    } else if let index {
      if let new { fields[index].1 = new } else { fields.remove(at: index) }
    } else if let new {
      fields.append((keys[0], new))
    }
    return .object(fields)
  }

  /// `valid` with each (path, value) applied, checked.
  static func check(_ edits: [(String, JSONValue?)]) throws -> ClaimReviewCheck.Review {
    var review = try JSONValue.parse(valid)
    for (path, new) in edits { review = setting(path, to: new, in: review) }
    return ClaimReviewCheck.check(review, position: 1, scale: .standard)
  }

  @Test("a complete review passes with nothing to say")
  func validPasses() throws {
    let review = try Self.check([])
    #expect(review.passes && review.findings.isEmpty, "\(review.findings)")
    #expect(review.name == "clm_1")
  }

  @Test(
    "required fields: each one missing or wrong fails the review",
    arguments: [
      ("url", nil, "url"),
      ("url", .string("ftp://news.example/f/1"), "url"),
      ("url", .string("urn:gainsay:claim:clm_1"), "url"),
      ("claimReviewed", .string(""), "claimReviewed"),
      ("reviewRating.alternateName", nil, "reviewRating.alternateName"),
      ("@type", .string("Review"), "@type"),
      ("@context", .string("https://example.org"), "@context"),
      ("author.name", nil, "author.name"),
      ("author.@type", .string("Thing"), "author.@type"),
      ("reviewRating.worstRating", .integer(0), "reviewRating.worstRating"),
      ("reviewRating.bestRating", .integer(1), "reviewRating.bestRating"),
      ("reviewRating.ratingValue", .integer(7), "reviewRating.ratingValue"),
      ("reviewRating.ratingValue", .string("one"), "reviewRating.ratingValue"),
    ] as [(String, JSONValue?, String)])
  func required(path: String, value: JSONValue?, field: String) throws {
    let review = try Self.check([(path, value)])
    #expect(!review.passes)
    #expect(review.findings.filter { $0.level == .required }.map(\.field) == [field], "\(review.findings)")
  }

  @Test(
    "recommended fields: missing or malformed, the review still passes",
    arguments: [
      ("datePublished", nil, "datePublished"),
      ("datePublished", .string("January 2024"), "datePublished"),
      ("itemReviewed.datePublished", .string("2017-13"), "itemReviewed.datePublished"),
      ("itemReviewed.author.sameAs", nil, "itemReviewed.author.sameAs"),
      ("reviewRating.ratingExplanation", nil, "reviewRating.ratingExplanation"),
      ("reviewRating.ratingValue", nil, "reviewRating.ratingValue"),
      ("itemReviewed.firstAppearance", nil, "itemReviewed.firstAppearance"),
      ("itemReviewed.appearance", .array([.string("javascript:alert(1)")]), "itemReviewed.appearance"),
      ("itemReviewed.@type", .string("CreativeWork"), "itemReviewed.@type"),
    ] as [(String, JSONValue?, String)])
  func recommended(path: String, value: JSONValue?, field: String) throws {
    let review = try Self.check([(path, value)])
    #expect(review.passes)
    #expect(review.findings.map(\.field) == [field], "\(review.findings)")
    #expect(review.findings.allSatisfy { $0.level == .recommended && !$0.fix.isEmpty })
  }

  @Test("a rating off the scale must have no number: -1 is refused, none is right")
  func offScale() throws {
    let unverifiable: (String, JSONValue?) = ("reviewRating.alternateName", .string("unverifiable"))
    let withMinusOne = try Self.check([unverifiable, ("reviewRating.ratingValue", .integer(-1))])
    #expect(!withMinusOne.passes)
    #expect(withMinusOne.findings.filter { $0.level == .required }.map(\.field).contains("reviewRating.ratingValue"))
    let withoutNumbers = try Self.check([
      unverifiable, ("reviewRating.ratingValue", nil), ("reviewRating.bestRating", nil),
      ("reviewRating.worstRating", nil),
    ])
    #expect(withoutNumbers.passes && withoutNumbers.findings.isEmpty, "\(withoutNumbers.findings)")
  }

  @Test("dates at every precision ISO 8601 allows; not others")
  func dates() throws {
    for date in ["2017", "2017-07", "2017-07-14", "2017-07-14T10:00Z", "2017-07-14T10:00:00.5+03:00"] {
      let review = try Self.check([("itemReviewed.datePublished", .string(date))])
      #expect(review.findings.isEmpty, "\(date): \(review.findings)")
    }
    for date in ["17", "2017-7", "2017-07-32", "14/07/2017", "2017-07-14 10:00"] {
      let review = try Self.check([("itemReviewed.datePublished", .string(date))])
      #expect(review.findings.map(\.field) == ["itemReviewed.datePublished"], "\(date)")
    }
  }

  @Test("a review without a claim id is named by its position; a non-object fails")
  func naming() throws {
    let anonymous = Self.setting("itemReviewed.identifier", to: nil, in: try JSONValue.parse(Self.valid))
    let results = ClaimReviewCheck.check([anonymous, .integer(7)], scale: .standard)
    #expect(results.map(\.name) == ["#1", "#2"])
    #expect(results[0].passes)
    #expect(!results[1].passes && results[1].findings.map(\.field) == ["(the review)"])
    #expect(
      results[0].jsonValue.serialized().hasPrefix(
        #"{"position":1,"claim":"","claimReviewed":"We don't have any gays","passes":true,"findings":[]"#))
  }
}
