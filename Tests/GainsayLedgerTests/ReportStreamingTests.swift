import Foundation
import GainsayCore
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Testing

/// Reports of several pages of claims, streamed from one snapshot, against the report as it was built
/// whole in memory before (``ReferenceReport``): every byte of every format must match. The oracle
/// serializes JSON and ClaimReview whole and renders Markdown and HTML with the same writers over the
/// whole report, so what is checked here is what streaming could change: the claims, their order and
/// evidence, the totals, the summary and the pieces of JSON.
@Suite("streamed reports")
struct ReportStreamingTests {
  static let editor = ReportTests.editor
  static let fixedNow = ReportTests.fixedNow
  static let configuration = LedgerConfiguration(publisher: "The Daily Example", publisherURL: "https://news.example")
  static let formats: [ReportFormat] = [.markdown, .html, .json, .claimreview]

  struct Fixture {
    let ledger: Ledger
    let subject: Speaker
    let other: Speaker
    /// The subject's claims, in import order.
    let claims: [String]
    let retracted: String
    let directory: String
  }

  /// A speaker with 450 claims (more than two pages), sources with and without a publication date,
  /// links of every relation in both directions, withdrawn links, several verdicts on one claim, and a
  /// retracted claim.
  static func fixture() async throws -> Fixture {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let ledger = Ledger(store: store, configuration: configuration, now: { fixedNow })
    let subject = try await ledger.createSpeaker(
      {
        var r = Make.speaker("Report Subject"); r.speaker!.role = "Minister"; return r
      }(), caller: editor)
    let other = try await ledger.createSpeaker(Make.speaker("Other Speaker"), caller: editor)

    let session = try await ledger.beginImport(BeginImportRequest(), caller: editor).importID
    var claims: [String] = []
    var otherClaims: [String] = []
    for (speaker, count) in [(subject, 450), (other, 20)] {
      var request = ImportRecordsRequest()
      request.importID = session
      for index in 0..<count {
        var claim = Claim()
        claim.text = "\(speaker.name) statement number \(index) about the budget"
        // Ties on purpose: many claims share a year or a month, so the id breaks them.
        claim.saidOn = PartialDate(
          iso: index % 3 == 0 ? "\(2000 + index % 20)" : "\(2000 + index % 20)-0\(1 + index % 9)")
        claim.topics = [index % 2 == 0 ? "budget" : "health"]
        if index % 7 == 0 { claim.context = "Interview *live*" }
        if index % 11 == 0 { claim.appearanceUrls = ["https://example.org/\(index)"] }
        var record = ImportRecord()
        record.line = Int64(index + 1)
        record.speakerName = speaker.name
        record.record = LedgerRecord()
        record.record!.record = .claim(claim)
        request.records.append(record)
      }
      let outcomes = try await ledger.importRecords(request, caller: editor).outcomes
      #expect(outcomes.allSatisfy { $0.result == .created })
      if speaker.id == subject.id {
        claims = outcomes.map(\.resourceID)
      } else {
        otherClaims = outcomes.map(\.resourceID)
      }
    }
    var finish = FinishImportRequest()
    finish.importID = session
    finish.commit = true
    _ = try await ledger.finishImport(finish, caller: editor)

    var sources: [String] = []
    for index in 0..<12 {
      sources.append(
        try await ledger.createSource(
          Make.source(
            "Finding \(index)", outlet: ["Gazette", "Courier", "Herald <Daily>"][index % 3],
            text: "Archived text of finding \(index), which must not appear in a report.\nA second line.",
            url: index % 2 == 0 ? "https://news.example/\(index)" : "",
            published: index % 4 == 3 ? nil : "20\(10 + index)-0\(1 + index % 9)-1\(index % 10)"),
          caller: editor
        ).id)
    }
    let relations: [Relation] = [.contradicts, .supports, .context, .contradicts]
    var withdrawn: [String] = []
    for (index, claim) in claims.enumerated() where index % 3 != 2 {
      for step in 0..<(index % 4) {
        let link = try await ledger.createLink(
          Make.link(
            claim, source: sources[(index + step * 5) % sources.count], relations[(index + step) % 4],
            quote: step == 1 ? "appear in a report.\nA second" : "Archived text of finding",
            note: step == 2 ? "see _page_ 3" : ""),
          caller: editor)
        if index % 50 == 1 && step == 0 { withdrawn.append(link.id) }
      }
      if index % 9 == 0 {
        // Claim-to-claim links in both directions, to the subject's own claims and to another speaker's.
        _ = try await ledger.createLink(
          Make.link(claim, claimTarget: claims[(index + 201) % claims.count], .contradicts), caller: editor)
        _ = try await ledger.createLink(
          Make.link(otherClaims[index % otherClaims.count], claimTarget: claim, .repeats), caller: editor)
      }
      if index % 5 == 0 {
        _ = try await ledger.createVerdict(Make.verdict(claim, "false", "Records show otherwise."), caller: editor)
      }
    }
    _ = try await ledger.createVerdict(Make.verdict(claims[0], "mostly true", "A later review."), caller: editor)
    for id in withdrawn {
      var request = WithdrawLinkRequest()
      request.id = id
      request.reason = "quoted the wrong passage"
      _ = try await ledger.withdrawLink(request, caller: editor)
    }
    var retract = RetractClaimRequest()
    retract.id = claims[4]
    retract.reason = "misattributed"
    _ = try await ledger.retractClaim(retract, caller: editor)
    return Fixture(
      ledger: ledger, subject: subject, other: other, claims: claims, retracted: claims[4], directory: directory)
  }

