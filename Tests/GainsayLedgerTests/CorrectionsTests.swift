import Foundation
import GainsayCore
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Testing

/// Corrections a newsroom makes every day: a verdict given in error, a duplicate speaker, a source whose
/// archived text was pasted badly, a speaker typed with a mistake. Each is audited with its reason and
/// survives an export and restore.
@Suite("corrections")
struct CorrectionsTests {
  static let editor = TrustedRecordTests.editor
  static let admin = TrustedRecordTests.admin

  func withLedger(_ body: (Ledger) async throws -> Void) async throws {
    try await TrustedRecordTests().withLedger { ledger, _ in try await body(ledger) }
  }

  func history(_ id: String, _ ledger: Ledger) async throws -> [AuditEvent] {
    var request = ListAuditEventsRequest()
    request.resourceID = id
    return try await ledger.auditEvents(request, caller: Self.editor)
  }

  func claim(_ id: String, _ ledger: Ledger) async throws -> Claim {
    var request = GetClaimRequest()
    request.id = id
    return try await ledger.getClaim(request, caller: Self.editor)
  }

  @Test("a withdrawn verdict no longer stands: the claim's rating is its latest active verdict's")
  func withdrawVerdict() async throws {
    try await withLedger { ledger in
      let claim = try await TrustedRecordTests.claim(
        "We don't have any gays", by: "Ramzan Kadyrov", said: "2017-07", in: ledger)
      let first = try await ledger.createVerdict(Make.verdict(claim.id, "false"), caller: Self.editor)
      let mistake = try await ledger.createVerdict(Make.verdict(claim.id, "true"), caller: Self.editor)
      #expect(try await self.claim(claim.id, ledger).latestRating == "true")

      var withdraw = WithdrawVerdictRequest()
      withdraw.id = mistake.id
      let missingReason = await #expect(throws: LedgerError.self) {
        _ = try await ledger.withdrawVerdict(withdraw, caller: Self.editor)
      }
      #expect(missingReason?.field == "reason")
      withdraw.reason = "rated the wrong claim"
      let reader = CallerIdentity(uid: 1002, gid: 1002, userName: "reader", role: .reader)
      await #expect(throws: LedgerError.self) { _ = try await ledger.withdrawVerdict(withdraw, caller: reader) }
      let withdrawn = try await ledger.withdrawVerdict(withdraw, caller: Self.editor)
      #expect(withdrawn.state == .withdrawn && withdrawn.withdrawalReason == "rated the wrong claim")
      #expect(try await self.claim(claim.id, ledger).latestRating == "false")
      let twice = await #expect(throws: LedgerError.self) {
        _ = try await ledger.withdrawVerdict(withdraw, caller: Self.editor)
      }
      #expect(twice?.code == .failedPrecondition)

      var list = ListVerdictsRequest()
      list.claimID = claim.id
      #expect(try await ledger.listVerdicts(list, caller: Self.editor).verdicts.map(\.id) == [first.id])
      list.includeWithdrawn = true
      #expect(try await ledger.listVerdicts(list, caller: Self.editor).verdicts.map(\.id) == [mistake.id, first.id])

      let events = try await history(mistake.id, ledger)
      #expect(events.map(\.action) == [.create, .withdraw])
      #expect(events.last?.reason == "rated the wrong claim")

