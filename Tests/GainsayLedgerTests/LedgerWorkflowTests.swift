import Foundation
import GainsayCore
import GainsayProto
import GainsayRPC
import Testing

/// Every ledger method through the real RPC, against a daemon on a temporary socket and store.
@Suite("the ledger over RPC")
struct LedgerWorkflowTests {
  static let report =
    "Novaya Gazeta reported that more than a hundred men suspected of being gay were detained in Chechnya, "
    + "and that at least three were killed."

  @Test("a journalist's record: speaker, claim, source, contradiction, verdict, history")
  func workflow() async throws {
    try await withLedgerDaemon { client, _ in
      let kadyrov = try await client.call(
        LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov", aliases: ["Рамзан Кадыров", "Kadyrov"]))
      #expect(kadyrov.id.hasPrefix("spk_"))
      #expect(kadyrov.createTime != nil)

      // Found by id, name or alias, case-insensitively.
      for key in [kadyrov.id, "Ramzan Kadyrov", "рамзан кадыров", "KADYROV"] {
        var get = GetSpeakerRequest()
        get.id = key
        #expect(try await client.call(LedgerService.getSpeaker, get).id == kadyrov.id)
      }

      let created = try await client.call(
        LedgerService.createClaim,
        Make.claim(
          "We don't have any gays", speaker: kadyrov.id, said: "2017-07", context: "HBO Real Sports interview",
          topics: ["LGBT", "Chechnya", "lgbt"], urls: ["https://www.hbo.com/real-sports"]))
      let claim = try #require(created.claim)
      #expect(claim.saidOn == Make.date("2017-07"))
      #expect(claim.topics == ["lgbt", "chechnya"])
      #expect(claim.revision == 1)
      #expect(claim.state == .active)

      let source = try await client.call(
        LedgerService.createSource,
        Make.source(
          "Murder of gay men in Chechnya", outlet: "Novaya Gazeta", text: Self.report,
          url: "https://novayagazeta.ru/articles/2017/04/01/71983", published: "2017-04-01"))
      #expect(source.archivedTextSha256 == SHA256.hexDigest(Array(Self.report.utf8)))
      #expect(source.archivedTextSize == Int64(Self.report.utf8.count))

      let link = try await client.call(
        LedgerService.createLink,
        Make.link(
          claim.id, source: source.id, .contradicts,
          quote: "more than a hundred men suspected of being gay were detained in Chechnya"))
      #expect(link.createdBy?.uid == getuid())
      #expect(link.state == .active)

      let verdict = try await client.call(
        LedgerService.createVerdict, Make.verdict(claim.id, "Pants on Fire", "Detentions are documented."))
      #expect(verdict.rating == "pants on fire")
      #expect(verdict.ratingValue == 1)
      #expect(verdict.reviewer?.uid == getuid())

      var get = GetClaimRequest()
      get.id = claim.id
      let stored = try await client.call(LedgerService.getClaim, get)
      #expect(stored.evidence?.contradicting == 1)
      #expect(stored.latestRating == "pants on fire")

      var contradicted = ListClaimsRequest()
      contradicted.hasContradictingEvidence = true
      #expect(try await client.call(LedgerService.listClaims, contradicted).claims.map(\.id) == [claim.id])

      // History: every change attributed to this Unix user, with before and after.
      var history = ListAuditEventsRequest()
      history.resourceID = claim.id
      var events: [AuditEvent] = []
      for try await event in client.stream(LedgerService.listAuditEvents, history) { events.append(event) }
      #expect(events.map(\.action) == [.create])
      #expect(events.first?.actor?.uid == getuid())
      #expect(events.first?.before == nil)
      var recorded = claim
      recorded.evidence = nil  // derived on read, not part of the record
      #expect(events.first?.after?.kind == .claim(recorded))

      var getLink = GetLinkRequest()
      getLink.id = link.id
      #expect(try await client.call(LedgerService.getLink, getLink) == link)
      let second = try await client.call(
        LedgerService.createVerdict, Make.verdict(claim.id, "false", "Reviewed again."))
      var verdicts = ListVerdictsRequest()
      verdicts.claimID = claim.id
      #expect(
        try await client.call(LedgerService.listVerdicts, verdicts).verdicts.map(\.id) == [second.id, verdict.id])
      #expect(try await client.call(LedgerService.getClaim, get).latestRating == "false", "the latest verdict stands")
      let scale = try await client.call(LedgerService.getRatingScale, GetRatingScaleRequest())
      #expect(scale.ratings.map(\.label) == RatingScale.standard.ratings.map(\.label))
      var sources = ListSourcesRequest()
      sources.outlet = "novaya gazeta"
      #expect(try await client.call(LedgerService.listSources, sources).sources.map(\.id) == [source.id])
      #expect(
        try await client.call(LedgerService.listSources, sources).sources.first?.archivedText == "",
        "lists leave the text out")

      let caller = try await client.call(LedgerService.getCaller, GetCallerRequest())
      #expect(caller.role == .admin)
      #expect(caller.actor?.uid == getuid())
    }
  }

  @Test("claims are updated with revisions kept, and retracted, never deleted")
  func revisionsAndRetraction() async throws {
    try await withLedgerDaemon { client, _ in
      let putin = try await client.call(LedgerService.createSpeaker, Make.speaker("Vladimir Putin"))
      let claim = try #require(
        try await client.call(
          LedgerService.createClaim,
          Make.claim("There is no discrimination against gay people in Russia", speaker: putin.id, said: "2013")
        ).claim)

      var update = UpdateClaimRequest()
      var change = Claim()
      change.id = claim.id
      change.saidOn = Make.date("2013-10-17")
      change.context = "Interview before the Sochi Olympics"
      update.claim = change
      var mask = FieldMask()
      mask.paths = ["said_on", "context"]
      update.updateMask = mask
      update.reason = "Found the exact date"
      let updated = try await client.call(LedgerService.updateClaim, update)
      #expect(updated.revision == 2)
      #expect(updated.saidOn == Make.date("2013-10-17"))
      #expect(updated.text == claim.text, "fields outside the mask are kept")

      var retract = RetractClaimRequest()
      retract.id = claim.id
      retract.reason = "Logged twice"
      let retracted = try await client.call(LedgerService.retractClaim, retract)
      #expect(retracted.state == .retracted)
      #expect(retracted.revision == 3)
      #expect(retracted.retractionReason == "Logged twice")

      let again = await rpcError { _ = try await client.call(LedgerService.retractClaim, retract) }
      #expect(again?.code == .failedPrecondition)
      let late = await rpcError { _ = try await client.call(LedgerService.updateClaim, update) }
      #expect(late?.code == .failedPrecondition)

      var revisions = ListClaimRevisionsRequest()
      revisions.claimID = claim.id
      let kept = try await client.call(LedgerService.listClaimRevisions, revisions).revisions
      #expect(kept.map(\.revision) == [1, 2, 3])
      #expect(kept[0].claim?.saidOn == Make.date("2013"))
      #expect(kept[1].reason == "Found the exact date")

      // Retracted claims leave the default list but stay readable.
      #expect(try await client.call(LedgerService.listClaims, ListClaimsRequest()).claims.isEmpty)
      var retractedList = ListClaimsRequest()
      retractedList.state = .retracted
      #expect(try await client.call(LedgerService.listClaims, retractedList).claims.map(\.id) == [claim.id])
      var get = GetClaimRequest()
      get.id = claim.id
      #expect(try await client.call(LedgerService.getClaim, get).state == .retracted)

      var history = ListAuditEventsRequest()
      history.resourceID = claim.id
      var actions: [AuditAction] = []
      for try await event in client.stream(LedgerService.listAuditEvents, history) { actions.append(event.action) }
      #expect(actions == [.create, .update, .retract])
    }
  }

  @Test("speakers: update with a mask, aliases added and removed, names unique")
  func speakers() async throws {
    try await withLedgerDaemon { client, _ in
      let speaker = try await client.call(LedgerService.createSpeaker, Make.speaker("Dmitry Peskov"))
      var alias = AddSpeakerAliasRequest()
      alias.speakerID = speaker.id
      alias.alias = "Дмитрий Песков"
      #expect(try await client.call(LedgerService.addSpeakerAlias, alias).aliases == ["Дмитрий Песков"])
      #expect(
        await rpcError { _ = try await client.call(LedgerService.addSpeakerAlias, alias) }?.code == .alreadyExists)

      let clash = await rpcError {
        _ = try await client.call(LedgerService.createSpeaker, Make.speaker("дмитрий песков"))
      }
      #expect(clash?.code == .alreadyExists)
      #expect(clash?.fieldViolations.first?.field == "speaker.name")

      var update = UpdateSpeakerRequest()
      var change = Speaker()
      change.id = speaker.id
      change.role = "Kremlin press secretary"
      update.speaker = change
      var mask = FieldMask()
      mask.paths = ["role"]
      update.updateMask = mask
      let updated = try await client.call(LedgerService.updateSpeaker, update)
      #expect(updated.role == "Kremlin press secretary")
      #expect(updated.name == "Dmitry Peskov")
      #expect(updated.aliases == ["Дмитрий Песков"])

      var remove = RemoveSpeakerAliasRequest()
      remove.speakerID = speaker.id
      remove.alias = "дмитрий песков"
      #expect(try await client.call(LedgerService.removeSpeakerAlias, remove).aliases.isEmpty)

      for index in 0..<7 {
        _ = try await client.call(LedgerService.createSpeaker, Make.speaker("Official \(index)", country: "BY"))
      }
      var list = ListSpeakersRequest()
      list.pageSize = 3
      list.country = "by"
      var names: [String] = []
      repeat {
        let page = try await client.call(LedgerService.listSpeakers, list)
        #expect(page.speakers.count <= 3)
        names += page.speakers.map(\.name)
        list.pageToken = page.nextPageToken
      } while !list.pageToken.isEmpty
      #expect(names == (0..<7).map { "Official \($0)" })
    }
  }

  @Test("links: evidence must be in the archived text, references must exist, no duplicates")
  func links() async throws {
    try await withLedgerDaemon { client, _ in
      let speaker = try await client.call(LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov"))
      let first = try #require(
        try await client.call(
          LedgerService.createClaim, Make.claim("We don't have any gays", speaker: speaker.id, said: "2017-07")
        ).claim)
      let second = try #require(
        try await client.call(
          LedgerService.createClaim, Make.claim("There are no gays in Chechnya", speaker: speaker.id, said: "2017-04")
        ).claim)
      let source = try await client.call(
        LedgerService.createSource, Make.source("Report", outlet: "Novaya Gazeta", text: Self.report))
      let unarchived = try await client.call(LedgerService.createSource, Make.source("Broadcast", outlet: "BBC"))

      let notInText = await rpcError {
        _ = try await client.call(
          LedgerService.createLink, Make.link(first.id, source: source.id, .contradicts, quote: "no one was detained"))
      }
      #expect(notInText?.code == .invalidArgument)
      #expect(notInText?.fieldViolations.first?.field == "link.quote.exact")

      _ = try await client.call(
        LedgerService.createLink,
        Make.link(first.id, source: source.id, .contradicts, quote: "at least three were killed"))
      let duplicate = await rpcError {
        _ = try await client.call(
          LedgerService.createLink,
          Make.link(first.id, source: source.id, .contradicts, quote: "at least three were killed"))
      }
      #expect(duplicate?.code == .alreadyExists)

      // A source without archived text takes any passage.
      _ = try await client.call(
        LedgerService.createLink, Make.link(first.id, source: unarchived.id, .context, quote: "anything"))
      let repeats = try await client.call(
        LedgerService.createLink, Make.link(second.id, claimTarget: first.id, .repeats))
      #expect(repeats.target == .targetClaimID(first.id))

      let missingClaim = await rpcError {
        _ = try await client.call(LedgerService.createLink, Make.link("clm_nope", source: source.id, .supports))
      }
      #expect(missingClaim?.code == .notFound)
      #expect(missingClaim?.fieldViolations.first?.field == "link.claim_id")
      let missingSource = await rpcError {
        _ = try await client.call(LedgerService.createLink, Make.link(first.id, source: "src_nope", .supports))
      }
      #expect(missingSource?.code == .notFound)
      #expect(missingSource?.fieldViolations.first?.field == "link.source_id")
      let selfLink = await rpcError {
        _ = try await client.call(LedgerService.createLink, Make.link(first.id, claimTarget: first.id, .repeats))
      }
      #expect(selfLink?.code == .invalidArgument)
      let noRelation = await rpcError {
        _ = try await client.call(LedgerService.createLink, Make.link(first.id, source: source.id, .unspecified))
      }
      #expect(noRelation?.fieldViolations.first?.field == "link.relation")

      var list = ListLinksRequest()
      list.claimID = first.id
      #expect(try await client.call(LedgerService.listLinks, list).links.count == 3)

      var withdraw = WithdrawLinkRequest()
      withdraw.id = repeats.id
      withdraw.reason = "Not the same statement"
      #expect(try await client.call(LedgerService.withdrawLink, withdraw).state == .withdrawn)
      #expect(try await client.call(LedgerService.listLinks, list).links.count == 2)
      list.includeWithdrawn = true
      #expect(try await client.call(LedgerService.listLinks, list).links.count == 3)

      // Evidence anchored in a source's archived text freezes it.
      var update = UpdateSourceRequest()
      var change = Source()
      change.id = source.id
      change.archivedText = "rewritten"
      update.source = change
      var mask = FieldMask()
      mask.paths = ["archived_text"]
      update.updateMask = mask
      #expect(
        await rpcError { _ = try await client.call(LedgerService.updateSource, update) }?.code == .failedPrecondition)
      mask.paths = ["title"]
      update.updateMask = mask
      change.title = "Murder of gay men in Chechnya"
      update.source = change
      #expect(try await client.call(LedgerService.updateSource, update).title == "Murder of gay men in Chechnya")
      var getSource = GetSourceRequest()
      getSource.id = source.id
      getSource.view = .full
      #expect(try await client.call(LedgerService.getSource, getSource).archivedText == Self.report)
      getSource.view = .basic
      #expect(try await client.call(LedgerService.getSource, getSource).archivedText.isEmpty)
    }
  }

  @Test("ranked full-text search with highlighted snippets")
  func search() async throws {
    try await withLedgerDaemon { client, _ in
      let speaker = try await client.call(
        LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov", aliases: ["Кадыров"]))
      let claim = try #require(
        try await client.call(
          LedgerService.createClaim,
          Make.claim("We don't have any gays", speaker: speaker.id, said: "2017-07", context: "HBO interview")
        ).claim)
      _ = try await client.call(
        LedgerService.createClaim, Make.claim("Chechnya is peaceful", speaker: speaker.id, said: "2016"))
      let source = try await client.call(
        LedgerService.createSource, Make.source("Detentions in Chechnya", outlet: "Novaya Gazeta", text: Self.report))

      func search(_ query: String, types: [ResourceType] = []) async throws -> [SearchHit] {
        var request = SearchRequest()
        request.query = query
        request.resourceTypes = types
        var hits: [SearchHit] = []
        for try await hit in client.stream(LedgerService.search, request) { hits.append(hit) }
        return hits
      }

      let gays = try await search("gays")
      #expect(gays.first?.resourceID == claim.id)
      let first = try #require(gays.first)
      let highlighted = first.highlights.map { span in
        String(decoding: Array(first.snippet.utf8)[Int(span.start)..<Int(span.end)], as: UTF8.self)
      }
      #expect(highlighted == ["gays"])
      #expect(
        first.resource?.kind
          == .claim(
            try await client.call(
              LedgerService.getClaim,
              {
                var r = GetClaimRequest(); r.id = claim.id; return r
              }())))

      // The speaker's alias finds their claims; prefixes and phrases work; sources are searched by text.
      #expect(try await search("Кадыров", types: [.claim]).count == 2)
      #expect(try await search("detain*", types: [.source]).map(\.resourceID) == [source.id])
      #expect(try await search("\"hundred men\"").map(\.resourceID) == [source.id])
      #expect(try await search("peaceful OR gays", types: [.claim]).count == 2)
      // Hostile input is just text.
      #expect(try await search("\" OR * NEAR( ^ :").isEmpty)
      let empty = await rpcError { _ = try await search("   ") }
      #expect(empty?.code == .invalidArgument)
    }
  }

  @Test("watch streams committed changes, and replays from a sequence number")
  func watch() async throws {
    try await withLedgerDaemon { client, _ in
      let first = try await client.call(LedgerService.createSpeaker, Make.speaker("First Speaker"))
      var request = WatchRequest()
      request.resourceTypes = [.speaker]
      let stream = client.stream(LedgerService.watch, request)
      var iterator = stream.makeAsyncIterator()
      // Changes to other resource types are filtered out.
      _ = try await client.call(LedgerService.createSource, Make.source("Report", outlet: "Meduza"))
      // The subscription may start after the call above; keep writing until one arrives.
      var received: ChangeEvent?
      let writer = Task {
        for index in 0..<50 {
          _ = try await client.call(LedgerService.createSpeaker, Make.speaker("Watched \(index)"))
          try await Task.sleep(for: .milliseconds(20))
        }
      }
      received = try await iterator.next()
      writer.cancel()
      #expect(received?.resourceType == .speaker)
      #expect(received?.action == .create)
      if case .speaker(let speaker)? = received?.resource?.kind {
        #expect(speaker.name.hasPrefix("Watched"))
      } else {
        Issue.record("expected a speaker in the change event")
      }

      // Resuming after the first speaker's event replays the rest from the audit log: the source is
      // filtered out, so the first event replayed is the speaker received live above.
      var history = ListAuditEventsRequest()
      history.resourceID = first.id
      var firstSequence: Int64 = 0
      for try await event in client.stream(LedgerService.listAuditEvents, history) { firstSequence = event.sequence }
      var replay = WatchRequest()
      replay.afterSequence = firstSequence
      replay.resourceTypes = [.speaker]
      var replayed = client.stream(LedgerService.watch, replay).makeAsyncIterator()
      let again = try await replayed.next()
      #expect(again?.sequence == received?.sequence)
      #expect(again?.resourceID == received?.resourceID)
    }
  }
}
