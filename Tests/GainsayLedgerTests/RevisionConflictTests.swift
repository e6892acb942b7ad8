import Foundation
import GainsayCore
import GainsayProto
import GainsayRPC
import Testing

/// No silent overwrites: an update that names the revision it was based on is refused once the record has
/// changed since, for claims, speakers and sources, and the refusal names both revisions.
@Suite("updates based on an old revision are refused")
struct RevisionConflictTests {
  @Test("two journalists correct one claim: the second, based on the old revision, is refused")
  func claimConflict() async throws {
    try await withLedgerDaemon { client, _ in
      let kadyrov = try await client.call(LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov"))
      let created = try await client.call(
        LedgerService.createClaim, Make.claim("We don\u{2019}t have any gays", speaker: kadyrov.id, said: "2017-07"))
      let claim = try #require(created.claim)
      #expect(claim.revision == 1)

      func edit(_ context: String, basedOn revision: Int32) -> UpdateClaimRequest {
        var change = Claim()
        change.id = claim.id
        change.context = context
        var request = UpdateClaimRequest()
        request.claim = change
        request.updateMask = FieldMask(paths: ["context"])
        request.reason = "context"
        request.expectedRevision = revision
        return request
      }
      // Both read revision 1; the first to write wins.
      let first = try await client.call(LedgerService.updateClaim, edit("HBO Real Sports", basedOn: 1))
      #expect(first.revision == 2)
      let second = await rpcError {
        _ = try await client.call(LedgerService.updateClaim, edit("Interview", basedOn: 1))
      }
      #expect(second?.code == .failedPrecondition)
      #expect(second?.message.contains("revision 2, not revision 1") == true)
      #expect(second?.message.contains(claim.id) == true)
      // Nothing changed: the first journalist's context stands, and no revision was added.
      var get = GetClaimRequest()
      get.id = claim.id
      let stored = try await client.call(LedgerService.getClaim, get)
      #expect(stored.context == "HBO Real Sports" && stored.revision == 2)
      // Based on the revision now stored, the change applies; 0 means no check.
      #expect(try await client.call(LedgerService.updateClaim, edit("Interview", basedOn: 2)).revision == 3)
      #expect(try await client.call(LedgerService.updateClaim, edit("HBO", basedOn: 0)).revision == 4)
      let negative = await rpcError { _ = try await client.call(LedgerService.updateClaim, edit("x", basedOn: -1)) }
      #expect(negative?.code == .invalidArgument)
    }
  }

  @Test("speakers and sources count revisions and refuse stale updates")
  func speakerAndSourceConflict() async throws {
    try await withLedgerDaemon { client, _ in
      let peskov = try await client.call(LedgerService.createSpeaker, Make.speaker("Dmitry Peskov"))
      #expect(peskov.revision == 1)
      var alias = AddSpeakerAliasRequest()
      alias.speakerID = peskov.id
      alias.alias = "Дмитрий Песков"
      #expect(try await client.call(LedgerService.addSpeakerAlias, alias).revision == 2)
      var change = Speaker()
      change.id = peskov.id
      change.role = "Kremlin spokesman"
      var update = UpdateSpeakerRequest()
      update.speaker = change
      update.updateMask = FieldMask(paths: ["role"])
      update.expectedRevision = 1
      let stale = await rpcError { _ = try await client.call(LedgerService.updateSpeaker, update) }
      #expect(stale?.code == .failedPrecondition)
      #expect(stale?.message.contains("speaker \(peskov.id) is at revision 2, not revision 1") == true)
      update.expectedRevision = 2
      let updated = try await client.call(LedgerService.updateSpeaker, update)
      #expect(updated.revision == 3 && updated.role == "Kremlin spokesman")

      let source = try await client.call(
        LedgerService.createSource, Make.source("Chechnya detentions", outlet: "Novaya Gazeta", text: "Men detained."))
      #expect(source.revision == 1)
      var title = Source()
      title.id = source.id
      title.title = "Murder of gay men in Chechnya"
      var sourceUpdate = UpdateSourceRequest()
      sourceUpdate.source = title
      sourceUpdate.updateMask = FieldMask(paths: ["title"])
      sourceUpdate.expectedRevision = 1
      #expect(try await client.call(LedgerService.updateSource, sourceUpdate).revision == 2)
      let staleSource = await rpcError { _ = try await client.call(LedgerService.updateSource, sourceUpdate) }
      #expect(staleSource?.code == .failedPrecondition)
      #expect(staleSource?.message.contains("source \(source.id) is at revision 2, not revision 1") == true)
    }
  }

  @Test("concurrent updates based on one revision: exactly one lands")
  func concurrentConflict() async throws {
    try await withLedgerDaemon { client, _ in
      let speaker = try await client.call(LedgerService.createSpeaker, Make.speaker("Maria Zakharova"))
      let created = try await client.call(
        LedgerService.createClaim, Make.claim("No one was detained", speaker: speaker.id, said: "2017-04"))
      let id = try #require(created.claim?.id)
      let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
        for index in 0..<8 {
          group.addTask {
            var change = Claim()
            change.id = id
            change.context = "briefing \(index)"
            var request = UpdateClaimRequest()
            request.claim = change
            request.updateMask = FieldMask(paths: ["context"])
            request.reason = "context"
            request.expectedRevision = 1
            return await rpcError { _ = try await client.call(LedgerService.updateClaim, request) } == nil
          }
        }
        return try await group.reduce(into: [Bool]()) { $0.append($1) }
      }
      #expect(outcomes.filter { $0 }.count == 1)
      var get = GetClaimRequest()
      get.id = id
      #expect(try await client.call(LedgerService.getClaim, get).revision == 2)
    }
  }
}
