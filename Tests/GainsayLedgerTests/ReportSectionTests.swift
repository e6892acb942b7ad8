import Foundation
import GainsayCore
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Testing

@testable import GainsayCore

/// What a report says before and around its claims: the default title, the sections claims fall in,
/// flip-flops listed once, and attribution in doubt shown wherever a claim is.
@Suite("report titles and sections")
struct ReportSectionTests {
  static let editor = ReportTests.editor

  @Test("default titles read as a newsroom would write them")
  func titles() {
    let y2017 = PartialDate(iso: "2017")
    let y2019 = PartialDate(iso: "2019-03")
    let cases: [(String?, String, PartialDate?, PartialDate?, String)] = [
      ("Ramzan Kadyrov", "LGBT", nil, nil, "What Ramzan Kadyrov said on lgbt, and what the record shows"),
      ("Ramzan Kadyrov", "", nil, nil, "What Ramzan Kadyrov said, and what the record shows"),
      (nil, "lgbt", nil, nil, "Claims on lgbt, and what the record shows"),
      (nil, "", nil, nil, "Selected claims, and what the record shows"),
      (nil, "lgbt", y2017, y2019, "Claims on lgbt, and what the record shows (2017–2019-03)"),
      ("A", "", y2017, nil, "What A said, and what the record shows (since 2017)"),
      (nil, "", nil, y2019, "Selected claims, and what the record shows (until 2019-03)"),
      (nil, "x", y2017, y2017, "Claims on x, and what the record shows (2017)"),
    ]
    for (name, topic, since, until, expected) in cases {
      #expect(ReportTitle.make(speakerName: name, topic: topic, since: since, until: until) == expected)
    }
  }

  struct Fixture {
    let ledger: Ledger
    let speaker: Speaker
    let claims: [Claim]
    let directory: String
  }

