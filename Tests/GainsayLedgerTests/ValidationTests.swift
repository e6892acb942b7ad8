import Foundation
import GainsayCore
import GainsayProto
import GainsayRPC
import GainsayServer
import Testing

/// Bad requests get a precise status and name the field at fault; nothing is written.
@Suite("validation over RPC")
struct ValidationTests {
  struct BadRequest: Sendable, CustomTestStringConvertible {
    let name: String
    let code: RPCStatusCode
    let field: String
    let call: @Sendable (RPCClient, _ speakerID: String, _ claimID: String) async throws -> Void
    var testDescription: String { name }
  }

  static func claim(
    _ change: @escaping @Sendable (inout Claim) -> Void
  ) -> @Sendable (RPCClient, String, String) async throws -> Void {
    { client, speakerID, _ in
      var request = Make.claim("A statement", speaker: speakerID, said: "2017-07")
      change(&request.claim!)
      _ = try await client.call(LedgerService.createClaim, request)
    }
  }

  static let cases: [BadRequest] = [
    BadRequest(name: "empty quote", code: .invalidArgument, field: "claim.text", call: claim { $0.text = "   " }),
    BadRequest(
      name: "over-long quote", code: .invalidArgument, field: "claim.text",
      call: claim { $0.text = String(repeating: "a", count: 10_001) }),
    BadRequest(
      name: "control characters in a quote", code: .invalidArgument, field: "claim.text",
      call: claim { $0.text = "bell \u{7}" }),
    BadRequest(name: "no date", code: .invalidArgument, field: "claim.said_on", call: claim { $0.saidOn = nil }),
    BadRequest(
      name: "month 13", code: .invalidArgument, field: "claim.said_on.month",
      call: claim { $0.saidOn = PartialDate(iso: "2017-13") }),
    BadRequest(
      name: "30 February", code: .invalidArgument, field: "claim.said_on.day",
      call: claim { $0.saidOn = PartialDate(iso: "2017-02-30") }),
    BadRequest(
      name: "a day without a month", code: .invalidArgument, field: "claim.said_on.day",
      call: claim {
        $0.saidOn!.month = 0; $0.saidOn!.day = 3
      }),
    BadRequest(
      name: "year 0", code: .invalidArgument, field: "claim.said_on.year",
      call: claim { $0.saidOn = PartialDate(iso: "0000") }),
    BadRequest(
      name: "a date in the future", code: .invalidArgument, field: "claim.said_on",
      call: claim { $0.saidOn = PartialDate(iso: "2999-01-01") }),
    BadRequest(
      name: "an ftp URL", code: .invalidArgument, field: "claim.appearance_urls[0]",
      call: claim { $0.appearanceUrls = ["ftp://example.org/x"] }),
    BadRequest(
      name: "not a URL", code: .invalidArgument, field: "claim.appearance_urls[1]",
      call: claim { $0.appearanceUrls = ["https://ok.example", "not a url"] }),
    BadRequest(
      name: "a bad language tag", code: .invalidArgument, field: "claim.language",
      call: claim { $0.language = "english!" }),
    BadRequest(
      name: "an unknown speaker", code: .notFound, field: "claim.speaker_id",
      call: claim { $0.speakerID = "spk_missing" }),
    BadRequest(
      name: "an unknown attribution", code: .invalidArgument, field: "claim.attribution",
      call: claim { $0.attribution = .unrecognized(9) }),
    BadRequest(
      name: "no claim at all", code: .invalidArgument, field: "claim",
      call: { client, _, _ in _ = try await client.call(LedgerService.createClaim, CreateClaimRequest()) }),
    BadRequest(
      name: "a speaker without a name", code: .invalidArgument, field: "speaker.name",
      call: { client, _, _ in _ = try await client.call(LedgerService.createSpeaker, Make.speaker(" ")) }),
    BadRequest(
      name: "a bad country code", code: .invalidArgument, field: "speaker.country",
      call: { client, _, _ in
        _ = try await client.call(LedgerService.createSpeaker, Make.speaker("Someone", country: "Russia"))
      }),
    BadRequest(
      name: "a bad Wikidata id", code: .invalidArgument, field: "speaker.wikidata_id",
      call: { client, _, _ in
        var request = Make.speaker("Someone Else")
        request.speaker!.wikidataID = "312296"
        _ = try await client.call(LedgerService.createSpeaker, request)
      }),
    BadRequest(
      name: "a source without an outlet", code: .invalidArgument, field: "source.outlet",
      call: { client, _, _ in _ = try await client.call(LedgerService.createSource, Make.source("Title", outlet: "")) }),
    BadRequest(
      name: "a source with a bad URL", code: .invalidArgument, field: "source.url",
      call: { client, _, _ in
        _ = try await client.call(
          LedgerService.createSource, Make.source("Title", outlet: "Meduza", url: "javascript:alert(1)"))
      }),
    BadRequest(
      name: "an unknown claim", code: .notFound, field: "id",
      call: { client, _, _ in
        var request = GetClaimRequest()
        request.id = "clm_missing"
        _ = try await client.call(LedgerService.getClaim, request)
      }),
    BadRequest(
      name: "a rating off the scale", code: .invalidArgument, field: "verdict.rating",
      call: { client, _, claimID in
        _ = try await client.call(LedgerService.createVerdict, Make.verdict(claimID, "fake news"))
      }),
    BadRequest(
      name: "an update without a mask", code: .invalidArgument, field: "update_mask",
      call: { client, _, claimID in
        var request = UpdateClaimRequest()
        var claim = Claim()
        claim.id = claimID
        request.claim = claim
        request.reason = "why"
        _ = try await client.call(LedgerService.updateClaim, request)
      }),
    BadRequest(
      name: "an update of an output-only field", code: .invalidArgument, field: "update_mask.paths[0]",
      call: { client, _, claimID in
        var request = UpdateClaimRequest()
        var claim = Claim()
        claim.id = claimID
        request.claim = claim
        var mask = FieldMask()
        mask.paths = ["revision"]
        request.updateMask = mask
        request.reason = "why"
        _ = try await client.call(LedgerService.updateClaim, request)
      }),
    BadRequest(
      name: "an update without a reason", code: .invalidArgument, field: "reason",
      call: { client, _, claimID in
        var request = UpdateClaimRequest()
        var claim = Claim()
        claim.id = claimID
        request.claim = claim
        var mask = FieldMask()
        mask.paths = ["context"]
        request.updateMask = mask
        _ = try await client.call(LedgerService.updateClaim, request)
      }),
    BadRequest(
      name: "a retraction without a reason", code: .invalidArgument, field: "reason",
      call: { client, _, claimID in
        var request = RetractClaimRequest()
        request.id = claimID
        _ = try await client.call(LedgerService.retractClaim, request)
      }),
    BadRequest(
      name: "a forged page token", code: .invalidArgument, field: "page_token",
      call: { client, _, _ in
        var request = ListClaimsRequest()
        request.pageToken = "bm90IGEgdG9rZW4="
        _ = try await client.call(LedgerService.listClaims, request)
      }),
    BadRequest(
      name: "a negative page size", code: .invalidArgument, field: "page_size",
      call: { client, _, _ in
        var request = ListSpeakersRequest()
        request.pageSize = -1
        _ = try await client.call(LedgerService.listSpeakers, request)
      }),
  ]

