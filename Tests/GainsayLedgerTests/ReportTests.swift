import Foundation
import GainsayCore
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Testing

/// Contradiction reports rendered from a fixture ledger, with a fixed clock so every byte is known.
@Suite("contradiction reports")
struct ReportTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)
  static let fixedNow = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z

  struct Fixture {
    let ledger: Ledger
    let kadyrov: Speaker
    let noGays: Claim
    let notExist: Claim
    let unreviewed: Claim
    /// Kadyrov's, disputed, and contradicted by his own "We don't have any gays": a flip-flop.
    let notPeople: Claim
    let novaya: Source
    let directory: String
  }

  static func fixture() async throws -> Fixture {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let ledger = Ledger(
      store: store,
      configuration: LedgerConfiguration(
        publisher: "The Daily Example", publisherURL: "https://news.example", reviewers: ["desk-editor": "Desk Editor"]),
      now: { fixedNow })
    let kadyrov = try await ledger.createSpeaker(
      {
        var r = Make.speaker("Ramzan Kadyrov"); r.speaker!.role = "Head of the Chechen Republic";
        r.speaker!.wikidataID = "Q1"; return r
      }(),
      caller: editor)
    let karimov = try await ledger.createSpeaker(Make.speaker("Alvi Karimov"), caller: editor)
    let noGays = try await ledger.createClaim(
      Make.claim(
        "We don't have any gays", speaker: kadyrov.id, said: "2017-07", context: "HBO *Real Sports* interview",
        topics: ["lgbt"], urls: ["https://www.hbo.com/real-sports"]), caller: editor
    ).claim!
    let notExist = try await ledger.createClaim(
      Make.claim("They simply do not exist in the republic", speaker: karimov.id, said: "2017-04", topics: ["lgbt"]),
      caller: editor
    ).claim!
    let unreviewed = try await ledger.createClaim(
      Make.claim("Chechnya is <calm>", speaker: kadyrov.id, said: "2016", topics: ["chechnya"]), caller: editor
    ).claim!
    var disputed = Make.claim("Those people are not people", speaker: kadyrov.id, said: "2017", topics: ["lgbt"])
    disputed.claim!.attribution = .disputed
    let notPeople = try await ledger.createClaim(disputed, caller: editor).claim!
    let novaya = try await ledger.createSource(
      Make.source(
        "Honour killing", outlet: "Novaya Gazeta", text: "More than a hundred men were detained & three killed.",
        url: "https://novayagazeta.example/71983", published: "2017-04-01"), caller: editor)
    let hrw = try await ledger.createSource(
      Make.source(
        "License to Harm", outlet: "Human Rights Watch", text: "Violence against LGBT people.", published: "2014-12-15"),
      caller: editor)
    _ = try await ledger.createLink(
      Make.link(noGays.id, source: novaya.id, .contradicts, quote: "More than a hundred men were detained"),
      caller: editor)
    _ = try await ledger.createLink(
      Make.link(noGays.id, source: hrw.id, .context, quote: "Violence against LGBT people"), caller: editor)
    _ = try await ledger.createLink(Make.link(notExist.id, claimTarget: noGays.id, .repeats), caller: editor)
    _ = try await ledger.createLink(
      Make.link(
        noGays.id, claimTarget: notPeople.id, .contradicts,
        note: "One denies they exist, the other calls them not people"),
      caller: editor)
    // Linked without a quote, as a contradicts link to a source with archived text may be only when asked.
    var unquoted = Make.link(notExist.id, source: novaya.id, .contradicts)
    unquoted.unquoted = true
    _ = try await ledger.createLink(unquoted, caller: editor)
    _ = try await ledger.createVerdict(
      Make.verdict(noGays.id, "pants on fire", "Detentions are documented."), caller: editor)
    _ = try await ledger.createVerdict(Make.verdict(notExist.id, "unverifiable"), caller: editor)
    return Fixture(
      ledger: ledger, kadyrov: kadyrov, noGays: noGays, notExist: notExist, unreviewed: unreviewed,
      notPeople: notPeople,
      novaya: novaya,
      directory: directory)
  }

  static func render(
    _ fixture: Fixture, _ format: ReportFormat, speaker: String = "", topic: String = ""
  ) async throws
    -> (ReportHeader, String)
  {
    var request = GenerateReportRequest()
    request.speakerID = speaker
    request.topic = topic
    request.format = format
    let (header, chunks) = try await fixture.ledger.generateReport(request, caller: editor)
    return (header, String(decoding: chunks.flatMap { $0 }, as: UTF8.self))
  }

  @Test("Markdown: the exact report for a speaker")
  func markdown() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let (header, text) = try await Self.render(fixture, .markdown, speaker: fixture.kadyrov.id)
    #expect(header.contentType == "text/markdown; charset=utf-8")
    #expect(header.suggestedFileName == "what-ramzan-kadyrov-said-and-what-the-record-shows.md")
    #expect(
      text == """
        # What Ramzan Kadyrov said, and what the record shows

        _Generated 2024-01-01 by The Daily Example · 3 claims, 2 contradicted, 1 flip-flop_

        ## Contradicted by the record

        _Claims that reporting or other statements contradict, oldest first._

        ### “Those people are not people”

        **Ramzan Kadyrov**, Head of the Chechen Republic · said 2017 (**attribution disputed**: whether the speaker said it is contested)

        #### Contradicting claims

        - “We don't have any gays” — Ramzan Kadyrov, 2017-07

        ### “We don't have any gays”

        **Ramzan Kadyrov**, Head of the Chechen Republic · said 2017-07 · HBO \\*Real Sports\\* interview

        Appeared: <https://www.hbo.com/real-sports>

        **Verdict: pants on fire** — Detentions are documented. _(reviewed 2024-01-01 by Desk Editor)_

        #### Contradicted by

        - **Novaya Gazeta**, “Honour killing”, 2017-04-01 — <https://novayagazeta.example/71983>
          > More than a hundred men were detained

        #### Context

        - **Human Rights Watch**, “License to Harm”, 2014-12-15
          > Violence against LGBT people

        #### Contradicting claims

        - “Those people are not people” — Ramzan Kadyrov, 2017 (**attribution disputed**: whether the speaker said it is contested)

        #### Repeats

        - “They simply do not exist in the republic” — Alvi Karimov, 2017-04

        ## Flip-flops

        _Claims of one speaker that contradict each other, each pair once, oldest first._

        ### Ramzan Kadyrov: 2017 and 2017-07

        - Said 2017: “Those people are not people” (**attribution disputed**: whether the speaker said it is contested)
        - Said 2017-07: “We don't have any gays” · HBO \\*Real Sports\\* interview
          _Note: One denies they exist, the other calls them not people_

        ## Not contradicted by the record

        _Supported, or not yet checked: nothing in the ledger contradicts them._

        ### “Chechnya is &lt;calm&gt;”

        **Ramzan Kadyrov**, Head of the Chechen Republic · said 2016

        ## Summary

        - Claims: 3; contradicted: 2
        - Flip-flops: 1
        - Sources by outlet: Human Rights Watch (1), Novaya Gazeta (1)
        - First contradiction: 2017-04-01; latest: 2017-04-01

        """)
  }

  @Test("HTML: well-formed, self-contained, escaped, with a timeline")
  func html() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let (header, html) = try await Self.render(fixture, .html, topic: "lgbt")
    #expect(header.contentType == "text/html; charset=utf-8")
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    try HTMLCheck.wellFormed(html)
    // Nothing is loaded from elsewhere: no scripts, stylesheets, images, fonts or imports.
    for external in ["<script", "<link", "<img", "<iframe", "src=", "@import", "url(", "@font-face"] {
      #expect(!html.contains(external), "found \(external)")
    }
    #expect(html.contains("<svg"))
    #expect(html.contains("<circle class=\"legend claim\""), "the legend")
    #expect(html.contains("<rect class=\"claim span\" data-id=\"\(fixture.noGays.id)\" data-date=\"2017-07\""))
    #expect(html.contains("<rect class=\"source day\""), "contradicting reports on the timeline")
    #expect(html.contains("<path class=\"flip-flop\""), "the flip-flop drawn as a pair")
    // A doubted claim's label, shortened to fit, with the whole of it in its title.
    #expect(html.contains(">disputed: “Those people"))
    #expect(html.contains("…<title>disputed: “Those people are not people”</title></text>"))
    #expect(html.contains("More than a hundred men were detained"))
    #expect(html.contains("<span class=\"verdict pants-on-fire\">pants on fire</span>"))
    #expect(html.contains("<article id=\"\(fixture.noGays.id)\">"))
    #expect(html.contains("<section class=\"part\" id=\"flip-flops\">"))
    #expect(html.contains("(reviewed 2024-01-01 by Desk Editor)"))
    // Sections in order, the claim without contradiction last.
    let contradicted = try #require(html.range(of: "id=\"contradicted\""))
    let flipFlops = try #require(html.range(of: "id=\"flip-flops\""))
    #expect(contradicted.lowerBound < flipFlops.lowerBound)
    #expect(!html.contains("id=\"not-contradicted\""), "every lgbt claim is contradicted")
    #expect(!html.contains("Chechnya is <calm>"), "the unreviewed claim has another topic")
  }

  @Test("HTML escapes what journalists type")
  func htmlEscaping() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let (_, html) = try await Self.render(fixture, .html, speaker: fixture.kadyrov.id)
    #expect(html.contains("Chechnya is &lt;calm&gt;"))
    try HTMLCheck.wellFormed(html)
  }

  @Test("JSON: the pinned shape of the Report message")
  func json() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let (header, text) = try await Self.render(fixture, .json, topic: "lgbt")
    #expect(header.contentType == "application/json")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(
      Set(object.keys) == ["title", "generateTime", "publisher", "selection", "entries", "summary", "publisherUrl"])
    #expect(object["title"] as? String == "Claims on lgbt, and what the record shows")
    #expect(object["generateTime"] as? String == "2024-01-01T00:00:00Z")
    let entries = try #require(object["entries"] as? [[String: Any]])
    #expect(entries.count == 3)
    // Chronological, as ever: "2017" (its first day), then 2017-04, then 2017-07.
    #expect(Set(entries[0].keys) == ["claim", "speaker", "contradictingClaims"])
    // Karimov's claim: a source contradicts it, and it repeats Kadyrov's (shown from both sides).
    #expect(Set(entries[1].keys) == ["claim", "speaker", "verdict", "contradictedBy", "repeats"])
    #expect(
      Set(entries[2].keys) == [
        "claim", "speaker", "verdict", "contradictedBy", "context", "contradictingClaims", "repeats",
      ])
    #expect((entries[2]["verdict"] as? [String: Any])?["signedBy"] as? String == "Desk Editor")
    let evidence = try #require((entries[2]["contradictedBy"] as? [[String: Any]])?.first)
    #expect(Set(evidence.keys) == ["link", "source"])
    #expect((evidence["link"] as? [String: Any])?["relation"] as? String == "RELATION_CONTRADICTS")
    let summary = try #require(object["summary"] as? [String: Any])
    #expect(summary["claims"] as? Int == 3)
    #expect(summary["contradictedClaims"] as? Int == 3)
    #expect(summary["flipFlops"] as? Int == 1)
    #expect((summary["firstContradiction"] as? [String: Any])?["year"] as? Int == 2017)
  }

  @Test("ClaimReview: one per reviewed claim, with the required and recommended fields")
  func claimReview() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let (header, text) = try await Self.render(fixture, .claimreview, topic: "lgbt")
    #expect(header.contentType == "application/ld+json")
    let reviews = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    #expect(reviews.count == 2)
    for review in reviews {
      #expect(review["@context"] as? String == "https://schema.org")
      #expect(review["@type"] as? String == "ClaimReview")
      for field in ["claimReviewed", "datePublished", "itemReviewed", "reviewRating", "author", "publisher"] {
        #expect(review[field] != nil, "missing \(field)")
      }
      // No verdict gave the address of a published fact-check: no url is made up (ClaimReviewTests).
      #expect(review["url"] == nil)
      let rating = try #require(review["reviewRating"] as? [String: Any])
      #expect(rating["@type"] as? String == "Rating")
      #expect(rating["alternateName"] as? String != nil)
      let author = try #require(review["author"] as? [String: Any])
      #expect(author["name"] as? String == "The Daily Example")
      #expect(author["url"] as? String == "https://news.example")
      let item = try #require(review["itemReviewed"] as? [String: Any])
      #expect(item["@type"] as? String == "Claim")
      #expect((item["author"] as? [String: Any])?["name"] != nil)
      #expect(item["datePublished"] != nil)
    }
    let reviewed = try #require(reviews.first { $0["claimReviewed"] as? String == "We don't have any gays" })
    #expect(reviewed["datePublished"] as? String == "2024-01-01")
    let rating = try #require(reviewed["reviewRating"] as? [String: Any])
    #expect(rating["ratingValue"] as? Int == 1)
    #expect(rating["bestRating"] as? Int == 6)
    #expect(rating["worstRating"] as? Int == 1)
    let item = try #require(reviewed["itemReviewed"] as? [String: Any])
    #expect(item["datePublished"] as? String == "2017-07")
    #expect((item["firstAppearance"] as? [String: Any])?["url"] as? String == "https://www.hbo.com/real-sports")
    #expect((item["author"] as? [String: Any])?["sameAs"] as? String == "https://www.wikidata.org/wiki/Q1")
  }

  @Test("a report needs a selection, and unknown references are NOT_FOUND")
  func selection() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    await #expect(throws: LedgerError.invalid("speaker_id", "a report needs a speaker_id, a topic or claim_ids")) {
      _ = try await fixture.ledger.generateReport(GenerateReportRequest(), caller: Self.editor)
    }
    var request = GenerateReportRequest()
    request.claimIds = [fixture.noGays.id, "clm_missing"]
    await #expect {
      _ = try await fixture.ledger.generateReport(request, caller: Self.editor)
    } throws: { error in
      (error as? LedgerError)?.code == .notFound && (error as? LedgerError)?.field == "claim_ids[1]"
    }
  }
}

/// A strict check that HTML tags are balanced and properly nested (void elements excepted).
enum HTMLCheck {
  struct Malformed: Error, CustomStringConvertible { let description: String }
  static let void: Set<String> = ["meta", "br", "hr", "img", "input", "link"]

  static func wellFormed(_ html: String) throws {
    var stack: [String] = []
    var rest = Substring(html)
    while let open = rest.firstIndex(of: "<") {
      guard let close = rest[open...].firstIndex(of: ">") else { throw Malformed(description: "unterminated tag") }
      let tag = rest[rest.index(after: open)..<close]
      rest = rest[rest.index(after: close)...]
      if tag.hasPrefix("!") { continue }
      let selfClosing = tag.hasSuffix("/")
      let name = tag.drop(while: { $0 == "/" }).prefix(while: { !$0.isWhitespace && $0 != "/" }).lowercased()
      if tag.hasPrefix("/") {
        guard stack.last == name else { throw Malformed(description: "</\(name)> closes <\(stack.last ?? "nothing")>") }
        stack.removeLast()
      } else if !selfClosing && !void.contains(name) {
        stack.append(name)
      }
    }
    guard stack.isEmpty else { throw Malformed(description: "unclosed: \(stack)") }
  }
}