  /// One speaker's four claims: two that contradict each other with links both ways (one flip-flop),
  /// a third that contradicts the first and lies outside the "lgbt" topic (a second flip-flop), and a
  /// fourth contradicted by another speaker's claim (not a flip-flop) and misattributed.
  static func fixture() async throws -> Fixture {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let ledger = Ledger(store: store, configuration: LedgerConfiguration(), now: { ReportTests.fixedNow })
    let speaker = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: editor)
    let other = try await ledger.createSpeaker(Make.speaker("Alvi Karimov"), caller: editor)
    var claims: [Claim] = []
    for (text, said, topic) in [
      ("We don't have any gays", "2017-07", "lgbt"), ("Those people are not people", "2017", "lgbt"),
      ("There are gays in Chechnya", "2019-01-15", "chechnya"), ("A quote he never said", "2018", "lgbt"),
    ] {
      var request = Make.claim(text, speaker: speaker.id, said: said, topics: [topic])
      if text.hasPrefix("A quote") { request.claim!.attribution = .misattributed }
      claims.append(try await ledger.createClaim(request, caller: editor).claim!)
    }
    let rebuttal = try await ledger.createClaim(
      Make.claim("He said it on camera", speaker: other.id, said: "2018-05", topics: ["lgbt"]), caller: editor
    ).claim!
    for (from, to) in [(0, 1), (1, 0), (2, 0)] {
      _ = try await ledger.createLink(
        Make.link(claims[from].id, claimTarget: claims[to].id, .contradicts, note: "pair \(from)-\(to)"), caller: editor
      )
    }
    _ = try await ledger.createLink(Make.link(rebuttal.id, claimTarget: claims[3].id, .contradicts), caller: editor)
    return Fixture(ledger: ledger, speaker: speaker, claims: claims, directory: directory)
  }

  static func render(_ ledger: Ledger, _ request: GenerateReportRequest) async throws -> String {
    let (_, chunks) = try await ledger.generateReport(request, caller: editor)
    return String(decoding: chunks.flatMap { $0 }, as: UTF8.self)
  }

  @Test("flip-flops: each pair once, both quotes with dates, a claim outside the selection included")
  func flipFlops() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    var request = GenerateReportRequest()
    request.topic = "lgbt"
    let markdown = try await Self.render(fixture.ledger, request)
    let section = try #require(
      markdown.components(separatedBy: "## Flip-flops\n").last?.components(separatedBy: "\n## ").first)
    #expect(
      section.contains(
        """
        ### Ramzan Kadyrov: 2017 and 2017-07

        - Said 2017: “Those people are not people”
        - Said 2017-07: “We don't have any gays”
        """))
    #expect(section.components(separatedBy: "### ").count == 3, "two pairs: \(section)")
    // The 2019 claim has another topic, but its pair with a selected claim is listed.
    #expect(section.contains("### Ramzan Kadyrov: 2017-07 and 2019-01-15"))
    #expect(section.contains("- Said 2019-01-15: “There are gays in Chechnya”"))
    #expect(!section.contains("He said it on camera"), "another speaker's claim is no flip-flop")
    #expect(markdown.contains("· 4 claims, 4 contradicted, 2 flip-flops_"))
    #expect(markdown.contains("- Flip-flops: 2"))
    #expect(!markdown.contains("## Not contradicted by the record"))

    request.format = .json
    let json = try await Self.render(fixture.ledger, request)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect((object["summary"] as? [String: Any])?["flipFlops"] as? Int == 2)
    // JSON keeps its shape: every claim in chronological order.
    let texts = (object["entries"] as? [[String: Any]])?.map { ($0["claim"] as? [String: Any])?["text"] as? String }
    #expect(
      texts == [
        "Those people are not people", "We don't have any gays", "A quote he never said", "He said it on camera",
      ])
  }

  @Test("a pair joined by links both ways is listed once under each claim; a retracted claim contradicts nothing")
  func relatedOnceAndRetracted() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    var request = GenerateReportRequest()
    request.speakerID = fixture.speaker.id
    let before = try await Self.render(fixture.ledger, request)
    let quote = "- “Those people are not people” — Ramzan Kadyrov, 2017"
    // Claims 0 and 1 are linked both ways: claim 0's entry names claim 1 once.
    #expect(before.components(separatedBy: quote).count == 2, "\(before)")
    #expect(before.contains("2 flip-flops"))

    var retraction = RetractClaimRequest()
    retraction.id = fixture.claims[2].id
    retraction.reason = "the interview was a hoax"
    _ = try await fixture.ledger.retractClaim(retraction, caller: Self.editor)
    let after = try await Self.render(fixture.ledger, request)
    #expect(!after.contains("There are gays in Chechnya"), "\(after)")
    #expect(after.contains("1 flip-flop"))
    #expect(!after.contains("2019-01-15"))
  }

  @Test("misattribution is shown with the claim, under the claim it contradicts, and in HTML")
  func attribution() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    var request = GenerateReportRequest()
    request.topic = "lgbt"
    let markdown = try await Self.render(fixture.ledger, request)
    let mark = "(**misattributed**: the speaker did not say it; it circulates under their name)"
    #expect(markdown.contains("**Ramzan Kadyrov** · said 2018 " + mark))
    #expect(markdown.contains("- “A quote he never said” — Ramzan Kadyrov, 2018 " + mark))
    request.format = .html
    let html = try await Self.render(fixture.ledger, request)
    #expect(html.components(separatedBy: ">misattributed</span>").count == 3)
    #expect(html.contains("<title>misattributed: “A quote he never said”</title></text>"), "its label on the timeline")
  }

  @Test("claims nothing contradicts have a section of their own, after the contradicted")
  func notContradicted() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let plain = try await fixture.ledger.createClaim(
      Make.claim("Chechnya is calm", speaker: fixture.speaker.id, said: "2016", topics: ["lgbt"]), caller: Self.editor
    ).claim!
    var request = GenerateReportRequest()
    request.speakerID = fixture.speaker.id
    let markdown = try await Self.render(fixture.ledger, request)
    let parts = markdown.components(separatedBy: "\n## ")
    #expect(
      parts.dropFirst().map { $0.prefix(while: { $0 != "\n" }) } == [
        "Contradicted by the record", "Flip-flops", "Not contradicted by the record", "Summary",
      ])
    #expect(parts[3].contains("### “\(plain.text)”"))
    #expect(!parts[1].contains(plain.text))
    #expect(markdown.hasPrefix("# What Ramzan Kadyrov said, and what the record shows\n"))
  }
}