      // Reports stand on the active verdict too.
      var report = GenerateReportRequest()
      report.claimIds = [claim.id]
      report.format = .json
      let (_, chunks) = try await ledger.generateReport(report, caller: Self.editor)
      let text = String(decoding: chunks.joined(), as: UTF8.self)
      #expect(text.contains("\"false\""))
      #expect(!text.contains("\"true\""))
    }
  }

  @Test("merging a duplicate speaker moves its names and claims, keeps a redirect, and is audited")
  func mergeSpeakers() async throws {
    try await withLedger { ledger in
      let kept = try await ledger.createSpeaker(
        Make.speaker("Ramzan Kadyrov", aliases: ["Рамзан Кадыров"]), caller: Self.editor)
      let duplicate = try await ledger.createSpeaker(
        Make.speaker("R. Kadyrov", aliases: ["Kadyrov"]), caller: Self.editor)
      let moved = try await ledger.createClaim(
        Make.claim("We don't have any gays", speaker: duplicate.id, said: "2017-07"), caller: Self.editor
      ).claim!
      let stays = try await ledger.createClaim(
        Make.claim("Chechnya has no such people", speaker: kept.id, said: "2017-04"), caller: Self.editor
      ).claim!

      var merge = MergeSpeakersRequest()
      merge.duplicateID = duplicate.id
      merge.intoID = duplicate.id
      merge.reason = "the same man"
      let intoItself = await #expect(throws: LedgerError.self) {
        _ = try await ledger.mergeSpeakers(merge, caller: Self.editor)
      }
      #expect(intoItself?.field == "into_id")
      merge.intoID = kept.id
      merge.reason = ""
      await #expect(throws: LedgerError.self) { _ = try await ledger.mergeSpeakers(merge, caller: Self.editor) }
      merge.reason = "the same man, entered twice"
      let response = try await ledger.mergeSpeakers(merge, caller: Self.editor)
      #expect(response.movedClaims == 1)
      #expect(response.speaker?.aliases == ["Рамзан Кадыров", "R. Kadyrov", "Kadyrov"])
      #expect(response.duplicate?.mergedInto == kept.id)

      // The claim moved, as a new revision; the other claim is untouched.
      let movedNow = try await claim(moved.id, ledger)
      #expect(movedNow.speakerID == kept.id && movedNow.revision == 2 && movedNow.speakerName == "Ramzan Kadyrov")
      #expect(try await claim(stays.id, ledger).revision == 1)
      // The old id and names still resolve, to the speaker kept.
      for reference in [duplicate.id, "R. Kadyrov", "kadyrov"] {
        var get = GetSpeakerRequest()
        get.id = reference
        #expect(try await ledger.getSpeaker(get, caller: Self.editor).id == kept.id)
      }
      var list = ListSpeakersRequest()
      list.nameContains = "kadyrov"
      #expect(try await ledger.listSpeakers(list, caller: Self.editor).speakers.map(\.id) == [kept.id])
      // A claim logged against the old id lands on the speaker kept.
      let late = try await ledger.createClaim(
        Make.claim("Late quote", speaker: duplicate.id, said: "2018"), caller: Self.editor
      ).claim!
      #expect(late.speakerID == kept.id)
      // The redirect itself does not change any more, nor merge twice.
      let again = await #expect(throws: LedgerError.self) {
        _ = try await ledger.mergeSpeakers(merge, caller: Self.editor)
      }
      #expect(again?.code == .failedPrecondition)

      // One MERGE event on the duplicate names what it touched; each side has its own history.
      let merged = try await history(duplicate.id, ledger)
      #expect(merged.map(\.action) == [.create, .merge])
      #expect(merged.last?.reason == "the same man, entered twice")
      #expect(merged.last?.relatedIds == [kept.id, moved.id])
      #expect(try await history(kept.id, ledger).last?.method == "gainsay.v1.Ledger/MergeSpeakers")
      let claimEvents = try await history(moved.id, ledger)
      #expect(claimEvents.map(\.action) == [.create, .update])
      guard case .claim(let after)? = claimEvents.last?.after?.kind else {
        Issue.record("the moved claim's event has no claim")
        return
      }
      #expect(after.speakerID == kept.id && after.speakerName.isEmpty)

      // The whole ledger, merge included, exports and restores into an empty one.
      try await TransferRoundTrip.restoresCleanly(ledger)
    }
  }

  @Test("speakers are found through case, spacing, diacritics, misspellings and Cyrillic aliases")
  func speakerLookup() async throws {
    try await withLedger { ledger in
      let kadyrov = try await ledger.createSpeaker(
        Make.speaker("Ramzan Kadyrov", aliases: ["Рамзан Кадыров"]), caller: Self.editor)
      let putin = try await ledger.createSpeaker(Make.speaker("Vladimir Putin"), caller: Self.editor)
      let jose = try await ledger.createSpeaker(Make.speaker("José Manuel Barroso", country: "PT"), caller: Self.editor)
      let cyrillicOnly = try await ledger.createSpeaker(Make.speaker("Виталий Милонов"), caller: Self.editor)

      func get(_ reference: String) async throws -> String? {
        var request = GetSpeakerRequest()
        request.id = reference
        return try? await ledger.getSpeaker(request, caller: Self.editor).id
      }
      #expect(try await get("ramzan   KADYROV") == kadyrov.id)
      #expect(try await get("Jose Manuel Barroso") == jose.id)
      #expect(try await get(" рамзан кадыров ") == kadyrov.id)
      #expect(try await get("Kadirov") == nil)  // exact lookups never guess

      func similar(_ query: String) async throws -> [String] {
        var request = ListSpeakersRequest()
        request.similarTo = query
        request.pageSize = 5
        return try await ledger.listSpeakers(request, caller: Self.editor).speakers.map(\.id)
      }
      #expect(try await similar("Kadirov") == [kadyrov.id])
      #expect(try await similar("Ramzan Kadirov") == [kadyrov.id])
      #expect(try await similar("Putin") == [putin.id])
      #expect(try await similar("vladimir  putn") == [putin.id])
      #expect(try await similar("Milonov") == [cyrillicOnly.id])
      #expect(try await similar("Barosso") == [jose.id])
      #expect(try await similar("Smith").isEmpty)
      #expect(try await similar("Li").isEmpty)
      var paged = ListSpeakersRequest()
      paged.similarTo = "Putin"
      paged.pageToken = "10"
      await #expect(throws: LedgerError.self) { _ = try await ledger.listSpeakers(paged, caller: Self.editor) }
    }
  }

  @Test("a source's new text is refused when it breaks evidence, or withdraws those links with a reason")
  func sourceTextUpdate() async throws {
    try await withLedger { ledger in
      let claim = try await TrustedRecordTests.claim(
        "We don't have any gays", by: "Ramzan Kadyrov", said: "2017-07", in: ledger)
      let text = "Police detained more than 100 men. A second passage stays in every version."
      let source = try await ledger.createSource(
        Make.source("Report", outlet: "Novaya Gazeta", text: text), caller: Self.editor)
      let breaks = try await ledger.createLink(
        Make.link(claim.id, source: source.id, .contradicts, quote: "Police detained more than 100 men."),
        caller: Self.editor)
      let survives = try await ledger.createLink(
        Make.link(claim.id, source: source.id, .context, quote: "A second passage stays in every version."),
        caller: Self.editor)

      let corrected = "Police detained dozens of men. A second passage stays in every version."
      var update = TrustedRecordTests.sourceUpdate(source.id, "archived_text") { $0.archivedText = corrected }
      update.reason = "pasted from the wrong edition"
      let refused = await #expect(throws: LedgerError.self) {
        _ = try await ledger.updateSource(update, caller: Self.editor)
      }
      #expect(refused?.code == .failedPrecondition)
      #expect(refused?.message.contains(breaks.id) == true && refused?.message.contains(survives.id) == false)
      #expect(refused?.message.contains("--withdraw-broken-links") == true)

      update.withdrawBrokenLinks = true
      let updated = try await ledger.updateSource(update, caller: Self.editor)
      #expect(updated.archivedTextSize == Int64(corrected.utf8.count))
      var get = GetLinkRequest()
      get.id = breaks.id
      let withdrawn = try await ledger.getLink(get, caller: Self.editor)
      #expect(withdrawn.state == .withdrawn)
      #expect(withdrawn.withdrawalReason.contains("pasted from the wrong edition"))
      get.id = survives.id
      // The passage that survives is anchored again in the new text: its place and context moved.
      let kept = try await ledger.getLink(get, caller: Self.editor)
      #expect(kept.state == .active)
      #expect(kept.quote?.start == Int64(corrected.distance(of: "A second")))
      #expect(kept.quote?.prefix == "Police detained dozens of men. ")
      #expect(try await history(survives.id, ledger).last?.reason == "re-anchored in the updated text of \(source.id)")
      #expect(try await history(breaks.id, ledger).last?.action == .withdraw)
      let sourceEvents = try await history(source.id, ledger)
      #expect(sourceEvents.last?.reason == "pasted from the wrong edition")
      #expect(try await self.claim(claim.id, ledger).evidence?.contradicting == 0)
      try await TransferRoundTrip.restoresCleanly(ledger)
    }
  }

  @Test("the same passage quoted at two places is two links; quoted twice at one place, one")
  func repeatedPassages() async throws {
    try await withLedger { ledger in
      let claim = try await TrustedRecordTests.claim(
        "We don't have any gays", by: "Ramzan Kadyrov", said: "2017-07", in: ledger)
      let source = try await ledger.createSource(
        Make.source("Twice", outlet: "Seeds", text: "They said: “not people”. Later, again: “not people”."),
        caller: Self.editor)
      var first = Make.link(claim.id, source: source.id, .contradicts, quote: "not people")
      let one = try await ledger.createLink(first, caller: Self.editor)
      first.occurrence = 2
      let two = try await ledger.createLink(first, caller: Self.editor)
      #expect(one.quote?.start == 12 && two.quote?.start == 40)
      let again = await #expect(throws: LedgerError.self) {
        _ = try await ledger.createLink(first, caller: Self.editor)
      }
      #expect(again?.code == .alreadyExists && again?.message.contains(two.id) == true)
      // A new text that keeps only the first place: the second link cannot move onto the first's.
      var update = TrustedRecordTests.sourceUpdate(source.id, "archived_text") {
        $0.archivedText = "They said: “not people”. Later, nothing."
      }
      let refused = await #expect(throws: LedgerError.self) {
        _ = try await ledger.updateSource(update, caller: Self.editor)
      }
      #expect(refused?.code == .failedPrecondition && refused?.message.contains(two.id) == true)
      #expect(refused?.message.contains(one.id) == false)
      update.withdrawBrokenLinks = true
      _ = try await ledger.updateSource(update, caller: Self.editor)
      var get = GetLinkRequest()
      get.id = two.id
      #expect(try await ledger.getLink(get, caller: Self.editor).state == .withdrawn)
      get.id = one.id
      #expect(try await ledger.getLink(get, caller: Self.editor).state == .active)
      try await TransferRoundTrip.restoresCleanly(ledger)
    }
  }

  @Test("a claim's words quoted by another claim's link cannot be edited away")
  func quotedClaimText() async throws {
    try await withLedger { ledger in
      let earlier = try await TrustedRecordTests.claim(
        "We don't have any gays. If there are any, take them to Canada.", by: "Ramzan Kadyrov", said: "2017-07",
        in: ledger)
      let later = try await ledger.createClaim(
        Make.claim("There are gay people in Chechnya", speaker: earlier.speakerID, said: "2019"), caller: Self.editor
      ).claim!
      let flipFlop = try await ledger.createLink(
        Make.link(later.id, claimTarget: earlier.id, .contradicts, quote: "We don't have any gays"),
        caller: Self.editor)
      func edit(_ text: String) -> UpdateClaimRequest {
        var claim = Claim()
        claim.id = earlier.id
        claim.text = text
        var request = UpdateClaimRequest()
        request.claim = claim
        request.updateMask = FieldMask(paths: ["text"])
        request.reason = "transcript corrected"
        return request
      }
      let refused = await #expect(throws: LedgerError.self) {
        _ = try await ledger.updateClaim(edit("We have no such people."), caller: Self.editor)
      }
      #expect(refused?.code == .failedPrecondition && refused?.message.contains(flipFlop.id) == true)
      #expect(refused?.message.contains("gainsay link withdraw") == true)
      // An edit that keeps the quoted words goes through.
      _ = try await ledger.updateClaim(edit("We don't have any gays. Take them to Canada."), caller: Self.editor)
      var withdraw = WithdrawLinkRequest()
      withdraw.id = flipFlop.id
      withdraw.reason = "the quote was wrong"
      _ = try await ledger.withdrawLink(withdraw, caller: Self.editor)
      _ = try await ledger.updateClaim(edit("We have no such people."), caller: Self.editor)
      try await TransferRoundTrip.restoresCleanly(ledger)
    }
  }

  @Test("claims carry their speaker's current name when read, never in the record")
  func speakerNames() async throws {
    try await withLedger { ledger in
      let claim = try await TrustedRecordTests.claim(
        "We don't have any gays", by: "Ramzan Kadyrov", said: "2017-07", in: ledger)
      #expect(try await self.claim(claim.id, ledger).speakerName == "Ramzan Kadyrov")
      var rename = UpdateSpeakerRequest()
      var speaker = Speaker()
      speaker.id = claim.speakerID
      speaker.name = "Ramzan Akhmadovich Kadyrov"
      speaker.aliases = ["Ramzan Kadyrov"]
      rename.speaker = speaker
      rename.updateMask = FieldMask(paths: ["name", "aliases"])
      rename.reason = "full name"
      _ = try await ledger.updateSpeaker(rename, caller: Self.editor)
      #expect(try await history(claim.speakerID, ledger).last?.reason == "full name")
      #expect(try await self.claim(claim.id, ledger).speakerName == "Ramzan Akhmadovich Kadyrov")
      var list = ListClaimsRequest()
      list.speakerID = claim.speakerID
      #expect(
        try await ledger.listClaims(list, caller: Self.editor).claims.first?.speakerName
          == "Ramzan Akhmadovich Kadyrov")
      var search = SearchRequest()
      search.query = "gays"
      let hit = try await ledger.search(search, caller: Self.editor).first
      guard case .claim(let found)? = hit?.resource?.kind else {
        Issue.record("the search found no claim")
        return
      }
      #expect(found.speakerName == "Ramzan Akhmadovich Kadyrov")
      for event in try await history(claim.id, ledger) {
        if case .claim(let recorded)? = event.after?.kind { #expect(recorded.speakerName.isEmpty) }
      }
      search.limit = 1001
      let tooMany = await #expect(throws: LedgerError.self) { _ = try await ledger.search(search, caller: Self.editor) }
      #expect(tooMany?.message.contains("1000") == true)
    }
  }
}

/// Export a ledger with its audit log and restore it into an empty one: the restore's verifier checks
/// every invariant (histories that end in each record, revisions, references).
enum TransferRoundTrip {
  static func restoresCleanly(_ ledger: Ledger) async throws {
    var export = ExportRequest()
    export.includeAuditEvents = true
    var records: [LedgerRecord] = []
    try await ledger.export(export, caller: TrustedRecordTests.admin) { records.append($0) }
    try await TrustedRecordTests().withLedger { empty, _ in
      _ = try await TrustedRecordTests().importing(records, into: empty, as: TrustedRecordTests.admin, restore: true)
      var again: [LedgerRecord] = []
      try await empty.export(export, caller: TrustedRecordTests.admin) { again.append($0) }
      #expect(again.count == records.count)
    }
  }
}

extension String {
  /// The code point offset of the first occurrence of `part` (the test texts hold it).
  fileprivate func distance(of part: String) -> Int {
    unicodeScalars.distance(from: unicodeScalars.startIndex, to: range(of: part)!.lowerBound)
  }
}
