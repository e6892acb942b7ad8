import Foundation
import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// Corrections that change several resources in one transaction: merging a duplicate speaker, and a
  /// source's new text withdrawing the links whose passage it no longer holds.
  @Suite("corrections")
  struct Corrections {
    let admin = ConformanceCallers.admin

    @Test(
      "merging speakers moves names and claims in one transaction, leaving a redirect", arguments: StoreUnderTest.all)
    func merge(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let kadyrov = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: admin)
        let duplicate = try await ledger.createSpeaker(
          Make.speaker("Рамзан Кадыров", aliases: ["Глава Чечни"]), caller: admin)
        let own = try await ledger.createClaim(
          Make.claim(Material.noGays, speaker: kadyrov.id, said: "2017-07"), caller: admin
        ).claim!
        var moved: [Claim] = []
        for text in [Material.notPeople, "У нас нет таких людей, нет геев"] {
          moved.append(
            try await ledger.createClaim(Make.claim(text, speaker: duplicate.id, said: "2017-07"), caller: admin).claim!
          )
        }
        let before = try await store.lastSequence()
        let response = try await ledger.mergeSpeakers(Requests.merge(duplicate.id, into: kadyrov.id), caller: admin)
        #expect(response.movedClaims == 2)
        #expect(response.speaker?.aliases == ["Рамзан Кадыров", "Глава Чечни"])
        #expect(response.duplicate?.mergedInto == kadyrov.id)

        // One MERGE event for the duplicate, naming the kept speaker and the claims; an UPDATE of the kept
        // speaker; one UPDATE (a revision) per claim moved.
        let events = try await store.auditEvents(Requests.auditQuery(after: before))
        #expect(events.map(\.sequence) == Array((before + 1)...(before + 4)))
        #expect(events.map(\.action) == [.merge, .update, .update, .update])
        #expect(events.map(\.resourceID) == [duplicate.id, kadyrov.id] + moved.map(\.id))
        #expect(events[0].relatedIds == [kadyrov.id] + moved.map(\.id))
        #expect(events[0].reason == "the same person")
        for claim in moved {
          let now = try await ledger.getClaim(Requests.get(claim.id), caller: admin)
          #expect(now.speakerID == kadyrov.id)
          #expect(now.revision == 2)
        }
        #expect(try await ledger.getClaim(Requests.get(own.id), caller: admin).revision == 1)

        // The duplicate is a redirect: its id, its names lead to the kept speaker; lists leave it out.
        var get = GetSpeakerRequest()
        for key in [duplicate.id, "Рамзан Кадыров", "глава чечни"] {
          get.id = key
          #expect(try await ledger.getSpeaker(get, caller: admin).id == kadyrov.id, "\(key)")
        }
        #expect(try await ledger.listSpeakers(ListSpeakersRequest(), caller: admin).speakers.map(\.id) == [kadyrov.id])
        var claims = ListClaimsRequest()
        claims.speakerID = duplicate.id
        #expect(
          Set(try await ledger.listClaims(claims, caller: admin).claims.map(\.id)) == Set(moved.map(\.id) + [own.id]))
        // Its names now belong to the kept speaker.
        let taken = await ledgerError {
          _ = try await ledger.createSpeaker(Make.speaker("Рамзан Кадыров"), caller: admin)
        }
        #expect(taken?.code == .alreadyExists)
        #expect(taken?.resource == kadyrov.id)
        #expect(try await store.speakerIDs(named: ["РАМЗАН КАДЫРОВ"]) == ["рамзан кадыров": kadyrov.id])
        // Search finds the moved claims under the kept speaker.
        let hits = try await ledger.search(Requests.search("Kadyrov геев"), caller: admin)
        #expect(hits.first?.resourceID == moved[1].id)
        #expect(hits.first?.speakerNamed == true)

        // A redirect is not merged again, nor changed.
        let again = await ledgerError {
          _ = try await ledger.mergeSpeakers(Requests.merge(duplicate.id, into: kadyrov.id), caller: admin)
        }
        #expect(again?.code == .failedPrecondition)
        let missing = await ledgerError {
          _ = try await ledger.mergeSpeakers(Requests.merge(kadyrov.id, into: "spk_0000000000zzzzzz"), caller: admin)
        }
        #expect(missing?.code == .notFound)
        #expect(missing?.field == "into_id")
        #expect(try await store.lastSequence() == before + 4)
      }
    }

    @Test("a merge that breaks a rule writes nothing", arguments: StoreUnderTest.all)
    func refusedMerge(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let kadyrov = try await ledger.createSpeaker(
          Make.speaker("Ramzan Kadyrov", aliases: (1...47).map { "Kadyrov alias \($0)" }), caller: admin)
        let duplicate = try await ledger.createSpeaker(
          Make.speaker("Рамзан Кадыров", aliases: ["Глава Чечни", "Kadyrov R. A.", "Ramzan Akhmadovich"]),
          caller: admin)
        let claim = try await ledger.createClaim(
          Make.claim(Material.notPeople, speaker: duplicate.id, said: "2017-07"), caller: admin
        ).claim!
        let before = try await store.lastSequence()
        let error = await ledgerError {
          _ = try await ledger.mergeSpeakers(Requests.merge(duplicate.id, into: kadyrov.id), caller: admin)
        }
        #expect(error?.code == .failedPrecondition)
        #expect(try await store.lastSequence() == before)
        #expect(try await ledger.getClaim(Requests.get(claim.id), caller: admin).speakerID == duplicate.id)
        var get = GetSpeakerRequest()
        get.id = duplicate.id
        #expect(try await ledger.getSpeaker(get, caller: admin).mergedInto == "")
        get.id = "Глава Чечни"
        #expect(try await ledger.getSpeaker(get, caller: admin).id == duplicate.id)
      }
    }

    @Test(
      "a source's new text re-anchors its links, and withdraws those it no longer holds only when asked",
      arguments: StoreUnderTest.all)
    func updateSource(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        let source = room.sources["pinkNews"]!
        let kept = try await ledger.createLink(
          Make.link(room.claims["noGays"]!.id, source: source.id, .supports, quote: "We don’t have any gays."),
          caller: admin)
        let broken = try await ledger.createLink(
          Make.link(room.claims["notPeople"]!.id, source: source.id, .supports, quote: "They are not people"),
          caller: admin)
        var update = UpdateSourceRequest()
        update.source = source
        update.source!.archivedText = Material.pinkNewsTrimmed
        update.updateMask = FieldMask(paths: ["archived_text"])
        update.reason = "the outlet trimmed the page"
        let before = try await store.lastSequence()
        let refused = await ledgerError { _ = try await ledger.updateSource(update, caller: admin) }
        #expect(refused?.code == .failedPrecondition)
        #expect(refused?.field == "source.archived_text")
        #expect(refused?.message.contains(broken.id) == true)
        #expect(refused?.message.contains(kept.id) == false)
        #expect(try await store.lastSequence() == before)
        var full = GetSourceRequest()
        full.id = source.id
        full.view = .full
        #expect(try await ledger.getSource(full, caller: admin).archivedText == Material.pinkNewsText)

        update.withdrawBrokenLinks = true
        let updated = try await ledger.updateSource(update, caller: admin)
        #expect(updated.archivedTextSize == Int64(Material.pinkNewsTrimmed.utf8.count))
        #expect(try await ledger.getSource(full, caller: admin).archivedText == Material.pinkNewsTrimmed)
        // The kept link moved with its passage (an UPDATE), the broken one was withdrawn, then the source
        // changed: in that order, in one transaction.
        let events = try await store.auditEvents(Requests.auditQuery(after: before))
        #expect(events.map(\.sequence) == Array((before + 1)...(before + 3)))
        #expect(events.map(\.resourceID) == [kept.id, broken.id, source.id])
        #expect(events.map(\.action) == [.update, .withdraw, .update])
        #expect(events[1].reason.contains("the outlet trimmed the page"))
        var getLink = GetLinkRequest()
        getLink.id = broken.id
        let withdrawn = try await ledger.getLink(getLink, caller: admin)
        #expect(withdrawn.state == .withdrawn)
        #expect(withdrawn.withdrawalReason.contains("no longer occurs"))
        getLink.id = kept.id
        let moved = try await ledger.getLink(getLink, caller: admin)
        #expect(moved.state == .active)
        #expect(moved.quote?.exact == "We don’t have any gays.")
        let start = Material.pinkNewsTrimmed.unicodeScalars.distance(
          from: Material.pinkNewsTrimmed.unicodeScalars.startIndex,
          to: Material.pinkNewsTrimmed.range(of: "We don’t have any gays.")!.lowerBound)
        #expect(moved.quote?.start == Int64(start))
        // Search sees the new text only.
        #expect(try await ledger.search(Requests.search("devils", types: [.source]), caller: admin).isEmpty)
        #expect(
          try await ledger.search(Requests.search("Canada", types: [.source]), caller: admin).map(\.resourceID)
            == [source.id])
      }
    }
  }
}