  static func streamed(_ ledger: Ledger, _ request: GenerateReportRequest) async throws -> (ReportHeader, [UInt8]) {
    let (header, chunks) = try await ledger.generateReport(request, caller: editor)
    return (header, chunks.flatMap { $0 })
  }

  static func reference(_ ledger: Ledger, _ request: GenerateReportRequest) async throws -> (ReportHeader, [UInt8]) {
    try await ReferenceReport.render(request, store: ledger.store, configuration: configuration, now: fixedNow)
  }

  /// Where two reports first differ, with a little of each around it; nil when they are equal.
  static func firstDifference(_ bytes: [UInt8], _ expected: [UInt8]) -> String? {
    guard bytes != expected else { return nil }
    let offset =
      zip(bytes, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      ?? min(bytes.count, expected.count)
    func around(_ text: [UInt8]) -> String {
      String(decoding: text[max(0, offset - 60)..<min(text.count, offset + 60)], as: UTF8.self)
    }
    return "\(bytes.count) bytes, expected \(expected.count); first difference at byte \(offset): "
      + "\(around(bytes).debugDescription) instead of \(around(expected).debugDescription)"
  }

  @Test("every format equals the report built whole, byte for byte, for each kind of selection")
  func equalsTheWholeReport() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    var bySpeaker = GenerateReportRequest()
    bySpeaker.speakerID = fixture.subject.id
    var byTopic = GenerateReportRequest()
    byTopic.topic = "budget"
    byTopic.since = PartialDate(iso: "2004-03")
    byTopic.until = PartialDate(iso: "2015")
    var named = GenerateReportRequest()
    // Named claims include the retracted one, another speaker's, and one twice.
    named.claimIds = Array(fixture.claims[0..<230]) + [fixture.claims[7], fixture.retracted]
    named.title = "Named claims"
    var namedAndNarrowed = named
    namedAndNarrowed.speakerID = fixture.subject.id
    namedAndNarrowed.topic = "health"
    for request in [bySpeaker, byTopic, named, namedAndNarrowed] {
      for format in Self.formats {
        var request = request
        request.format = format
        let (header, bytes) = try await Self.streamed(fixture.ledger, request)
        let (expectedHeader, expected) = try await Self.reference(fixture.ledger, request)
        #expect(header == expectedHeader)
        let difference = Self.firstDifference(bytes, expected)
        #expect(difference == nil, "\(format) of \(request.claimIds.count) named claims")
      }
    }
    // The speaker's report holds every active claim of theirs.
    bySpeaker.format = .json
    let (_, json) = try await Self.streamed(fixture.ledger, bySpeaker)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
    #expect((object["entries"] as? [Any])?.count == 449)
    // Flip-flops across pages: each pair listed once, as many as the summary counts.
    let flipFlops = try #require((object["summary"] as? [String: Any])?["flipFlops"] as? Int)
    #expect(flipFlops > 40)
    bySpeaker.format = .html
    let html = String(decoding: try await Self.streamed(fixture.ledger, bySpeaker).1, as: UTF8.self)
    #expect(html.components(separatedBy: "<article class=\"flip-flop\">").count == flipFlops + 1)
    #expect(html.contains("<rect class=\"claim bin\""), "449 claims are counted by month")
    bySpeaker.format = .markdown
    let markdown = String(decoding: try await Self.streamed(fixture.ledger, bySpeaker).1, as: UTF8.self)
    let sections = markdown.components(separatedBy: "\n## ").dropFirst().map { $0.prefix(while: { $0 != "\n" }) }
    #expect(sections == ["Contradicted by the record", "Flip-flops", "Not contradicted by the record", "Summary"])
  }

