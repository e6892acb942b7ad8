import Foundation
import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// Imports, restores and the lookups an import resolves its references with: the store's own contract,
  /// called directly.
  @Suite("imports, restores and lookups")
  struct Transfer {
    let admin = ConformanceCallers.admin

    var importDraft: AuditDraft {
      AuditDraft(
        actor: admin.unixUser, method: "gainsay.v1.Ledger/ImportRecords", action: .import, reason: "wire archive",
        time: Timestamp(date: Date()))
    }

    static func speaker(_ name: String, aliases: [String] = []) -> Speaker {
      var speaker = Speaker()
      speaker.id = ResourceID.make("spk")
      speaker.name = name
      speaker.aliases = aliases
      speaker.kind = .person
      speaker.createTime = Timestamp(date: Date())
      speaker.updateTime = speaker.createTime
      return speaker
    }

    static func claim(_ text: String, by speaker: String, said: String) -> Claim {
      var claim = Claim()
      claim.id = ResourceID.make("clm")
      claim.speakerID = speaker
      claim.text = text
      claim.saidOn = Make.date(said)
      claim.state = .active
      claim.revision = 1
      claim.createTime = Timestamp(date: Date())
      claim.updateTime = claim.createTime
      return claim
    }

    @Test(
      "a batch is written whole, new records first in order, each with an IMPORT event", arguments: StoreUnderTest.all)
    func importBatch(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let peskov = try await ledger.createSpeaker(Make.speaker("Dmitry Peskov"), caller: admin)
        let before = try await store.lastSequence()
        let putin = Self.speaker("Vladimir Putin", aliases: ["Владимир Путин"])
        let claim = Self.claim(Material.xenophobia, by: putin.id, said: "2013-11-20")
        var renamed = peskov
        renamed.aliases = ["Дмитрий Песков"]
        let events = try await store.importBatch(
          created: [Resource(putin), Resource(claim)], updated: [Resource(renamed)], audit: importDraft)
        #expect(events.map(\.sequence) == Array((before + 1)...(before + 3)))
        #expect(events.map(\.resourceID) == [putin.id, claim.id, peskov.id])
        #expect(events.allSatisfy { $0.action == .import && $0.reason == "wire archive" })
        #expect(try await store.auditEvents(Requests.auditQuery(after: before)) == events)
        #expect(events[2].before == Resource(peskov))
        var get = GetSpeakerRequest()
        get.id = "владимир путин"
        #expect(try await ledger.getSpeaker(get, caller: admin).id == putin.id)
        get.id = "Дмитрий Песков"
        #expect(try await ledger.getSpeaker(get, caller: admin).id == peskov.id)
        var revisions = ListClaimRevisionsRequest()
        revisions.claimID = claim.id
        #expect(try await ledger.listClaimRevisions(revisions, caller: admin).revisions.map(\.revision) == [1])
        #expect(try await ledger.search(Requests.search("xenophobia"), caller: admin).map(\.resourceID) == [claim.id])
      }
    }

    @Test("a batch breaking a constraint anywhere writes nothing", arguments: StoreUnderTest.all)
    func refusedBatch(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let peskov = try await ledger.createSpeaker(Make.speaker("Dmitry Peskov"), caller: admin)
        let before = try await store.lastSequence()
        let putin = Self.speaker("Vladimir Putin")
        let clash = Self.speaker("DMITRY PESKOV")
        let name = await ledgerError {
          _ = try await store.importBatch(
            created: [
              Resource(putin), Resource(Self.claim(Material.normalRelations, by: putin.id, said: "2013-09")),
              Resource(clash),
            ],
            updated: [], audit: importDraft)
        }
        #expect(name?.code == .alreadyExists)
        #expect(name?.resource == peskov.id)
        let orphan = await ledgerError {
          _ = try await store.importBatch(
            created: [
              Resource(putin), Resource(Self.claim(Material.schedule, by: "spk_0000000000zzzzzz", said: "2013")),
            ],
            updated: [], audit: importDraft)
        }
        #expect(orphan?.code == .notFound)
        let ghost = await ledgerError {
          _ = try await store.importBatch(
            created: [Resource(putin)], updated: [Resource(Self.speaker("Nobody Known"))], audit: importDraft)
        }
        #expect(ghost?.code == .notFound)
        #expect(try await store.get(Speaker.self, id: putin.id) == nil)
        #expect(try await store.lastSequence() == before)
        #expect(try await store.speakerIDs(named: ["Vladimir Putin"]).isEmpty)
      }
    }

    @Test(
      "a restore writes the export as it was, and a second export is byte for byte the first",
      arguments: StoreUnderTest.all)
    func restore(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        _ = try await ledger.createLink(
          Make.link(
            room.claims["noGays"]!.id, source: room.sources["pinkNews"]!.id, .contradicts,
            quote: "gay men lived in the region"), caller: admin)
        _ = try await ledger.createVerdict(Make.verdict(room.claims["noGays"]!.id, "false"), caller: admin)
        _ = try await ledger.updateClaim(
          Requests.updateText(room.claims["schedule"]!.id, "That is Obama’s schedule.", reason: "shorter"),
          caller: admin)
        _ = try await ledger.retractClaim(
          Requests.retract(room.claims["doNotExist"]!.id, "misattributed"), caller: admin)
        _ = try await ledger.mergeSpeakers(
          Requests.merge(room.speakers["karimov"]!.id, into: room.speakers["kadyrov"]!.id), caller: admin)
        var export = ExportRequest()
        export.includeAuditEvents = true
        var records: [LedgerRecord] = []
        try await ledger.export(export, caller: admin) { records.append($0) }
        let verified = try RestoreVerifier(rules: ledger, now: Date()).verify(
          records.enumerated().map { RestoreRecord(line: Int64($0 + 1), record: $1) })
        let last = try await store.lastSequence()

        try await sut.withLedger { copy, copyStore in
          try await copyStore.restore(verified)
          #expect(try await copyStore.lastSequence() == last)
          var again: [LedgerRecord] = []
          try await copy.export(export, caller: admin) { again.append($0) }
          #expect(again.count == records.count)
          #expect(again.map { $0.serializedBytes() } == records.map { $0.serializedBytes() })
          #expect(try await copyStore.allAuditEvents() == (try await store.allAuditEvents()))
          // The restored ledger goes on numbering after the restored log, and searches what it holds.
          _ = try await copy.createSpeaker(Make.speaker("Maria Zakharova"), caller: admin)
          #expect(try await copyStore.lastSequence() == last + 1)
          #expect(
            try await copy.search(Requests.search("Canada"), caller: admin).map(\.resourceID)
              == [room.claims["noGays"]!.id])
          // A ledger holding records refuses a restore, writing nothing.
          let refused = await ledgerError { try await copyStore.restore(verified) }
          #expect(refused?.code == .failedPrecondition)
          #expect(refused?.message.contains("empty") == true, "says why: \(refused?.message ?? "")")
          #expect(try await copyStore.lastSequence() == last + 1)
        }
      }
    }

    @Test(
      "a restore begun on an empty ledger is refused when a write lands before it commits",
      arguments: StoreUnderTest.all)
    func restoreRace(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        _ = try await Newsroom.make(in: ledger)
        var export = ExportRequest()
        export.includeAuditEvents = true
        var records: [LedgerRecord] = []
        try await ledger.export(export, caller: admin) { records.append($0) }
        try await sut.withLedger { copy, copyStore in
          var begin = BeginImportRequest()
          begin.restore = true
          let session = try await copy.beginImport(begin, caller: admin).importID
          var chunk = ImportRecordsRequest()
          chunk.importID = session
          chunk.records = records.enumerated().map { index, record in
            var item = ImportRecord()
            item.line = Int64(index + 1)
            item.record = record
            return item
          }
          _ = try await copy.importRecords(chunk, caller: admin)
          // Someone writes meanwhile.
          _ = try await copy.createSpeaker(Make.speaker("Maria Zakharova"), caller: admin)
          var finish = FinishImportRequest()
          finish.importID = session
          finish.commit = true
          let error = await ledgerError { _ = try await copy.finishImport(finish, caller: admin) }
          #expect(error?.code == .failedPrecondition)
          #expect(error?.message.contains("empty") == true, "says why: \(error?.message ?? "")")
          #expect(try await copyStore.lastSequence() == 1)
          #expect(
            try await copy.listSpeakers(ListSpeakersRequest(), caller: admin).speakers.map(\.name) == [
              "Maria Zakharova"
            ])
        }
      }
    }

    @Test("lookups by id, by name and by claim text", arguments: StoreUnderTest.all)
    func lookups(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        let kadyrov = room.speakers["kadyrov"]!.id
        let noGays = room.claims["noGays"]!.id
        let absent = "clm_0000000000zzzzzz"
        #expect(try await store.existingIDs(.claim, among: [noGays, absent, kadyrov]) == [noGays])
        #expect(try await store.existingIDs(.speaker, among: [noGays, kadyrov]) == [kadyrov])
        #expect(
          try await store.existingIDs(.source, among: [room.sources["russian"]!.id]) == [room.sources["russian"]!.id])
        #expect(try await store.existingIDs(.link, among: []).isEmpty)
        // More ids than one statement may bind.
        let many = (0..<1_500).map { _ in ResourceID.make("clm") } + Array(room.claims.values.map(\.id))
        #expect(try await store.existingIDs(.claim, among: many) == Set(room.claims.values.map(\.id)))

        // Names and aliases, ignoring case, keyed by the lower-cased name.
        let names = try await store.speakerIDs(named: ["RAMZAN KADYROV", "дмитрий песков", "Nobody", "Альви Каримов"])
        #expect(
          names == [
            "ramzan kadyrov": kadyrov, "дмитрий песков": room.speakers["peskov"]!.id,
            "альви каримов": room.speakers["karimov"]!.id,
          ])
        #expect(try await store.speakerIDs(named: []).isEmpty)

        // Claims by speaker and normalised text; another speaker's identical words, and retracted claims, are not.
        let found = try await store.claims(matching: [
          (speakerID: kadyrov, text: "we DON'T have any gays; if there are any, take them to Canada!"),
          (speakerID: room.speakers["putin"]!.id, text: Material.noGays),
          (
            speakerID: room.speakers["karimov"]!.id,
            text: "НЕЛЬЗЯ задержать и притеснять тех, кого просто нет в республике."
          ),
        ])
        #expect(Set(found.map(\.id)) == [noGays, room.claims["karimov"]!.id])
        _ = try await ledger.retractClaim(Requests.retract(noGays, "recorded twice"), caller: admin)
        #expect(try await store.claims(matching: [(speakerID: kadyrov, text: Material.noGays)]).isEmpty)
        #expect(try await store.claims(matching: []).isEmpty)

        // A speaker found by a name that differs in spacing and accents, when only one speaker has it.
        var get = GetSpeakerRequest()
        get.id = "ramzan  kadyrov"
        #expect(try await ledger.getSpeaker(get, caller: admin).id == kadyrov)
        var similar = ListSpeakersRequest()
        similar.similarTo = "Kadyrow"
        #expect(try await ledger.listSpeakers(similar, caller: admin).speakers.first?.id == kadyrov)
      }
    }
  }
}
