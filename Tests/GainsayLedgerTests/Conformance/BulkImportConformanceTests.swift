import Foundation
import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// A large import batch, as `gainsay import` sends them: a store may write its many new claims together
  /// (PostgreSQL does, a statement per table), but every claim must come out as if written one at a time.
  @Suite("large import batches")
  struct BulkImport {
    let admin = ConformanceCallers.admin

    var importDraft: AuditDraft { Transfer().importDraft }

    static let texts = [Material.noGays, Material.notPeople, Material.doNotExist, Material.karimov]

    @Test(
      "300 claims around a new speaker: in order, contiguous events, readable, listed, searchable",
      arguments: StoreUnderTest.all)
    func manyClaims(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let before = try await store.lastSequence()
        let kadyrov = Transfer.speaker("Ramzan Kadyrov", aliases: ["Рамзан Кадыров"])
        let karimov = Transfer.speaker("Alvi Karimov", aliases: ["Альви Каримов"])
        var created = [Resource(kadyrov)]
        var claims: [Claim] = []
        for index in 0..<300 {
          // The second speaker arrives in the middle of the run of claims.
          if index == 150 { created.append(Resource(karimov)) }
          var claim = Transfer.claim(
            "\(Self.texts[index % 4]) (\(index))", by: index < 150 ? kadyrov.id : karimov.id,
            said: "2017-0\(1 + index % 9)")
          claim.topics = index % 3 == 0 ? ["lgbt", "chechnya"] : ["chechnya"]
          claim.context = "Interview № \(index)\u{00A0}— HBO"
          claims.append(claim)
          created.append(Resource(claim))
        }
        let events = try await store.importBatch(created: created, updated: [], audit: importDraft)
        #expect(events.map(\.sequence) == Array((before + 1)...(before + Int64(created.count))))
        #expect(events.map(\.resourceID) == created.map(\.typeAndID.1))
        #expect(try await store.auditEvents(Requests.auditQuery(after: before, limit: 1000)) == events)
        for (index, claim) in claims.enumerated() where index % 37 == 0 {
          guard let stored = try await store.get(Claim.self, id: claim.id) else {
            Issue.record("claim \(index) is missing")
            continue
          }
          #expect(stored.text == claim.text && stored.topics == claim.topics && stored.context == claim.context)
          #expect(stored.saidOn == claim.saidOn && stored.revision == 1 && stored.speakerID == claim.speakerID)
          var revisions = ListClaimRevisionsRequest()
          revisions.claimID = claim.id
          #expect(try await ledger.listClaimRevisions(revisions, caller: admin).revisions.map(\.revision) == [1])
        }
        var lgbt = ListClaimsRequest()
        lgbt.topic = "lgbt"
        lgbt.pageSize = 1000
        #expect(try await ledger.listClaims(lgbt, caller: admin).claims.count == 100)
        var bySpeaker = ListClaimsRequest()
        bySpeaker.speakerID = karimov.id
        bySpeaker.pageSize = 1000
        #expect(try await ledger.listClaims(bySpeaker, caller: admin).claims.count == 150)
        // Found by the speaker's Cyrillic alias and by a word of the text and of the context.
        let found = try await ledger.search(Requests.search("Каримов devils", speaker: ""), caller: admin)
        let karimovsDevils = Set(claims.filter { $0.speakerID == karimov.id && $0.text.contains("devils") }.map(\.id))
        #expect(!found.isEmpty && found.allSatisfy { karimovsDevils.contains($0.resourceID) })
        #expect(!(try await ledger.search(Requests.search("interview"), caller: admin)).isEmpty)
      }
    }

    @Test(
      "an import's change of a speaker that changed since the import read it is refused, not written over",
      arguments: StoreUnderTest.all)
    func staleFillRefused(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let kadyrov = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: admin)
        // The import read revision 1 and filled it (revision 2) …
        var filled = kadyrov
        filled.role = "Head of the Chechen Republic"
        filled.revision = 2
        // … while an editor changed the speaker (now revision 2).
        var edit = UpdateSpeakerRequest()
        edit.speaker = kadyrov
        edit.speaker?.affiliation = "United Russia"
        edit.updateMask = FieldMask(paths: ["affiliation"])
        edit.reason = "party membership"
        _ = try await ledger.updateSpeaker(edit, caller: admin)
        let before = try await store.lastSequence()
        let refused = await ledgerError {
          _ = try await store.importBatch(
            created: [Resource(Transfer.claim(Material.noGays, by: kadyrov.id, said: "2017"))],
            updated: [Resource(filled)], readRevisions: [kadyrov.id: 1], audit: importDraft)
        }
        #expect(refused?.code == .failedPrecondition)
        #expect(refused?.resource == kadyrov.id)
        #expect(refused?.message.contains("changed while the import ran") == true, "\(refused?.message ?? "")")
        #expect(try await store.lastSequence() == before, "nothing of the batch was written")
        let kept = try await store.get(Speaker.self, id: kadyrov.id)
        #expect(kept?.affiliation == "United Russia" && kept?.role.isEmpty == true)
        // Read again at the current revision, the change goes through.
        filled = kept!
        filled.role = "Head of the Chechen Republic"
        filled.revision += 1
        _ = try await store.importBatch(
          created: [], updated: [Resource(filled)], readRevisions: [kadyrov.id: kept!.revision], audit: importDraft)
        #expect(try await store.get(Speaker.self, id: kadyrov.id)?.role == "Head of the Chechen Republic")
      }
    }

    @Test("a claim of a merged speaker deep in a run refuses the whole batch", arguments: StoreUnderTest.all)
    func mergedSpeakerInRun(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let kadyrov = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: admin)
        let duplicate = try await ledger.createSpeaker(Make.speaker("R. Kadyrov"), caller: admin)
        _ = try await ledger.mergeSpeakers(Requests.merge(duplicate.id, into: kadyrov.id), caller: admin)
        let before = try await store.lastSequence()
        var created: [Resource] = []
        for index in 0..<50 {
          created.append(
            Resource(Transfer.claim("\(Material.noGays) \(index)", by: index == 41 ? duplicate.id : kadyrov.id, said: "2017")))
        }
        let refused = await ledgerError {
          _ = try await store.importBatch(created: created, updated: [], audit: importDraft)
        }
        #expect(refused?.code == .failedPrecondition)
        #expect(refused?.resource == kadyrov.id)
        #expect(try await store.lastSequence() == before)
        var all = ListClaimsRequest()
        all.pageSize = 1000
        #expect(try await ledger.listClaims(all, caller: admin).claims.isEmpty)
      }
    }
  }
}