  @Test("an empty selection renders as before")
  func empty() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    var request = GenerateReportRequest()
    request.topic = "no such topic"
    for format in Self.formats {
      request.format = format
      let (header, bytes) = try await Self.streamed(fixture.ledger, request)
      let (expectedHeader, expected) = try await Self.reference(fixture.ledger, request)
      #expect(header == expectedHeader)
      #expect(Self.firstDifference(bytes, expected) == nil, "\(format)")
    }
  }

  @Test("the header comes first, then data chunks of exactly 64 KiB but the last")
  func chunks() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    var request = GenerateReportRequest()
    request.speakerID = fixture.subject.id
    request.format = .html
    var parts: [ReportChunk] = []
    try await fixture.ledger.generateReport(request, caller: Self.editor) { parts.append($0) }
    guard case .header(let header)? = parts.first?.part else {
      Issue.record("the first chunk is not the header")
      return
    }
    #expect(header.contentType == "text/html; charset=utf-8")
    let sizes = parts.dropFirst().map { part -> Int in
      guard case .data(let bytes)? = part.part else { return -1 }
      return bytes.count
    }
    #expect(sizes.count > 2)
    #expect(sizes.dropLast().allSatisfy { $0 == 64 * 1024 })
    #expect((1...(64 * 1024)).contains(sizes.last ?? 0))
  }

  @Test("a report is one snapshot: writes made while it streams are not in it")
  func snapshot() async throws {
    let fixture = try await Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    var request = GenerateReportRequest()
    request.speakerID = fixture.subject.id
    request.format = .markdown
    let (_, before) = try await Self.reference(fixture.ledger, request)
    let last = fixture.claims[fixture.claims.count - 1]
    var bytes: [UInt8] = []
    var wrote = false
    try await fixture.ledger.generateReport(request, caller: Self.editor) { chunk in
      switch chunk.part {
      case .header?:
        // Once the report has begun: new evidence on a claim of the last page, and a new verdict.
        let source = try await fixture.ledger.createSource(
          Make.source("Late finding", outlet: "Late Outlet", published: "2024-01-01"), caller: Self.editor)
        _ = try await fixture.ledger.createLink(Make.link(last, source: source.id, .contradicts), caller: Self.editor)
        _ = try await fixture.ledger.createVerdict(Make.verdict(last, "pants on fire"), caller: Self.editor)
        wrote = true
      case .data(let data)?: bytes += data
      case nil: break
      }
    }
    #expect(wrote)
    #expect(Self.firstDifference(bytes, before) == nil)
    let (_, after) = try await Self.streamed(fixture.ledger, request)
    #expect(String(decoding: after, as: UTF8.self).contains("Late Outlet"))
  }
}