  @Test("bad requests", arguments: cases)
  func badRequest(_ bad: BadRequest) async throws {
    try await withLedgerDaemon { client, _ async throws in
      let speaker = try await client.call(LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov"))
      let claim = try #require(
        try await client.call(
          LedgerService.createClaim, Make.claim("We don't have any gays", speaker: speaker.id, said: "2017-07")
        ).claim)
      var before = ListAuditEventsRequest()
      before.afterSequence = 0
      var eventsBefore = 0
      for try await _ in client.stream(LedgerService.listAuditEvents, before) { eventsBefore += 1 }

      let error = await rpcError { try await bad.call(client, speaker.id, claim.id) }
      #expect(error?.code == bad.code, "\(error?.description ?? "no error")")
      #expect(error?.fieldViolations.first?.field == bad.field, "\(error?.description ?? "no error")")
      #expect(error?.message.hasPrefix(bad.field) == true, "the message names the field: \(error?.message ?? "")")

      var eventsAfter = 0
      for try await _ in client.stream(LedgerService.listAuditEvents, before) { eventsAfter += 1 }
      #expect(eventsAfter == eventsBefore, "a refused request writes nothing")
    }
  }
}

/// Roles from the socket's peer credentials.
@Suite("access control")
struct AccessTests {
  @Test("a reader reads but cannot write; the refusal names the role")
  func reader() async throws {
    // The daemon belongs to another uid; this process's user is a reader by name.
    let me = try #require(UnixAccountsForTests.currentUserName())
    try await withLedgerDaemon(policy: AccessPolicy(ownerUID: getuid() &+ 4242, users: [me: .reader])) {
      client, _ async throws in
      #expect(try await client.call(LedgerService.getCaller, GetCallerRequest()).role == .reader)
      #expect(try await client.call(LedgerService.listClaims, ListClaimsRequest()).claims.isEmpty)
      let denied = await rpcError { _ = try await client.call(LedgerService.createSpeaker, Make.speaker("Someone")) }
      #expect(denied?.code == .permissionDenied)
      #expect(denied?.message.contains("editor") == true)
    }
  }

