import Foundation
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Testing

@testable import GainsayCore

/// The ledger's rules for quotes: which links need one, claim-to-claim quotes, bad input, and how
/// reports and restores treat anchored and unquoted evidence.
extension QuoteAnchoringTests {
  // MARK: - Quote rules

  @Test("contradicts and supports links to a source with archived text need a quote, or --no-quote")
  func unquotedRules() async throws {
    try await withLedger { ledger in
      let claim = try await Self.claim("Nothing happened in Chechnya", by: "Official", in: ledger)
      let source = try await Self.source(Self.article, in: ledger)
      for relation in [Relation.contradicts, .supports] {
        let error = await Self.refusal(Self.link(claim.id, source: source.id, relation), ledger)
        #expect(error?.code == .invalidArgument && error?.field == "link.quote.exact")
        #expect(error?.message.contains("--quote '") == true && error?.message.contains("--no-quote") == true)
      }
      let unquoted = try await ledger.createLink(
        Self.link(claim.id, source: source.id, unquoted: true), caller: Self.editor)
      #expect(unquoted.quote == nil && !unquoted.unverified)
      let both = await Self.refusal(
        Self.link(claim.id, source: source.id, .supports, quote: "Kadyrov denied", unquoted: true), ledger)
      #expect(both?.code == .invalidArgument && both?.field == "unquoted")
      // Context needs no quote; nor does a source without archived text (whose quotes stay unverified).
      _ = try await ledger.createLink(Self.link(claim.id, source: source.id, .context), caller: Self.editor)
      let bare = try await ledger.createSource(Make.source("Broadcast", outlet: "Radio"), caller: Self.editor)
      let noText = try await ledger.createLink(Self.link(claim.id, source: bare.id), caller: Self.editor)
      #expect(noText.quote == nil && !noText.unverified)
      let unverified = try await ledger.createLink(
        Self.link(claim.id, source: bare.id, .supports, quote: "anything at all"), caller: Self.editor)
      #expect(unverified.unverified && unverified.quote?.exact == "anything at all" && unverified.quote?.end == 0)
    }
  }

