import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// The ranking contract every store keeps (docs/SEARCH.md), so one query ranks the same on each: all the
  /// query's words must match, an exact phrase only as written, claims' own words before their context, the
  /// speakers a query names (in any script) and their claims first, negations that disagree last and
  /// flagged, retracted claims left out; and the suggestions for a query that found nothing.
  @Suite("search")
  struct Search {
    let admin = ConformanceCallers.admin

    func search(_ ledger: Ledger, _ request: SearchRequest) async throws -> [SearchHit] {
      try await ledger.search(request, caller: admin)
    }

    @Test(
      "an exact phrase matches only as written; loose words need every word, in the text before the context",
      arguments: StoreUnderTest.all)
    func phrases(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        // The words of Kadyrov's claim, in another order and form, in another claim's text…
        let reordered = try await ledger.createClaim(
          Make.claim(
            "Gays? We don’t have any here, and any there are we take to Canada", speaker: room.speakers["karimov"]!.id,
            said: "2017-07"), caller: admin
        ).claim!
        // …and only in the context of a third.
        let inContext = try await ledger.createClaim(
          Make.claim(
            "This is nonsense.", speaker: room.speakers["kadyrov"]!.id, said: "2017-07",
            context: "Asked about gays in Chechnya, he said they should go to Canada"), caller: admin
        ).claim!
        let exact = try await search(ledger, Requests.search("\"don't have any gays\""))
        #expect(exact.map { room.claimKey($0.resourceID) } == ["noGays"])
        // Typographic quotes, as a word processor or a phone types them, mark a phrase too.
        let curly = try await search(ledger, Requests.search("“don’t have any gays”"))
        #expect(curly.map { room.claimKey($0.resourceID) } == ["noGays"])
        // Loose words: each claim holding all of them, whatever the order; the claims saying them first.
        let loose = try await search(ledger, Requests.search("gays Canada"))
        let ids = loose.map(\.resourceID)
        #expect(Set(ids) == [room.claims["noGays"]!.id, reordered.id, inContext.id])
        #expect(ids.last == inContext.id, "words only in the context rank after words said")
        #expect(loose.map(\.score) == loose.map(\.score).sorted(by: >))
        // A claim holding only some of the words is not a hit.
        #expect(try await search(ledger, Requests.search("gays Sochi")).isEmpty)
        // Word forms: the stem in English and in Russian.
        #expect(try await search(ledger, Requests.search("gay canadian")).isEmpty)
        let russian = try await search(ledger, Requests.search("республика"))
        #expect(russian.map { room.claimKey($0.resourceID) } == ["karimov"])
      }
    }

    @Test("a named speaker, in any script, and their claims come first", arguments: StoreUnderTest.all)
    func namedSpeakerFirst(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        let kadyrovClaims: Set = ["noGays", "notPeople", "doNotExist"]
        // Kadyrov's record has his Latin name only; GLAAD's claim names him in its text.
        for query in ["Kadyrov", "Кадыров", "kadyrov", "Kadirov"] {
          let hits = try await search(ledger, Requests.search(query))
          let keys = hits.map { room.claimKey($0.resourceID) }
          #expect(Set(keys.prefix(3)) == kadyrovClaims, "\(query): \(keys)")
          #expect(hits.prefix(3).allSatisfy { $0.speakerNamed }, "\(query)")
          #expect(keys.dropFirst(3).contains("sanctions"), "\(query): \(keys)")
          #expect(hits.dropFirst(3).allSatisfy { !$0.speakerNamed })
        }
        // With speakers searched too, the speaker himself leads; sources naming him in Cyrillic are found.
        let everything = try await search(ledger, Requests.search("Kadyrov", types: []))
        #expect(everything.first?.resourceType == .speaker)
        #expect(everything.first?.resourceID == room.speakers["kadyrov"]!.id)
        #expect(everything.contains { $0.resourceID == room.sources["russian"]!.id }, "«Кадыров» in a title")
        #expect(everything.contains { $0.resourceID == room.sources["pinkNews"]!.id })
        // A Cyrillic alias found by its Latin spelling, and the other way round.
        let peskov = try await search(ledger, Requests.search("Песков", types: [.speaker, .claim]))
        #expect(peskov.first?.resourceID == room.speakers["peskov"]!.id)
        #expect(peskov.dropFirst().first?.resourceID == room.claims["schedule"]!.id)
        let putin = try await search(ledger, Requests.search("Путин xenophobia"))
        #expect(putin.map { room.claimKey($0.resourceID) } == ["xenophobia"])
        // Only one speaker's claims, when asked; a merged speaker's id is followed.
        let only = try await search(ledger, Requests.search("people", speaker: room.speakers["putin"]!.id))
        #expect(Set(only.map { room.claimKey($0.resourceID) }) == ["xenophobia", "normalRelations"])
        // The hit carries the resource, a snippet and highlights inside it.
        let hit = try #require(try await search(ledger, Requests.search("Canada")).first)
        #expect(hit.resource == Resource(try await ledger.getClaim(Requests.get(hit.resourceID), caller: admin)))
        #expect(hit.snippet.contains("Canada"))
        #expect(!hit.highlights.isEmpty)
      }
    }

    @Test("retracted claims are left out unless asked for", arguments: StoreUnderTest.all)
    func retracted(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        let id = room.claims["doNotExist"]!.id
        #expect(try await search(ledger, Requests.search("repress")).map(\.resourceID) == [id])
        _ = try await ledger.retractClaim(Requests.retract(id, "misattributed"), caller: admin)
        #expect(try await search(ledger, Requests.search("repress")).isEmpty)
        #expect(try await search(ledger, Requests.search("Kadyrov repress")).isEmpty)
        #expect(try await search(ledger, Requests.search("repress", includeRetracted: true)).map(\.resourceID) == [id])
        // An edit is searched by its new words only.
        let schedule = room.claims["schedule"]!.id
        _ = try await ledger.updateClaim(
          Requests.updateText(schedule, "Putin has his own timetable.", reason: "shorter"), caller: admin)
        #expect(try await search(ledger, Requests.search("Obama")).isEmpty)
        #expect(try await search(ledger, Requests.search("timetable")).map(\.resourceID) == [schedule])
      }
    }

    @Test(
      "hits whose negation disagrees with the query's rank after the others, flagged", arguments: StoreUnderTest.all)
    func negations(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        let claims: [(String, String)] = [
          ("work", "Sanctions work when they are enforced"),
          ("notWork", "Sanctions do not work against a country this size"),
          ("ruWork", "Санкции работают, и это видно"),
          ("ruNotWork", "Санкции не работают"),
        ]
        var ids: [String: String] = [:]
        for (key, text) in claims {
          ids[key] = try await ledger.createClaim(
            Make.claim(text, speaker: room.speakers["peskov"]!.id, said: "2014"), caller: admin
          ).claim!.id
        }
        func keys(_ hits: [SearchHit]) -> [String] {
          hits.map { hit in ids.first { $0.value == hit.resourceID }?.key ?? room.claimKey(hit.resourceID) }
        }
        let negated = try await search(ledger, Requests.search("sanctions don't work"))
        #expect(keys(negated) == ["notWork", "work"])
        #expect(negated.map(\.negationMismatch) == [.none, .missing])
        let stated = try await search(ledger, Requests.search("sanctions work"))
        #expect(keys(stated) == ["work", "notWork"])
        #expect(stated.map(\.negationMismatch) == [.none, .added])
        let russian = try await search(ledger, Requests.search("санкции не работают"))
        #expect(keys(russian) == ["ruNotWork", "ruWork"])
        #expect(russian.map(\.negationMismatch) == [.none, .missing])
        // Kadyrov's "They are not people" against a query stating it.
        let people = try await search(ledger, Requests.search("they are people"))
        #expect(people.last.map { room.claimKey($0.resourceID) } == "notPeople")
        #expect(people.last?.negationMismatch == .added)
      }
    }

    @Test("a query that finds nothing gets the closest words and speakers", arguments: StoreUnderTest.all)
    func suggestions(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        #expect(try await search(ledger, Requests.search("xenophobai")).isEmpty)
        var request = SuggestSearchRequest()
        request.query = "xenophobai"
        let word = try await ledger.suggestSearch(request, caller: admin)
        #expect(word.words.map(\.word) == ["xenophobai"])
        #expect(word.words.first?.alternatives.first == "xenophobia")
        #expect(word.query == "xenophobia")
        request.query = "Peskof schedule"
        let speaker = try await ledger.suggestSearch(request, caller: admin)
        #expect(speaker.speakers.map(\.id) == [room.speakers["peskov"]!.id])
        request.query = "республике"
        let found = try await ledger.suggestSearch(request, caller: admin)
        #expect(found.words.isEmpty, "a word that matches needs no suggestion")
        #expect(found.query.isEmpty)
        // Suggestions follow the ledger's changes: a word retracted away is not indexed any more.
        request.query = "timetabel"
        #expect(try await ledger.suggestSearch(request, caller: admin).words.first?.alternatives ?? [] == [])
        _ = try await ledger.updateClaim(
          Requests.updateText(room.claims["schedule"]!.id, "Putin has his own timetable.", reason: "shorter"),
          caller: admin)
        #expect(try await ledger.suggestSearch(request, caller: admin).words.first?.alternatives.first == "timetable")
      }
    }

    @Test("repeats and evidence suggestions find the same candidates", arguments: StoreUnderTest.all)
    func candidates(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        // The same words, other case and punctuation, another speaker: a repeat.
        let repeated = try await ledger.createClaim(
          Make.claim(
            "we don't have any gays; if there are any, take them to canada!", speaker: room.speakers["karimov"]!.id,
            said: "2017-08"), caller: admin)
        #expect(repeated.similarClaims.isEmpty, "another speaker's: found after the reply")
        let unrelated = try await ledger.createClaim(
          Make.claim("The harvest in the region was large", speaker: room.speakers["karimov"]!.id, said: "2017-08"),
          caller: admin)
        // What the daemon's background search does, here by hand.
        while try await ledger.searchPendingRepeats() {}
        let found = try await ledger.listClaimRepeats(Make.repeats(of: repeated.claim!.id), caller: admin)
        #expect(found.searched)
        #expect(found.similarClaims.map { $0.claim?.id } == [room.claims["noGays"]!.id])
        #expect(found.similarClaims.first?.similarity == 1)
        let none = try await ledger.listClaimRepeats(Make.repeats(of: unrelated.claim!.id), caller: admin)
        #expect(none.searched && none.similarClaims.isEmpty)
        // The source that addresses a claim comes first, with its passage.
        var request = SuggestEvidenceRequest()
        request.claimID = room.claims["schedule"]!.id
        let suggestions = try await ledger.suggestEvidence(request, caller: admin)
        #expect(suggestions.first?.source?.id == room.sources["peskov"]!.id)
        // A sentence of it, ready to quote.
        #expect(
          suggestions.first?.passage?.exact == "In this case Putin has his own schedule for this period of time.”")
      }
    }
  }
}