  @Test("a user without a role is refused everything but their own identity")
  func noRole() async throws {
    try await withLedgerDaemon(policy: AccessPolicy(ownerUID: getuid() &+ 4242)) { client, _ async throws in
      #expect(try await client.call(LedgerService.getCaller, GetCallerRequest()).role == .unspecified)
      #expect(
        await rpcError { _ = try await client.call(LedgerService.listClaims, ListClaimsRequest()) }?.code
          == .permissionDenied)
      var search = SearchRequest()
      search.query = "gays"
      #expect(
        await rpcError { for try await _ in client.stream(LedgerService.search, search) {} }?.code == .permissionDenied)
      #expect(
        await rpcError { for try await _ in client.stream(LedgerService.watch, WatchRequest()) {} }?.code
          == .permissionDenied)
    }
  }

  @Test("a group grants a role")
  func group() async throws {
    let group = try #require(UnixAccountsForTests.primaryGroupName())
    try await withLedgerDaemon(policy: AccessPolicy(ownerUID: getuid() &+ 4242, groups: [group: .editor])) {
      client, _ async throws in
      #expect(try await client.call(LedgerService.getCaller, GetCallerRequest()).role == .editor)
      _ = try await client.call(LedgerService.createSpeaker, Make.speaker("Someone"))
    }
  }
}

enum UnixAccountsForTests {
  static func currentUserName() -> String? {
    guard let record = getpwuid(getuid()), let name = record.pointee.pw_name else { return nil }
    return String(cString: name)
  }

  static func primaryGroupName() -> String? {
    guard let record = getgrgid(getgid()), let name = record.pointee.gr_name else { return nil }
    return String(cString: name)
  }
}

/// Many clients writing at once.
@Suite("concurrency")
struct ConcurrencyTests {
  @Test("32 clients writing at once: every acknowledged write is there, each once, with its audit event")
  func concurrentWriters() async throws {
    try await withLedgerDaemon { _, daemon in
      let socket = daemon.configuration.socketPath
      let setup = try await RPCClient.connect(socketPath: socket)
      let speaker = try await setup.call(LedgerService.createSpeaker, Make.speaker("Busy Speaker"))
      let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
        for clientIndex in 0..<32 {
          group.addTask {
            let client = try await RPCClient.connect(socketPath: socket)
            var ids: [String] = []
            for index in 0..<25 {
              let response = try await client.call(
                LedgerService.createClaim,
                Make.claim("Statement \(clientIndex)-\(index)", speaker: speaker.id, said: "2020-01-02"))
              ids.append(response.claim!.id)
            }
            await client.close()
            return ids
          }
        }
        var all: [String] = []
        for try await ids in group { all += ids }
        return all
      }
      #expect(acknowledged.count == 800)
      #expect(Set(acknowledged).count == 800)

      var listed: [String] = []
      var request = ListClaimsRequest()
      request.pageSize = 1000
      request.speakerID = speaker.id
      listed = try await setup.call(LedgerService.listClaims, request).claims.map(\.id)
      #expect(Set(listed) == Set(acknowledged))

      var events = 0
      var sequences: [Int64] = []
      for try await event in setup.stream(LedgerService.listAuditEvents, ListAuditEventsRequest()) {
        sequences.append(event.sequence)
        // Repeats found after the replies (the claims are alike) have events of their own.
        if event.action != .repeatsFound { events += 1 }
      }
      #expect(events == 801)
      #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count)
      await setup.close()
    }
  }

  @Test("writes committed together: one refused write fails alone, the others in its group are all kept")
  func groupCommitIsolatesFailures() async throws {
    try await withLedgerDaemon { _, daemon in
      let socket = daemon.configuration.socketPath
      let setup = try await RPCClient.connect(socketPath: socket)
      _ = try await setup.call(LedgerService.createSpeaker, Make.speaker("Taken Name"))
      // 16 clients at once, every other one asking for a name that already exists: the daemon commits
      // concurrent writes together, so refused and accepted writes share transactions.
      let outcomes = try await withThrowingTaskGroup(of: (Int, Result<String, RPCError>).self) { group in
        for index in 0..<64 {
          group.addTask {
            let client = try await RPCClient.connect(socketPath: socket)
            defer { Task { await client.close() } }
            let name = index.isMultiple(of: 2) ? "Taken Name" : "Fresh Name \(index)"
            do {
              return (index, .success(try await client.call(LedgerService.createSpeaker, Make.speaker(name)).id))
            } catch let error as RPCError {
              return (index, .failure(error))
            }
          }
        }
        var all: [Int: Result<String, RPCError>] = [:]
        for try await (index, outcome) in group { all[index] = outcome }
        return all
      }
      for (index, outcome) in outcomes {
        switch outcome {
        case .success(let id):
          #expect(!index.isMultiple(of: 2))
          var get = GetSpeakerRequest()
          get.id = id
          #expect(try await setup.call(LedgerService.getSpeaker, get).name == "Fresh Name \(index)")
        case .failure(let error):
          #expect(index.isMultiple(of: 2))
          #expect(error.code == .alreadyExists)
        }
      }
      var events = 0
      for try await _ in setup.stream(LedgerService.listAuditEvents, ListAuditEventsRequest()) { events += 1 }
      #expect(events == 1 + 32)
      await setup.close()
    }
  }
}