  @Test("a claim-to-claim link may quote the other claim, as it was said, or nothing")
  func claimToClaim() async throws {
    try await withLedger { ledger in
      let speaker = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: Self.editor)
      let earlier = try await ledger.createClaim(
        Make.claim(
          "We don’t have any gays.\nIf there are any, take them to Canada.", speaker: speaker.id, said: "2017"),
        caller: Self.editor
      ).claim!
      let later = try await ledger.createClaim(
        Make.claim("Of course there are gay people in Chechnya", speaker: speaker.id, said: "2019"),
        caller: Self.editor
      ).claim!
      let flipFlop = try await ledger.createLink(
        Self.link(later.id, claimTarget: earlier.id, quote: "We don't have any gays. If there are any"),
        caller: Self.editor)
      #expect(flipFlop.quote?.exact == "We don’t have any gays.\nIf there are any")
      #expect(flipFlop.quote?.start == 0 && flipFlop.quote?.end == 40)
      #expect(flipFlop.quote?.suffix == ", take them to Canada.")
      _ = try await ledger.createLink(Self.link(later.id, claimTarget: earlier.id, .repeats), caller: Self.editor)
      let error = try #require(
        await Self.refusal(Self.link(later.id, claimTarget: earlier.id, quote: "take them all to Canada"), ledger))
      #expect(error.code == .invalidArgument && error.field == "link.quote.exact")
      #expect(error.message.contains("does not occur in the text of claim \(earlier.id)"), "\(error.message)")
      #expect(
        error.message.contains("gainsay link \(later.id) \(earlier.id) --relation contradicts --quote '"),
        "\(error.message)")
      let suggested = try #require(Self.suggestedQuote(in: error.message))
      _ = try await ledger.createLink(
        Self.link(later.id, claimTarget: earlier.id, .repeats, quote: suggested), caller: Self.editor)
    }
  }

  @Test("garbage and edge inputs are refused with the field at fault, or handled")
  func edgeInputs() async throws {
    try await withLedger { ledger in
      let claim = try await Self.claim("Nothing happened", by: "Official", in: ledger)
      let source = try await Self.source(Self.article, in: ledger)
      // A blank quote is no quote: a contradicts link then needs one.
      for blank in ["", "   \n\t ", "\u{A0}\u{3000}"] {
        let error = await Self.refusal(Self.link(claim.id, source: source.id, quote: blank), ledger)
        #expect(error?.field == "link.quote.exact" && error?.message.contains("--no-quote") == true)
      }
      for invisible in ["\u{AD}\u{AD}", "\u{200B}", " \u{AD} \u{FEFF} "] {
        let error = await Self.refusal(Self.link(claim.id, source: source.id, .context, quote: invisible), ledger)
        #expect(error?.field == "link.quote.exact" && error?.message.contains("soft hyphens") == true)
      }
      let nul = await Self.refusal(Self.link(claim.id, source: source.id, quote: "Kadyrov\u{0}denied"), ledger)
      #expect(nul?.field == "link.quote.exact" && nul?.code == .invalidArgument)
      let nulPrefix = await Self.refusal(
        Self.link(claim.id, source: source.id, quote: "Kadyrov", prefix: "\u{0}"), ledger)
      #expect(nulPrefix?.field == "link.quote.prefix")
      let manyWithoutQuote = await Self.refusal(
        Self.link(claim.id, source: source.id, .context, occurrence: 2), ledger)
      #expect(manyWithoutQuote?.field == "occurrence")
    }
    #expect(TextQuoteAnchor.find(Self.quote("anything"), in: "") == .notFound(closest: nil))
    #expect(TextQuoteAnchor.find(Self.quote(""), in: Self.article) == .blank)
    #expect(TextQuoteAnchor.find(Self.quote("\u{301}"), in: "cafe\u{301}") == .notFound(closest: nil))
    #expect(TextQuoteAnchor.find(Self.quote(Self.article + " and more"), in: Self.article) != .blank)
    #expect(TextQuoteAnchor.anchor(Self.quote("a"), in: "a\u{0}b")?.exact == "a")
  }

  // MARK: - Reports and restores

  @Test("reports mark contradicts and supports evidence without a quote as unquoted")
  func reportsShowUnquoted() async throws {
    try await withLedger { ledger in
      let claim = try await Self.claim("Nothing happened in Chechnya", by: "Ramzan Kadyrov", in: ledger)
      let source = try await Self.source(Self.article, in: ledger, title: "Unquoted report")
      let quoted = try await Self.source("Kadyrov denied it.", in: ledger, title: "Quoted report")
      _ = try await ledger.createLink(Self.link(claim.id, source: source.id, unquoted: true), caller: Self.editor)
      _ = try await ledger.createLink(
        Self.link(claim.id, source: quoted.id, quote: "Kadyrov denied it"), caller: Self.editor)
      _ = try await ledger.createLink(Self.link(claim.id, source: quoted.id, .context), caller: Self.editor)
      var request = GenerateReportRequest()
      request.claimIds = [claim.id]
      request.format = .markdown
      let markdown = String(
        decoding: try await ledger.generateReport(request, caller: Self.editor).1.flatMap { $0 }, as: UTF8.self)
      let marked = markdown.split(separator: "\n").filter { $0.contains("(**unquoted**") }
      #expect(marked.count == 1 && marked.first?.contains("Unquoted report") == true, "\(markdown)")
      request.format = .html
      let html = String(
        decoding: try await ledger.generateReport(request, caller: Self.editor).1.flatMap { $0 }, as: UTF8.self)
      #expect(html.components(separatedBy: "<span class=\"unquoted\"").count == 2, "\(html)")
      request.format = .json
      let json = try await ledger.generateReport(request, caller: Self.editor).1.flatMap { $0 }
      let report = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any]
      let entry = (report?["entries"] as? [[String: Any]])?.first
      let unquoted = (entry?["contradictedBy"] as? [[String: Any]] ?? []).map { $0["unquoted"] as? Bool ?? false }
      #expect(unquoted.sorted { !$0 && $1 } == [false, true], "\(String(decoding: json, as: UTF8.self))")
    }
  }

  @Test("a restore refuses a link whose offsets do not hold its passage")
  func restoreRefusesWrongOffsets() async throws {
    try await withLedger { ledger in
      let claim = try await Self.claim("Nothing happened in Chechnya", by: "Official", in: ledger)
      let source = try await Self.source(Self.article, in: ledger)
      _ = try await ledger.createLink(
        Self.link(claim.id, source: source.id, quote: "Kadyrov denied that gay men"), caller: Self.editor)
      var request = ExportRequest()
      request.includeAuditEvents = true
      var records: [RestoreRecord] = []
      try await ledger.export(request, caller: Self.editor) { record in
        records.append(RestoreRecord(line: Int64(records.count + 1), record: record))
      }
      let verifier = RestoreVerifier(rules: ledger, now: Date())
      _ = try verifier.verify(records)
      for index in records.indices {
        guard case .link(var link)? = records[index].record.record else { continue }
        link.quote!.start += 1
        link.quote!.end += 1
        records[index].record.record = .link(link)
      }
      let error = #expect(throws: LedgerError.self) { _ = try verifier.verify(records) }
      #expect(error?.message.contains("are not the quoted passage") == true, "\(error?.message ?? "")")
    }
  }

  @Test("a restore checks that a link's code points start..<end are its passage")
  func restoreChecksOffsets() {
    let text = "Рамзан 🏳️‍🌈 Кадыров заявил"
    #expect(RestoreVerifier.codePoints(12..<19, of: text).map { Array($0) } == Array("Кадыров".utf8))
    #expect(RestoreVerifier.codePoints(20..<26, of: text).map { Array($0) } == Array("заявил".utf8))
    #expect(RestoreVerifier.codePoints(20..<27, of: text) == nil)
    #expect(RestoreVerifier.codePoints(-1..<3, of: text) == nil)
    #expect(RestoreVerifier.codePoints(0..<0, of: "").map { Array($0) } == [])
  }
}
