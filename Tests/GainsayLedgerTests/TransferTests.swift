import Foundation
import GainsayProto
import GainsayRPC
import GainsayServer
import GainsayStore
import GainsayTestSupport
import Testing

@testable import GainsayCore

/// Repeated claims, evidence suggestions, export and online backup, through the real RPC.
@Suite("repeats, suggestions, export and backup")
struct TransferTests {
  @Test("a claim's exact repeats come back with CreateClaim; near ones are found after it, and listed")
  func repeatedClaims() async throws {
    try await withLedgerDaemon { client, _ in
      let kadyrov = try await client.call(LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov"))
      let karimov = try await client.call(LedgerService.createSpeaker, Make.speaker("Alvi Karimov"))
      let first = try await client.call(
        LedgerService.createClaim, Make.claim("We don't have any gays", speaker: kadyrov.id, said: "2017-07"))
      #expect(first.similarClaims.isEmpty)
      _ = try await client.call(
        LedgerService.createClaim, Make.claim("Chechnya is a peaceful republic", speaker: kadyrov.id, said: "2016"))

      // The same speaker, the same words in other case and punctuation: an exact repeat, in the reply.
      let again = try await client.call(
        LedgerService.createClaim, Make.claim("We don't have any GAYS!", speaker: kadyrov.id, said: "2017-09"))
      #expect(again.similarClaims.map { $0.claim?.id } == [first.claim?.id])
      #expect(again.similarClaims.first?.similarity == 1)

      // Another speaker: identical after normalisation, found after the reply.
      let same = try await client.call(
        LedgerService.createClaim, Make.claim("we DON'T have any gays!", speaker: karimov.id, said: "2017-04"))
      #expect(same.similarClaims.isEmpty)
      let sameRepeats = try await repeats(of: same.claim!.id, client)
      #expect(sameRepeats.searched)
      #expect(Set(sameRepeats.similarClaims.map { $0.claim!.id }) == [first.claim!.id, again.claim!.id])
      #expect(sameRepeats.similarClaims.allSatisfy { $0.similarity == 1 })

      // Nearly the same.
      let near = try await client.call(
        LedgerService.createClaim,
        Make.claim("We simply don't have any gays here", speaker: kadyrov.id, said: "2017-08"))
      #expect(near.similarClaims.isEmpty)
      let found = try await repeats(of: near.claim!.id, client)
      let scores = Dictionary(uniqueKeysWithValues: found.similarClaims.map { ($0.claim!.id, $0.similarity) })
      #expect((scores[first.claim!.id] ?? 0) >= 0.6 && (scores[first.claim!.id] ?? 1) < 1)
      #expect(found.similarClaims.first?.claim?.text.isEmpty == false, "the repeats are read in full")

      // Unrelated text is not flagged, and the search says it ran.
      let other = try await client.call(
        LedgerService.createClaim, Make.claim("The economy grew last year", speaker: kadyrov.id, said: "2018"))
      let none = try await repeats(of: other.claim!.id, client)
      #expect(none.searched && none.similarClaims.isEmpty)
    }
  }

  @Test("near repeats arrive on Watch as REPEATS_FOUND after the claim's CREATE, and in its history")
  func repeatsOnWatch() async throws {
    try await withLedgerDaemon { client, _ in
      let kadyrov = try await client.call(LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov"))
      let first = try await client.call(
        LedgerService.createClaim, Make.claim("We don't have any gays", speaker: kadyrov.id, said: "2017-07"))
      var watch = WatchRequest()
      watch.resourceTypes = [.claim]
      watch.confirmSubscription = true
      let stream = client.stream(LedgerService.watch, watch)
      var events = stream.makeAsyncIterator()
      #expect(try await events.next()?.subscribed == true)
      let near = try await client.call(
        LedgerService.createClaim,
        Make.claim("We simply don't have any gays here", speaker: kadyrov.id, said: "2017-08"))
      let created = try await events.next()
      #expect(created?.action == .create && created?.resourceID == near.claim?.id)
      let found = try await events.next()
      #expect(found?.action == .repeatsFound && found?.resourceID == near.claim?.id)
      #expect(found?.relatedIds == [first.claim!.id])
      #expect(found?.repeats.first?.claimID == first.claim?.id)
      #expect((found?.repeats.first?.similarity ?? 0) >= Ledger.similarityThreshold)
      #expect((found?.sequence ?? 0) > (created?.sequence ?? .max))
      var history = ListAuditEventsRequest()
      history.resourceID = near.claim!.id
      var actions: [AuditAction] = []
      for try await event in client.stream(LedgerService.listAuditEvents, history) {
        actions.append(event.action)
      }
      #expect(actions == [.create, .repeatsFound])
      // Finding repeats is no revision of the claim.
      var revisions = ListClaimRevisionsRequest()
      revisions.claimID = near.claim!.id
      #expect(try await client.call(LedgerService.listClaimRevisions, revisions).revisions.count == 1)
    }
  }

  private func repeats(of id: String, _ client: RPCClient) async throws -> ListClaimRepeatsResponse {
    var request = ListClaimRepeatsRequest()
    request.claimID = id
    request.waitMs = 2_000
    return try await client.call(LedgerService.listClaimRepeats, request)
  }

  @Test("normalisation and scores")
  func similarityScores() {
    #expect(Similarity.normalised("  We DON'T have—any gays!! ") == "we dont have any gays")
    #expect(Similarity.normalised("Кадыров: «Нет геев»") == "кадыров нет геев")
    #expect(Similarity.score("We don't have any gays", "we dont have any gays.") == 1)
    #expect(Similarity.score("We don't have any gays", "The economy grew") < 0.2)
  }

  @Test("the ASCII fast path normalises exactly as Foundation's folding does")
  func asciiNormalisationMatchesFoundation() {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Array("aZ09 '!-\t\n.,;:\"()[]{}?/\\@#$%^&*_+=~`|<>xQ")
    for _ in 0..<5_000 {
      let text = String(
        (0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
      #expect(Similarity.normalisedASCII(text) == Similarity.normalisedUnicode(text), "\(text.debugDescription)")
    }
    #expect(Similarity.normalisedASCII("café") == nil)
  }

  @Test("evidence suggestions rank the source that addresses the claim first, with its best passage")
  func suggestions() async throws {
    try await withLedgerDaemon { client, _ in
      let speaker = try await client.call(LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov"))
      let claim = try await client.call(
        LedgerService.createClaim,
        Make.claim("We don't have any gays in Chechnya", speaker: speaker.id, said: "2017-07", topics: ["lgbt"])
      ).claim!
      let relevant = try await client.call(
        LedgerService.createSource,
        Make.source(
          "Detentions in Chechnya", outlet: "Novaya Gazeta",
          text:
            "The weather was mild. More than a hundred gay men were detained in Chechnya by the authorities. Prices rose."
        ))
      _ = try await client.call(
        LedgerService.createSource,
        Make.source("Harvest report", outlet: "Farm News", text: "The wheat harvest in the region was large."))
      _ = try await client.call(
        LedgerService.createSource,
        Make.source("Grozny football", outlet: "Sport Daily", text: "Akhmat Grozny won in Chechnya on Sunday."))
      var request = SuggestEvidenceRequest()
      request.claimID = claim.id
      var suggestions: [EvidenceSuggestion] = []
      for try await suggestion in client.stream(LedgerService.suggestEvidence, request) {
        suggestions.append(suggestion)
      }
      #expect(suggestions.first?.source?.id == relevant.id)
      #expect(
        suggestions.first?.passage?.exact == "More than a hundred gay men were detained in Chechnya by the authorities."
      )
      #expect(suggestions.first?.passage?.prefix == "The weather was mild. ")
      #expect(!suggestions.contains { $0.source?.outlet == "Farm News" })
      #expect(suggestions.allSatisfy { $0.source?.archivedText.isEmpty == true }, "suggestions leave the text out")

      // The passage is ready to use as the quote of a link.
      var link = Make.link(claim.id, source: relevant.id, .contradicts)
      link.link!.quote = suggestions.first?.passage
      _ = try await client.call(LedgerService.createLink, link)
    }
  }

  @Test("export: every record, in an order that imports cleanly")
  func export() async throws {
    try await withLedgerDaemon { client, _ in
      let speaker = try await client.call(LedgerService.createSpeaker, Make.speaker("Vladimir Putin"))
      let claim = try await client.call(
        LedgerService.createClaim, Make.claim("Statement", speaker: speaker.id, said: "2013")
      ).claim!
      let source = try await client.call(
        LedgerService.createSource, Make.source("Report", outlet: "HRW", text: "Full text."))
      _ = try await client.call(
        LedgerService.createLink, Make.link(claim.id, source: source.id, .contradicts, quote: "Full text."))
      _ = try await client.call(LedgerService.createVerdict, Make.verdict(claim.id, "false"))
      var retract = RetractClaimRequest()
      retract.id = claim.id
      retract.reason = "duplicate"
      _ = try await client.call(LedgerService.retractClaim, retract)

      var request = ExportRequest()
      request.includeAuditEvents = true
      var kinds: [String] = []
      var exportedSource: Source?
      for try await record in client.stream(LedgerService.export, request) {
        switch record.record {
        case .speaker?: kinds.append("speaker")
        case .source(let value)?:
          kinds.append("source")
          exportedSource = value
        case .claim?: kinds.append("claim")
        case .claimRevision?: kinds.append("revision")
        case .link?: kinds.append("link")
        case .verdict?: kinds.append("verdict")
        case .auditEvent?: kinds.append("audit")
        case nil: kinds.append("?")
        }
      }
      #expect(
        kinds == ["speaker", "source", "claim", "revision", "revision", "link", "verdict"]
          + Array(repeating: "audit", count: 6))
      #expect(exportedSource?.archivedText == "Full text.", "sources are exported with their archived text")
    }
  }

  @Test("an online backup taken under concurrent writes is intact and holds every write acknowledged before it")
  func backupUnderWrites() async throws {
    try await withLedgerDaemon { client, daemon in
      let speaker = try await client.call(LedgerService.createSpeaker, Make.speaker("Busy Speaker"))
      let socket = daemon.configuration.socketPath
      var before: [String] = []
      for index in 0..<50 {
        before.append(
          try await client.call(
            LedgerService.createClaim, Make.claim("Before \(index)", speaker: speaker.id, said: "2020")
          ).claim!.id)
      }
      let directory = try makeShortTempDirectory()
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let path = directory + "/backup.sqlite"
      let writers = Task {
        let writer = try await RPCClient.connect(socketPath: socket)
        var count = 0
        while !Task.isCancelled {
          _ = try? await writer.call(
            LedgerService.createClaim, Make.claim("During \(count)", speaker: speaker.id, said: "2021"))
          count += 1
        }
        await writer.close()
        return count
      }
      try await Task.sleep(for: .milliseconds(100))
      var header = BackupHeader()
      var bytes: [UInt8] = []
      for try await chunk in client.stream(LedgerService.backup, BackupRequest()) {
        switch chunk.part {
        case .header(let value)?: header = value
        case .data(let data)?:
          #expect(data.count <= Ledger.backupChunkSize)
          bytes += data
        case nil: break
        }
      }
      writers.cancel()
      let during = try await writers.value
      #expect(during > 0, "writes went on during the backup")
      #expect(header.sizeBytes > 0)
      #expect(Int64(bytes.count) == header.sizeBytes)
      try Data(bytes).write(to: URL(fileURLWithPath: path))

      // The copy opens as a ledger, passes integrity_check, and holds everything acknowledged before.
      let copy = try SQLiteLedgerStore(path: path)
      #expect(try await copy.integrityCheck() == "ok")
      var filter = ClaimFilter()
      filter.speakerID = speaker.id
      let stored = Set(try await copy.listClaims(filter, pageSize: 1000, pageToken: "").items.map(\.id))
      #expect(Set(before).isSubset(of: stored))
      #expect(try await copy.lastSequence() == header.lastSequence)
    }
  }

  @Test("only an admin may take a backup")
  func backupNeedsAdmin() async throws {
    let me = try #require(UnixAccountsForTests.currentUserName())
    try await withLedgerDaemon(policy: AccessPolicy(ownerUID: getuid() &+ 4242, users: [me: .editor])) {
      client, _ async throws in
      let error = await rpcError {
        for try await _ in client.stream(LedgerService.backup, BackupRequest()) {}
      }
      #expect(error?.code == .permissionDenied)
    }
  }
}
