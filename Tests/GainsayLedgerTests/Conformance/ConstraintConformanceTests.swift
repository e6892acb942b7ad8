import Foundation
import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// What the store refuses, and how: the conflicts the ledger cannot check alone, because only the write
  /// transaction sees every other write.
  @Suite("constraints")
  struct Constraints {
    let admin = ConformanceCallers.admin

    @Test(
      "a speaker's name or alias held by another speaker is ALREADY_EXISTS naming the owner",
      arguments: StoreUnderTest.all)
    func duplicateNames(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let peskov = try await ledger.createSpeaker(
          Make.speaker("Dmitry Peskov", aliases: ["Дмитрий Песков"]), caller: admin)
        let before = try await store.lastSequence()
        // The name again, in another case: names are one per ledger, ignoring case.
        for (request, field) in [
          (Make.speaker("DMITRY PESKOV"), "speaker.name"),
          (Make.speaker("дмитрий песков"), "speaker.name"),
          (Make.speaker("Dmitri Peskov", aliases: ["Peskov", "Дмитрий Песков"]), "speaker.aliases[1]"),
        ] {
          let error = await ledgerError { _ = try await ledger.createSpeaker(request, caller: admin) }
          #expect(error?.code == .alreadyExists, "\(request.speaker!.name)")
          #expect(error?.field == field)
          #expect(error?.resource == peskov.id)
          #expect(error?.message.contains(peskov.id) == true, "\(error?.message ?? "")")
        }
        // Nor may another speaker take it by an update or a new alias.
        let putin = try await ledger.createSpeaker(Make.speaker("Vladimir Putin"), caller: admin)
        let alias = await ledgerError {
          _ = try await ledger.addSpeakerAlias(Requests.alias(putin.id, "Дмитрий Песков"), caller: admin)
        }
        #expect(alias?.code == .alreadyExists)
        #expect(alias?.resource == peskov.id)
        var rename = UpdateSpeakerRequest()
        rename.speaker = putin
        rename.speaker!.name = "dmitry peskov"
        rename.updateMask = FieldMask(paths: ["name"])
        let renamed = await ledgerError { _ = try await ledger.updateSpeaker(rename, caller: admin) }
        #expect(renamed?.code == .alreadyExists)
        #expect(renamed?.resource == peskov.id)
        // Refused writes leave no trace.
        #expect(try await store.lastSequence() == before + 1)
        // A speaker's own names may be written again (an update that keeps them).
        var keep = UpdateSpeakerRequest()
        keep.speaker = peskov
        keep.speaker!.role = "Press Secretary of the President"
        keep.updateMask = FieldMask(paths: ["role", "name", "aliases"])
        #expect(try await ledger.updateSpeaker(keep, caller: admin).role == "Press Secretary of the President")
      }
    }

    @Test("concurrent speakers of one name: exactly one is created", arguments: StoreUnderTest.all)
    func concurrentDuplicateNames(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store async throws in
        let outcomes = await withTaskGroup(of: LedgerError?.self) { group in
          for index in 0..<8 {
            group.addTask {
              await ledgerError {
                let name = index.isMultiple(of: 2) ? "Ramzan Kadyrov" : "RAMZAN KADYROV"
                _ = try await ledger.createSpeaker(Make.speaker(name), caller: ConformanceCallers.admin)
              }
            }
          }
          return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.compactMap { $0?.code }.allSatisfy { $0 == .alreadyExists }, "\(outcomes)")
        #expect(try await store.lastSequence() == 1)
        var list = ListSpeakersRequest()
        list.nameContains = "kadyrov"
        #expect(try await ledger.listSpeakers(list, caller: admin).speakers.count == 1)
      }
    }

    @Test("a claim needs a speaker that exists and was not merged away", arguments: StoreUnderTest.all)
    func claimSpeaker(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let kadyrov = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: admin)
        let duplicate = try await ledger.createSpeaker(Make.speaker("Рамзан Кадыров"), caller: admin)
        _ = try await ledger.mergeSpeakers(Requests.merge(duplicate.id, into: kadyrov.id), caller: admin)
        let before = try await store.lastSequence()
        // The ledger looks the speaker up first…
        let missing = await ledgerError {
          _ = try await ledger.createClaim(
            Make.claim(Material.noGays, speaker: "spk_0000000000zzzzzz", said: "2017-07"), caller: admin)
        }
        #expect(missing?.code == .notFound)
        #expect(missing?.field == "claim.speaker_id")
        // …and the write checks again, in its transaction: a speaker deleted or merged meanwhile counts.
        var claim = Claim()
        claim.id = ResourceID.make("clm")
        claim.speakerID = "spk_0000000000zzzzzz"
        claim.text = Material.noGays
        claim.saidOn = Make.date("2017-07")
        claim.state = .active
        claim.revision = 1
        let audit = AuditDraft(
          actor: admin.unixUser, method: "gainsay.v1.Ledger/CreateClaim", action: .create, time: Timestamp(date: .now))
        let direct = await ledgerError { _ = try await store.insert(claim, audit: audit) }
        #expect(direct?.code == .notFound)
        #expect(direct?.field == "claim.speaker_id")
        claim.speakerID = duplicate.id
        let merged = await ledgerError { _ = try await store.insert(claim, audit: audit) }
        #expect(merged?.code == .failedPrecondition)
        #expect(merged?.resource == kadyrov.id)
        #expect(merged?.message.contains(kadyrov.id) == true)
        #expect(try await store.get(Claim.self, id: claim.id) == nil)
        #expect(try await store.lastSequence() == before)
        // Through the ledger, a merged speaker's id is followed to the speaker it was merged into.
        let redirected = try await ledger.createClaim(
          Make.claim(Material.noGays, speaker: duplicate.id, said: "2017-07"), caller: admin
        ).claim!
        #expect(redirected.speakerID == kadyrov.id)
      }
    }

    @Test("one active link per claim, target, relation and passage", arguments: StoreUnderTest.all)
    func duplicateLinks(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        let claim = room.claims["noGays"]!.id
        let source = room.sources["pinkNews"]!.id
        let first = try await ledger.createLink(
          Make.link(claim, source: source, .contradicts, quote: "gay men lived in the region"), caller: admin)
        let before = try await store.lastSequence()
        let again = await ledgerError {
          _ = try await ledger.createLink(
            Make.link(claim, source: source, .contradicts, quote: "gay men lived in the region"), caller: admin)
        }
        #expect(again?.code == .alreadyExists)
        #expect(again?.resource == first.id)
        #expect(again?.message.contains(first.id) == true)
        #expect(try await store.lastSequence() == before)
        // Another relation, another passage, or another claim is another link.
        _ = try await ledger.createLink(
          Make.link(claim, source: source, .context, quote: "gay men lived in the region"), caller: admin)
        _ = try await ledger.createLink(
          Make.link(claim, source: source, .contradicts, quote: "“fake Chechens”"), caller: admin)
        _ = try await ledger.createLink(
          Make.link(claim, claimTarget: room.claims["doNotExist"]!.id, .repeats, quote: "don’t exist"), caller: admin)
        let repeated = await ledgerError {
          _ = try await ledger.createLink(
            Make.link(claim, claimTarget: room.claims["doNotExist"]!.id, .repeats, quote: "don’t exist"), caller: admin)
        }
        #expect(repeated?.code == .alreadyExists)
        // Once withdrawn, the same link may be made again.
        _ = try await ledger.withdrawLink(Requests.withdrawLink(first.id, "quoted in the wrong place"), caller: admin)
        let remade = try await ledger.createLink(
          Make.link(claim, source: source, .contradicts, quote: "gay men lived in the region"), caller: admin)
        #expect(remade.id != first.id)
      }
    }

    @Test(
      "a link's passage must occur in its source's text, as it is when the link is written",
      arguments: StoreUnderTest.all)
    func quotesOccur(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        let claim = room.claims["noGays"]!.id
        let source = room.sources["pinkNews"]!.id
        // Pasted with straight quotes and an ordinary space: stored as the archived text has it.
        let link = try await ledger.createLink(
          Make.link(claim, source: source, .supports, quote: "\"We don't have any gays."), caller: admin)
        #expect(link.quote?.exact == "“We don’t have any gays.")
        let spaced = try await ledger.createLink(
          Make.link(claim, source: source, .context, quote: "authorities in Chechnya – an autonomous region"),
          caller: admin)
        #expect(spaced.quote?.exact == "authorities in Chechnya\u{00A0}– an autonomous region")
        let stored = try await store.get(Link.self, id: link.id)
        #expect(stored == link)
        let before = try await store.lastSequence()
        let absent = await ledgerError {
          _ = try await ledger.createLink(
            Make.link(claim, source: source, .contradicts, quote: "We have absolutely normal relations"), caller: admin)
        }
        #expect(absent?.code == .invalidArgument)
        #expect(absent?.field == "link.quote.exact")
        // The store checks it again where it writes the link: a text changed since the ledger read it counts.
        var forged = link
        forged.id = ResourceID.make("lnk")
        forged.relation = .contradicts
        forged.quote?.exact = "We have absolutely normal relations"
        let audit = AuditDraft(
          actor: admin.unixUser, method: "gainsay.v1.Ledger/CreateLink", action: .create, time: Timestamp(date: .now))
        let direct = await ledgerError { _ = try await store.insert(forged, audit: audit) }
        #expect(direct?.code == .failedPrecondition)
        #expect(direct?.field == "link.quote.exact")
        #expect(direct?.resource == source)
        #expect(try await store.get(Link.self, id: forged.id) == nil)
        #expect(try await store.lastSequence() == before)
      }
    }

    @Test(
      "a claim's new text must still hold the words other claims' links quote from it", arguments: StoreUnderTest.all)
    func quotedClaimText(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        let quoted = room.claims["doNotExist"]!.id
        let link = try await ledger.createLink(
          Make.link(room.claims["karimov"]!.id, claimTarget: quoted, .repeats, quote: "people who just don't exist"),
          caller: admin)
        #expect(link.quote?.exact == "people who just don’t exist")
        let before = try await store.lastSequence()
        let error = await ledgerError {
          _ = try await ledger.updateClaim(
            Requests.updateText(quoted, "You cannot arrest people who do not exist.", reason: "retyped"), caller: admin)
        }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.field == "claim.text")
        #expect(error?.message.contains(link.id) == true)
        #expect(try await store.lastSequence() == before)
        // A new text that still holds the words is fine, and so is any text once the link is withdrawn.
        _ = try await ledger.updateClaim(
          Requests.updateText(quoted, "They repress people who just don’t exist.", reason: "retyped"), caller: admin)
        _ = try await ledger.withdrawLink(Requests.withdrawLink(link.id, "not a repeat"), caller: admin)
        let updated = try await ledger.updateClaim(
          Requests.updateText(quoted, "You cannot arrest people who do not exist.", reason: "retyped"), caller: admin)
        #expect(updated.revision == 3)
      }
    }

    @Test("an update that fails in its change closure writes nothing", arguments: StoreUnderTest.all)
    func failedChange(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        let id = room.claims["noGays"]!.id
        _ = try await ledger.retractClaim(Requests.retract(id, "recorded twice"), caller: admin)
        let before = try await store.lastSequence()
        let again = await ledgerError {
          _ = try await ledger.retractClaim(Requests.retract(id, "recorded twice"), caller: admin)
        }
        #expect(again?.code == .failedPrecondition)
        let update = await ledgerError {
          _ = try await ledger.updateClaim(Requests.updateText(id, "We have no gays", reason: "typo"), caller: admin)
        }
        #expect(update?.code == .failedPrecondition)
        let absent = await ledgerError {
          _ = try await ledger.retractClaim(Requests.retract("clm_0000000000zzzzzz", "gone"), caller: admin)
        }
        #expect(absent?.code == .notFound)
        #expect(try await store.lastSequence() == before)
        #expect(try await ledger.getClaim(Requests.get(id), caller: admin).revision == 2)
      }
    }
  }
}
