import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// The audit log: every change one event, numbered 1…n without gaps, never rewritten, read in order by
  /// sequence, resource and actor; and each claim's revisions, complete.
  @Suite("audit log and revisions")
  struct Audit {
    let admin = ConformanceCallers.admin
    let editor = ConformanceCallers.editor

    @Test("every change is one event, numbered 1…n in the order of the changes", arguments: StoreUnderTest.all)
    func contiguous(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        #expect(try await store.lastSequence() == 0)
        #expect(try await store.allAuditEvents().isEmpty)
        let kadyrov = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: admin)
        let claim = try await ledger.createClaim(
          Make.claim(Material.noGays, speaker: kadyrov.id, said: "2017-07"), caller: editor
        ).claim!
        let source = try await ledger.createSource(
          Make.source(Material.pinkNewsTitle, outlet: "PinkNews", text: Material.pinkNewsText), caller: admin)
        let link = try await ledger.createLink(
          Make.link(claim.id, source: source.id, .supports, quote: "We don’t have any gays."), caller: editor)
        let verdict = try await ledger.createVerdict(
          Make.verdict(claim.id, "false", "Men were detained."), caller: admin)
        _ = try await ledger.updateClaim(
          Requests.updateText(claim.id, Material.noGays + " Praise be to God.", reason: "fuller quote"), caller: editor)
        _ = try await ledger.withdrawVerdict(Requests.withdrawVerdict(verdict.id, "rated too early"), caller: admin)
        _ = try await ledger.withdrawLink(Requests.withdrawLink(link.id, "wrong passage"), caller: admin)
        _ = try await ledger.retractClaim(Requests.retract(claim.id, "misattributed"), caller: editor)

        let events = try await store.allAuditEvents()
        #expect(events.map(\.sequence) == Array(1...9))
        #expect(try await store.lastSequence() == 9)
        let expected: [(String, AuditAction, UInt32)] = [
          (kadyrov.id, .create, admin.uid), (claim.id, .create, editor.uid), (source.id, .create, admin.uid),
          (link.id, .create, editor.uid), (verdict.id, .create, admin.uid), (claim.id, .update, editor.uid),
          (verdict.id, .withdraw, admin.uid), (link.id, .withdraw, admin.uid), (claim.id, .retract, editor.uid),
        ]
        for (event, (id, action, uid)) in zip(events, expected) {
          #expect(event.resourceID == id, "event \(event.sequence)")
          #expect(event.action == action, "event \(event.sequence)")
          #expect(event.actor?.uid == uid, "event \(event.sequence)")
        }
        #expect(events[5].reason == "fuller quote")
        #expect(events[5].method == "gainsay.v1.Ledger/UpdateClaim")
        // An update shows the record before and after; a creation only after.
        #expect(events[1].before == nil)
        if case .claim(let before)? = events[5].before?.kind, case .claim(let after)? = events[5].after?.kind {
          #expect(before.revision == 1 && before.text == Material.noGays)
          #expect(after.revision == 2 && after.text.hasSuffix("Praise be to God."))
        } else {
          Issue.record("the update's event holds no claims: \(events[5])")
        }
        // A source's archived text is not copied into the log: its hash and size stand for it.
        if case .source(let logged)? = events[2].after?.kind {
          #expect(logged.archivedText.isEmpty)
          #expect(logged.archivedTextSha256 == source.archivedTextSha256)
        } else {
          Issue.record("the source's event holds no source")
        }
        // Times never go back.
        let times = events.map { ($0.time?.seconds ?? 0, $0.time?.nanos ?? 0) }
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
      }
    }

    @Test("the log is append-only: later writes leave earlier events as they were", arguments: StoreUnderTest.all)
    func appendOnly(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let room = try await Newsroom.make(in: ledger)
        let before = try await store.allAuditEvents()
        // Changes to the very resources those events describe.
        _ = try await ledger.updateClaim(
          Requests.updateText(room.claims["schedule"]!.id, "That is Obama’s schedule.", reason: "shorter"),
          caller: admin)
        _ = try await ledger.addSpeakerAlias(Requests.alias(room.speakers["kadyrov"]!.id, "Кадыров"), caller: admin)
        _ = try await ledger.mergeSpeakers(
          Requests.merge(room.speakers["karimov"]!.id, into: room.speakers["kadyrov"]!.id), caller: admin)
        let after = try await store.allAuditEvents()
        #expect(after.count == before.count + 5)
        #expect(Array(after.prefix(before.count)) == before)
        #expect(after.map(\.sequence) == Array(1...Int64(after.count)))
      }
    }

    @Test("8 concurrent writers: every event numbered once, no gaps", arguments: StoreUnderTest.all)
    func concurrentWriters(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let speaker = try await ledger.createSpeaker(Make.speaker("Dmitry Peskov"), caller: admin)
        let perWriter = 15
        let ids = try await withThrowingTaskGroup(of: [String].self) { group in
          for writer in 0..<8 {
            group.addTask {
              var ids: [String] = []
              for index in 0..<perWriter {
                let claim = try await ledger.createClaim(
                  Make.claim(
                    "Peskov statement \(writer)-\(index): “That is Obama’s schedule.”", speaker: speaker.id,
                    said: "2013-08"),
                  caller: writer.isMultiple(of: 2) ? ConformanceCallers.admin : ConformanceCallers.editor
                ).claim!
                ids.append(claim.id)
                // Every other write an update, so creations and updates interleave.
                if index.isMultiple(of: 2) {
                  _ = try await ledger.updateClaim(
                    Requests.updateText(claim.id, "Updated \(writer)-\(index)", reason: "checked"),
                    caller: ConformanceCallers.admin)
                  ids.append(claim.id)
                }
              }
              return ids
            }
          }
          return try await group.reduce(into: []) { $0 += $1 }
        }
        let events = try await store.allAuditEvents(pageSize: 7)
        let total = 1 + ids.count
        #expect(events.map(\.sequence) == Array(1...Int64(total)))
        #expect(try await store.lastSequence() == Int64(total))
        // Each write has its own event: as many per claim as writes to it.
        var counts: [String: Int] = [:]
        for event in events.dropFirst() { counts[event.resourceID, default: 0] += 1 }
        var written: [String: Int] = [:]
        for id in ids { written[id, default: 0] += 1 }
        #expect(counts == written)
      }
    }

    @Test("events are read by after_sequence and limit, by resource and by actor", arguments: StoreUnderTest.all)
    func reading(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let peskov = try await ledger.createSpeaker(Make.speaker("Dmitry Peskov"), caller: admin)
        let putin = try await ledger.createSpeaker(Make.speaker("Vladimir Putin"), caller: editor)
        let claim = try await ledger.createClaim(
          Make.claim(Material.schedule, speaker: peskov.id, said: "2013-08-20"), caller: editor
        ).claim!
        _ = try await ledger.addSpeakerAlias(Requests.alias(peskov.id, "Дмитрий Песков"), caller: admin)
        _ = try await ledger.updateClaim(
          Requests.updateText(claim.id, "That is Obama’s schedule.", reason: "shorter"), caller: admin)
        _ = try await ledger.addSpeakerAlias(Requests.alias(putin.id, "Владимир Путин"), caller: editor)
        // 1 peskov, 2 putin, 3 claim, 4 peskov, 5 claim, 6 putin.
        #expect(try await store.auditEvents(Requests.auditQuery(after: 2, limit: 3)).map(\.sequence) == [3, 4, 5])
        #expect(try await store.auditEvents(Requests.auditQuery(after: 4)).map(\.sequence) == [5, 6])
        #expect(try await store.auditEvents(Requests.auditQuery(after: 6)).isEmpty)
        #expect(try await store.auditEvents(Requests.auditQuery(after: 60)).isEmpty)
        #expect(try await store.auditEvents(Requests.auditQuery(resource: peskov.id)).map(\.sequence) == [1, 4])
        #expect(try await store.auditEvents(Requests.auditQuery(resource: claim.id)).map(\.sequence) == [3, 5])
        #expect(try await store.auditEvents(Requests.auditQuery(after: 3, resource: claim.id)).map(\.sequence) == [5])
        #expect(try await store.auditEvents(Requests.auditQuery(resource: "clm_0000000000zzzzzz")).isEmpty)
        #expect(try await store.auditEvents(Requests.auditQuery(actor: editor.uid)).map(\.sequence) == [2, 3, 6])
        #expect(try await store.auditEvents(Requests.auditQuery(actor: admin.uid)).map(\.sequence) == [1, 4, 5])
        #expect(try await store.auditEvents(Requests.auditQuery(limit: 1, actor: admin.uid)).map(\.sequence) == [1])
        #expect(
          try await store.auditEvents(Requests.auditQuery(after: 2, resource: putin.id, actor: editor.uid)).map(\.sequence)
            == [6])
        #expect(try await store.auditEvents(Requests.auditQuery(actor: 4242)).isEmpty)
        // Through the ledger: its default and largest pages, and its checks.
        #expect(try await ledger.auditEvents(Requests.audit(), caller: admin).count == 6)
        let negative = await ledgerError {
          _ = try await ledger.auditEvents(Requests.audit(after: -1), caller: admin)
        }
        #expect(negative?.code == .invalidArgument)
      }
    }

    @Test("each change of a claim is one revision more, all of them listed in order", arguments: StoreUnderTest.all)
    func revisions(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let kadyrov = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: admin)
        let duplicate = try await ledger.createSpeaker(Make.speaker("Рамзан Кадыров"), caller: admin)
        let claim = try await ledger.createClaim(
          Make.claim("We don’t have any gays.", speaker: duplicate.id, said: "2017-07"), caller: editor
        ).claim!
        #expect(claim.revision == 1)
        let texts = [
          "We don’t have any gays. If there are any, take them to Canada.",
          "“We don’t have any gays. If there are any, take them to Canada.”",
          Material.noGays + " Praise be to God.",
        ]
        for (index, text) in texts.enumerated() {
          let updated = try await ledger.updateClaim(
            Requests.updateText(claim.id, text, reason: "checked against the tape, pass \(index + 1)"), caller: admin)
          #expect(updated.revision == Int64(index + 2))
        }
        // Merging its speaker moves the claim: a revision too.
        _ = try await ledger.mergeSpeakers(Requests.merge(duplicate.id, into: kadyrov.id), caller: admin)
        let retracted = try await ledger.retractClaim(Requests.retract(claim.id, "recorded twice"), caller: editor)
        #expect(retracted.revision == 6)

        var request = ListClaimRevisionsRequest()
        request.claimID = claim.id
        let revisions = try await ledger.listClaimRevisions(request, caller: admin).revisions
        #expect(revisions.map(\.revision) == [1, 2, 3, 4, 5, 6])
        #expect(revisions.allSatisfy { $0.claimID == claim.id && $0.claim?.revision == $0.revision })
        #expect(revisions.map { $0.claim?.text ?? "" } == ["We don’t have any gays."] + texts + [texts[2], texts[2]])
        #expect(revisions[1].reason == "checked against the tape, pass 1")
        #expect(revisions[1].actor?.uid == admin.uid)
        #expect(revisions[0].actor?.uid == editor.uid)
        #expect(revisions[4].claim?.speakerID == kadyrov.id)
        #expect(revisions[3].claim?.speakerID == duplicate.id)
        #expect(revisions[5].claim?.state == .retracted)
        // Each revision's time is its audit event's.
        let events = try await store.auditEvents(Requests.auditQuery(resource: claim.id))
        #expect(events.map(\.time) == revisions.map(\.time))
        // A page at a time.
        request.pageSize = 4
        let first = try await ledger.listClaimRevisions(request, caller: admin)
        #expect(first.revisions.map(\.revision) == [1, 2, 3, 4])
        request.pageToken = first.nextPageToken
        let second = try await ledger.listClaimRevisions(request, caller: admin)
        #expect(second.revisions.map(\.revision) == [5, 6])
        #expect(second.nextPageToken.isEmpty)
      }
    }

    @Test("concurrent updates of one claim: none lost, revisions 1…n", arguments: StoreUnderTest.all)
    func concurrentRevisions(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let peskov = try await ledger.createSpeaker(Make.speaker("Dmitry Peskov"), caller: admin)
        let claim = try await ledger.createClaim(
          Make.claim(Material.schedule, speaker: peskov.id, said: "2013-08-20"), caller: admin
        ).claim!
        let texts = (0..<8).map { "That is Obama’s schedule (version \($0))." }
        try await withThrowingTaskGroup(of: Void.self) { group in
          for text in texts {
            group.addTask {
              _ = try await ledger.updateClaim(
                Requests.updateText(claim.id, text, reason: "desk edit"), caller: ConformanceCallers.editor)
            }
          }
          try await group.waitForAll()
        }
        let current = try await ledger.getClaim(Requests.get(claim.id), caller: admin)
        #expect(current.revision == 9)
        var request = ListClaimRevisionsRequest()
        request.claimID = claim.id
        let revisions = try await ledger.listClaimRevisions(request, caller: admin).revisions
        #expect(revisions.map(\.revision) == Array(1...9))
        #expect(Set(revisions.dropFirst().map { $0.claim?.text ?? "" }) == Set(texts))
        #expect(revisions.last?.claim?.text == current.text)
        // Each update saw the one before it: its "before" is the previous revision.
        let events = try await store.auditEvents(Requests.auditQuery(resource: claim.id))
        for event in events.dropFirst() {
          guard case .claim(let before)? = event.before?.kind, case .claim(let after)? = event.after?.kind else {
            Issue.record("event \(event.sequence) holds no claims")
            continue
          }
          #expect(after.revision == before.revision + 1)
        }
        #expect(
          Set(
            events.compactMap { event -> Int32? in
              if case .claim(let before)? = event.before?.kind { return before.revision } else { return nil }
            }
          ).count == 8)
      }
    }

    @Test("concurrent aliases of one speaker: every one kept", arguments: StoreUnderTest.all)
    func concurrentAliases(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, store in
        let kadyrov = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: admin)
        let aliases = [
          "Рамзан Кадыров", "Ramzan Akhmadovich Kadyrov", "Рамзан Ахматович Кадыров", "Kadyrov", "Кадыров",
          "Head of the Chechen Republic", "Глава Чечни", "Ramzan Kadirov",
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
          for alias in aliases {
            group.addTask {
              _ = try await ledger.addSpeakerAlias(Requests.alias(kadyrov.id, alias), caller: ConformanceCallers.editor)
            }
          }
          try await group.waitForAll()
        }
        var get = GetSpeakerRequest()
        get.id = kadyrov.id
        #expect(Set(try await ledger.getSpeaker(get, caller: admin).aliases) == Set(aliases))
        #expect(try await store.lastSequence() == 9)
        // Each alias finds him.
        for alias in aliases {
          get.id = alias
          #expect(try await ledger.getSpeaker(get, caller: admin).id == kadyrov.id, "\(alias)")
        }
      }
    }
  }
}
