import Foundation
import GainsayProto
import GainsayRPC
import GainsayServer
import Testing

@testable import GainsayCore

/// Import chunks through the real RPC: one audit event per ImportRecords call (a strict import's too),
/// carrying the file's SHA-256 and lines, seen by a Watch filtered by type.
@Suite("import chunks over RPC")
struct ImportChunkTests {
  static let sha256 = SHA256.hexDigest(Array("quote,who,when\n".utf8))

  @Test("a strict import of two chunks writes two events at FinishImport; Watch by type sees them")
  func strictChunks() async throws {
    try await withLedgerDaemon { client, _ in
      var watch = WatchRequest()
      watch.resourceTypes = [.claim]
      watch.confirmSubscription = true
      var events = client.stream(LedgerService.watch, watch).makeAsyncIterator()
      #expect(try await events.next()?.subscribed == true)

      var begin = BeginImportRequest()
      begin.strict = true
      begin.origin = "chechnya.csv"
      begin.fileSha256 = Self.sha256.uppercased()
      let id = try await client.call(LedgerService.beginImport, begin).importID
      for lines in [Int64(2)...4, 5...7] {
        var request = ImportRecordsRequest()
        request.importID = id
        request.records = lines.map {
          ImportTests.row($0, "«В Чечне нет геев» — statement \($0)", speaker: "Ramzan Kadyrov")
        }
        #expect(try await client.call(LedgerService.importRecords, request).outcomes.allSatisfy { $0.result == .created })
      }
      var finish = FinishImportRequest()
      finish.importID = id
      finish.commit = true
      #expect(try await client.call(LedgerService.finishImport, finish).created == 6)

      var chunks: [ChangeEvent] = []
      while chunks.count < 2, let event = try await events.next() { chunks.append(event) }
      #expect(chunks.map(\.action) == [.import, .import])
      #expect(chunks.map { $0.importChunk?.firstLine ?? 0 } == [2, 5])
      #expect(chunks.map { $0.importChunk?.lastLine ?? 0 } == [4, 7])
      #expect(chunks.allSatisfy { $0.importChunk?.fileSha256 == Self.sha256 && $0.importChunk?.origin == "chechnya.csv" })
      #expect(chunks.allSatisfy { $0.resourceID == id && $0.resource == nil })
      // The speaker the first chunk created is among its records, with its three claims.
      #expect(chunks[0].relatedIds.count == 4 && chunks[0].relatedIds[0].hasPrefix("spk_"))
      #expect(chunks[1].relatedIds.count == 3 && chunks[1].relatedIds.allSatisfy { $0.hasPrefix("clm_") })

      // A claim's history is its chunk's event; its first revision is the record, by the chunk's actor.
      let claimID = chunks[1].relatedIds[1]
      var history = ListAuditEventsRequest()
      history.resourceID = claimID
      var found: [AuditEvent] = []
      for try await event in client.stream(LedgerService.listAuditEvents, history) { found.append(event) }
      #expect(found.map(\.sequence) == [chunks[1].sequence])
      var revisions = ListClaimRevisionsRequest()
      revisions.claimID = claimID
      let first = try await client.call(LedgerService.listClaimRevisions, revisions).revisions
      #expect(first.map(\.revision) == [1] && first.first?.claim?.text == "«В Чечне нет геев» — statement 6")
      #expect(first.first?.reason == "chechnya.csv" && first.first?.time == found.first?.time)
    }
  }

  @Test("a file_sha256 that is not 64 hexadecimal digits is refused")
  func badDigest() async throws {
    try await withLedgerDaemon { client, _ in
      for digest in ["abc", String(repeating: "g", count: 64), String(repeating: "a", count: 65)] {
        var begin = BeginImportRequest()
        begin.fileSha256 = digest
        await #expect(throws: RPCError.self) { _ = try await client.call(LedgerService.beginImport, begin) }
      }
    }
  }
}
