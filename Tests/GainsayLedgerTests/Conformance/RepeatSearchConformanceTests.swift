import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// The background search for repeats: resumed from the store's mark after a crash, recorded once when
  /// two daemons search the same claims, and never searching an import's claims.
  @Suite("repeats")
  struct Repeats {
    let editor = ConformanceCallers.editor

    @Test("claims left unsearched by a crash are searched by the next daemon, once", arguments: StoreUnderTest.all)
    func resumedAfterACrash(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let speaker = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: editor)
        let first = try await ledger.createClaim(
          Make.claim("We don't have any gays", speaker: speaker.id, said: "2017-07"), caller: editor)
        let near = try await ledger.createClaim(
          Make.claim("We simply don't have any gays here", speaker: speaker.id, said: "2017-08"), caller: editor)
        // The daemon stopped before its search ran: nothing is recorded, the mark is behind the claim.
        let waited = try await ledger.listClaimRepeats(Make.repeats(of: near.claim!.id), caller: editor)
        #expect(!waited.searched && waited.similarClaims.isEmpty)
        let mark = try await store.repeatSearchMark()
        // The next daemon over the same store resumes from the mark.
        let next = Ledger(store: store)
        #expect(try await next.searchPendingRepeats() == false)
        let found = try await next.listClaimRepeats(Make.repeats(of: near.claim!.id), caller: editor)
        #expect(found.searched)
        #expect(found.similarClaims.map { $0.claim?.id } == [first.claim?.id])
        // The mark is past the claim, before the REPEATS_FOUND event just written (the next search skips it).
        #expect(try await store.repeatSearchMark() == store.lastSequence() - 1)
        // A daemon that read the same claims from the old mark records nothing twice.
        var late = AuditDraft(
          actor: editor.unixUser, method: "gainsay.v1.Ledger/CreateClaim", action: .repeatsFound, time: Timestamp())
        late.relatedIDs = [first.claim!.id]
        #expect(try await store.recordRepeats([(near.claim!.id, late)], searched: mark, through: mark + 2) == nil)
        var history = AuditQuery()
        history.resourceID = near.claim!.id
        #expect(try await store.auditEvents(history).map(\.action) == [.create, .repeatsFound])
      }
    }

    @Test("ListClaimRepeats refuses a wait beyond 2 s and an unknown claim", arguments: StoreUnderTest.all)
    func refusals(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let speaker = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: editor)
        let claim = try await ledger.createClaim(
          Make.claim("We don't have any gays", speaker: speaker.id, said: "2017-07"), caller: editor)
        var request = Make.repeats(of: claim.claim!.id)
        request.waitMs = 2_001
        await #expect(throws: LedgerError.self) { try await ledger.listClaimRepeats(request, caller: editor) }
        request.waitMs = -1
        await #expect(throws: LedgerError.self) { try await ledger.listClaimRepeats(request, caller: editor) }
        await #expect(throws: LedgerError.self) {
          try await ledger.listClaimRepeats(Make.repeats(of: "clm_missing"), caller: editor)
        }
      }
    }
  }
}
