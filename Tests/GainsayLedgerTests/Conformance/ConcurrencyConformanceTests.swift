import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// Reads that see one state while writes go on, and writes that all land when many arrive at once.
  @Suite("snapshots and group commit")
  struct Concurrency {
    let admin = ConformanceCallers.admin

    @Test("a report's reads all see the ledger as it was when the report began", arguments: StoreUnderTest.all)
    func snapshotReads(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        let kadyrov = room.speakers["kadyrov"]!.id
        let noGays = room.claims["noGays"]!.id
        var filter = ClaimFilter()
        filter.speakerID = kadyrov
        let kadyrovClaims = Set(["noGays", "notPeople", "doNotExist"].map { room.claims[$0]!.id })
        let (during, seen) = try await store.readReport { reader in
          let keys = Set(try await reader.claimKeys(filter, limit: 100).map(\.id))
          // Writes committed while the report is open: a new claim, an edit, a retraction, new evidence,
          // a verdict and a renamed speaker.
          _ = try await ledger.createClaim(
            Make.claim("Chechnya is a peaceful republic", speaker: kadyrov, said: "2017-08"), caller: admin)
          _ = try await ledger.updateClaim(
            Requests.updateText(noGays, Material.noGays + " Praise be to God.", reason: "fuller"), caller: admin)
          _ = try await ledger.retractClaim(
            Requests.retract(room.claims["doNotExist"]!.id, "misattributed"), caller: admin)
          _ = try await ledger.createLink(
            Make.link(noGays, source: room.sources["pinkNews"]!.id, .contradicts, quote: "gay men lived in the region"),
            caller: admin)
          _ = try await ledger.createVerdict(Make.verdict(noGays, "false"), caller: admin)
          _ = try await ledger.addSpeakerAlias(Requests.alias(kadyrov, "Рамзан Кадыров"), caller: admin)
          // All committed: a read outside the report sees them.
          #expect(try await ledger.getClaim(Requests.get(noGays), caller: admin).revision == 2)
          let keysAfter = Set(try await reader.claimKeys(filter, limit: 100).map(\.id))
          let claims = try await reader.claims(ids: Array(kadyrovClaims))
          let speakers = try await reader.speakers(ids: [kadyrov])
          let evidence = try await reader.evidence(for: Array(claims.values))
          return (
            (keys: keysAfter, claims: claims, speakers: speakers, evidence: evidence),
            keys
          )
        }
        #expect(seen == kadyrovClaims)
        #expect(during.keys == kadyrovClaims, "the new claim and the retraction are not in the snapshot")
        #expect(during.claims[noGays]?.text == Material.noGays)
        #expect(during.claims[noGays]?.revision == 1)
        #expect(during.claims[noGays]?.evidence?.contradicting == 0)
        #expect(during.claims[noGays]?.latestRating == "")
        #expect(during.claims[room.claims["doNotExist"]!.id]?.state == .active)
        #expect(during.speakers[kadyrov]?.aliases == [])
        #expect(during.evidence.links[noGays, default: []].isEmpty)
        #expect(during.evidence.latestVerdicts[noGays] == nil)
        // A new report sees everything.
        let after = try await store.readReport { reader in
          (try await reader.claimKeys(filter, limit: 100).count, try await reader.claims(ids: [noGays])[noGays])
        }
        #expect(after.0 == 3)
        #expect(after.1?.revision == 2)
        #expect(after.1?.evidence?.contradicting == 1)
        #expect(after.1?.latestRating == "false")
      }
    }

    @Test(
      "a report's evidence: links from either end, latest verdicts, sources, related claims, speakers",
      arguments: StoreUnderTest.all)
    func reportEvidence(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        let noGays = room.claims["noGays"]!.id
        let karimov = room.claims["karimov"]!.id
        let source = room.sources["pinkNews"]!.id
        let quoted = try await ledger.createLink(
          Make.link(noGays, source: source, .contradicts, quote: "gay men lived in the region"), caller: admin)
        let repeats = try await ledger.createLink(Make.link(karimov, claimTarget: noGays, .repeats), caller: admin)
        let withdrawn = try await ledger.createLink(
          Make.link(noGays, source: source, .context, quote: "“fake Chechens”"), caller: admin)
        _ = try await ledger.withdrawLink(Requests.withdrawLink(withdrawn.id, "off topic"), caller: admin)
        _ = try await ledger.createVerdict(Make.verdict(noGays, "pants on fire"), caller: admin)
        let latest = try await ledger.createVerdict(Make.verdict(noGays, "false"), caller: admin)
        let evidence = try await store.readReport { reader in
          try await reader.evidence(for: Array(try await reader.claims(ids: [noGays]).values))
        }
        #expect(evidence.links[noGays]?.map(\.id) == [quoted.id, repeats.id])
        #expect(evidence.latestVerdicts[noGays]?.id == latest.id)
        #expect(evidence.sources[source]?.title == Material.pinkNewsTitle)
        #expect(evidence.sources[source]?.archivedText == "", "a report's sources come without their text")
        #expect(evidence.relatedClaims[karimov]?.text == Material.karimov)
        #expect(Set(evidence.speakers.keys) == [room.speakers["kadyrov"]!.id, room.speakers["karimov"]!.id])
      }
    }

    @Test("many creates at once: every one acknowledged is stored and audited once", arguments: StoreUnderTest.all)
    func groupCommit(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let peskov = try await ledger.createSpeaker(Make.speaker("Dmitry Peskov"), caller: admin)
        let count = 64
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
          for index in 0..<count {
            group.addTask {
              try await ledger.createClaim(
                Make.claim(
                  "Песков: «Это расписание Обамы» (\(index))", speaker: peskov.id, said: "2013-08-\(10 + index % 20)"),
                caller: ConformanceCallers.admin
              ).claim!.id
            }
          }
          return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(ids).count == count)
        for id in ids { #expect(try await store.get(Claim.self, id: id) != nil, "\(id)") }
        var request = ListClaimsRequest()
        request.speakerID = peskov.id
        request.pageSize = 1000
        #expect(Set(try await ledger.listClaims(request, caller: admin).claims.map(\.id)) == Set(ids))
        let events = try await store.allAuditEvents()
        #expect(events.map(\.sequence) == Array(1...Int64(count + 1)))
        #expect(Set(events.dropFirst().map(\.resourceID)) == Set(ids))
        #expect(events.dropFirst().allSatisfy { $0.action == .create })
        // Each also has its first revision.
        var revisions = ListClaimRevisionsRequest()
        revisions.claimID = ids[count / 2]
        #expect(try await ledger.listClaimRevisions(revisions, caller: admin).revisions.map(\.revision) == [1])
      }
    }

    @Test(
      "concurrent writes, one refused among them: the others land, the refused one leaves nothing",
      arguments: StoreUnderTest.all)
    func refusedAmongMany(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store async throws in
        let kadyrov = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: admin)
        let outcomes = await withTaskGroup(of: (Int, LedgerError?).self) { group in
          for index in 0..<16 {
            group.addTask {
              (
                index,
                await ledgerError {
                  // Every fourth write names a speaker that another write of the batch already holds.
                  let name = index.isMultiple(of: 4) ? "Ramzan Kadyrov" : "Speaker \(index)"
                  _ = try await ledger.createSpeaker(Make.speaker(name), caller: ConformanceCallers.admin)
                }
              )
            }
          }
          return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0.1 != nil }.map(\.0).sorted() == [0, 4, 8, 12])
        #expect(outcomes.compactMap { $0.1?.resource }.allSatisfy { $0 == kadyrov.id })
        let events = try await store.allAuditEvents()
        #expect(events.map(\.sequence) == Array(1...13))
      }
    }
  }
}
