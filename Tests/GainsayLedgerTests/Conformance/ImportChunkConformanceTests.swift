import Foundation
import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// An import chunk is a bulk load: one audit event names every record it created, each record's
  /// history finds that event, and a claim's first revision is the record itself until it changes.
  @Suite("import chunks")
  struct ImportChunks {
    let admin = ConformanceCallers.admin

    var chunkDraft: AuditDraft {
      var draft = Transfer().importDraft
      var chunk = ImportChunk()
      chunk.importID = "imp_01test"
      chunk.origin = "liar/train.tsv"
      chunk.fileSha256 = String(repeating: "ab", count: 32)
      chunk.firstLine = 2
      chunk.lastLine = 41
      draft.importChunks = [ImportChunkSpan(chunk: chunk, created: 41)]
      return draft
    }

    @Test("one event names every record; histories and first revisions come from it", arguments: StoreUnderTest.all)
    func oneEventPerChunk(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let before = try await store.lastSequence()
        let speaker = Transfer.speaker("Ramzan Kadyrov", aliases: ["Рамзан Кадыров"])
        var created = [Resource(speaker)]
        for index in 0..<40 {
          created.append(Resource(Transfer.claim("“We don’t have any gays” (\(index))", by: speaker.id, said: "2017-07")))
        }
        let ids = created.map(\.typeAndID.1)
        let events = try await store.importBatch(created: created, updated: [], audit: chunkDraft)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.sequence == before + 1 && event.action == .import)
        #expect(event.relatedIds == ids)
        #expect(event.resourceID == "imp_01test" && event.resourceType == .unspecified && event.after == nil)
        #expect(event.importChunk?.origin == "liar/train.tsv" && event.importChunk?.firstLine == 2)
        #expect(event.importChunk?.lastLine == 41 && event.importChunk?.fileSha256.count == 64)
        #expect(try await store.lastSequence() == before + 1, "no event per record")

        // Each record's history begins with the chunk's event.
        var history = AuditQuery()
        history.resourceID = ids[7]
        #expect(try await store.auditEvents(history).map(\.sequence) == [event.sequence])
        history.resourceID = speaker.id
        #expect(try await store.auditEvents(history).map(\.sequence) == [event.sequence])

        // The first revision is the record itself, by the chunk's actor at its time.
        var revisions = ListClaimRevisionsRequest()
        revisions.claimID = ids[7]
        let first = try await ledger.listClaimRevisions(revisions, caller: admin).revisions
        #expect(first.map(\.revision) == [1])
        #expect(first.first?.claim?.text == "“We don’t have any gays” (6)")
        #expect(first.first?.actor == event.actor && first.first?.time == event.time)

        // After a change, revision 1 is still as imported, and the history goes on.
        _ = try await ledger.updateClaim(
          Requests.updateText(ids[7], "We do not have any gays (6)", reason: "the transcript's words"), caller: admin)
        let both = try await ledger.listClaimRevisions(revisions, caller: admin).revisions
        #expect(both.map(\.revision) == [1, 2])
        #expect(both.first?.claim?.text == "“We don’t have any gays” (6)" && both.first?.time == event.time)
        #expect(both.last?.claim?.text == "We do not have any gays (6)")
        history.resourceID = ids[7]
        #expect(try await store.auditEvents(history).map(\.action) == [.import, .update])
      }
    }
  }
}
