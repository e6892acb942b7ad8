import GainsayCore
import GainsayProto
import Testing

extension StoreConformance {
  /// Lists a page at a time: every page size gives the same items in the same order (the order an export
  /// keeps, so a ledger moved from one store to another exports byte for byte the same), each page full
  /// but the last, whose token is empty; a token the store did not make is INVALID_ARGUMENT.
  @Suite("paging")
  struct Paging {
    let admin = ConformanceCallers.admin
    static let pageSizes: [Int32] = [1, 2, 1000]

    /// Every item of a list, read with pages of `size`; checks that only the last page is short.
    func all<Item>(
      size: Int32, _ list: (_ size: Int32, _ token: String) async throws -> (items: [Item], next: String)
    ) async throws -> [Item] {
      var items: [Item] = []
      var token = ""
      var pages = 0
      repeat {
        let page = try await list(size, token)
        pages += 1
        #expect(page.items.count <= Int(size))
        if !page.next.isEmpty { #expect(page.items.count == Int(size), "a page before the last is full") }
        items += page.items
        token = page.next
      } while !token.isEmpty && pages < 1_000
      #expect(pages == max(1, (items.count + Int(size) - 1) / Int(size)), "no empty page at the end")
      return items
    }

    /// SQLite's NOCASE order: ASCII letters compared without case, everything else by code point; ties by id.
    static func nameOrder(_ a: Speaker, _ b: Speaker) -> Bool {
      func key(_ name: String) -> [UInt32] {
        name.unicodeScalars.map { (65...90).contains($0.value) ? $0.value + 32 : $0.value }
      }
      let (left, right) = (key(a.name), key(b.name))
      return left != right ? left.lexicographicallyPrecedes(right) : a.id < b.id
    }

    @Test("speakers: by name, ignoring the case of ASCII letters, merged ones left out", arguments: StoreUnderTest.all)
    func speakers(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        // Names that sort differently by byte, by ASCII case and by Unicode case.
        var made = Array(room.speakers.values)
        for name in ["iStories", "Мемориал", "мемориал (архив)", "Amnesty International", "Éric Zemmour", "ZEMMOUR"] {
          made.append(try await ledger.createSpeaker(Make.speaker(name, country: "FR"), caller: admin))
        }
        let merged = try await ledger.mergeSpeakers(
          Requests.merge(room.speakers["karimov"]!.id, into: room.speakers["kadyrov"]!.id), caller: admin)
        made.removeAll { $0.id == room.speakers["karimov"]!.id || $0.id == room.speakers["kadyrov"]!.id }
        made.append(merged.speaker!)
        let expected = made.sorted(by: Self.nameOrder).map(\.id)
        for size in Self.pageSizes {
          let listed = try await all(size: size) { size, token in
            var request = ListSpeakersRequest()
            request.pageSize = size
            request.pageToken = token
            let page = try await ledger.listSpeakers(request, caller: admin)
            return (page.speakers, page.nextPageToken)
          }
          #expect(listed.map(\.id) == expected, "page size \(size): \(listed.map(\.name))")
        }
        // Filters: a part of any name or alias, ignoring case; a country.
        var request = ListSpeakersRequest()
        request.nameContains = "ПЕСКОВ"
        #expect(
          try await ledger.listSpeakers(request, caller: admin).speakers.map(\.id) == [room.speakers["peskov"]!.id])
        request.nameContains = "karimov"
        #expect(
          try await ledger.listSpeakers(request, caller: admin).speakers.map(\.id) == [room.speakers["kadyrov"]!.id])
        request.nameContains = ""
        request.country = "FR"
        #expect(try await ledger.listSpeakers(request, caller: admin).speakers.count == 6)
      }
    }

    @Test("claims: latest said first, then by id; filtered as asked", arguments: StoreUnderTest.all)
    func claims(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        let expected = room.claims.values.sorted {
          let (a, b) = ($0.saidOn!.rangeStart, $1.saidOn!.rangeStart)
          return a != b ? a > b : $0.id < $1.id
        }.map(\.id)
        for size in Self.pageSizes {
          let listed = try await all(size: size) { size, token in
            var request = ListClaimsRequest()
            request.pageSize = size
            request.pageToken = token
            let page = try await ledger.listClaims(request, caller: admin)
            return (page.claims, page.nextPageToken)
          }
          #expect(listed.map(\.id) == expected, "page size \(size): \(listed.map { room.claimKey($0.id) })")
        }
        // The filters of ClaimFilter.
        func keys(_ change: (inout ListClaimsRequest) -> Void) async throws -> Set<String> {
          var request = ListClaimsRequest()
          change(&request)
          return Set(try await ledger.listClaims(request, caller: admin).claims.map { room.claimKey($0.id) })
        }
        #expect(try await keys { $0.speakerID = room.speakers["putin"]!.id } == ["xenophobia", "normalRelations"])
        #expect(
          try await keys { $0.saidFrom = Make.date("2017-07") } == ["noGays", "notPeople", "freedom", "sanctions"])
        #expect(try await keys { $0.saidUntil = Make.date("2013-09") } == ["schedule", "normalRelations"])
        #expect(
          try await keys {
            $0.saidFrom = Make.date("2017-05-15")
            $0.saidUntil = Make.date("2017-07-01")
          } == ["noGays", "doNotExist"])
        #expect(try await keys { $0.topic = "LGBT" }.count == 9)
        #expect(try await keys { $0.topic = "sanctions" }.isEmpty)
        _ = try await ledger.createLink(
          Make.link(
            room.claims["noGays"]!.id, source: room.sources["pinkNews"]!.id, .contradicts,
            quote: "gay men lived in the region"), caller: admin)
        _ = try await ledger.createLink(
          Make.link(
            room.claims["schedule"]!.id, source: room.sources["peskov"]!.id, .supports,
            quote: "Putin has his own schedule"), caller: admin)
        #expect(try await keys { $0.hasContradictingEvidence = true } == ["noGays"])
        _ = try await ledger.retractClaim(
          Requests.retract(room.claims["doNotExist"]!.id, "misattributed"), caller: admin)
        #expect(try await keys { $0.state = .retracted } == ["doNotExist"])
        #expect(try await keys { _ in }.count == 8)
      }
    }

    @Test(
      "sources, links, verdicts and revisions: in the order they were recorded (verdicts newest first)",
      arguments: StoreUnderTest.all)
    func recordOrder(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        var sources = ["pinkNews", "peskov", "russian"].map { room.sources[$0]!.id }
        for index in 0..<4 {
          // Titles out of alphabetical order: the order is the order of recording.
          sources.append(
            try await ledger.createSource(
              Make.source("\(9 - index) — report", outlet: index.isMultiple(of: 2) ? "Meduza" : "Новая газета"),
              caller: admin
            ).id)
        }
        let claim = room.claims["noGays"]!.id
        var links: [String] = []
        for (index, target) in ["notPeople", "doNotExist", "karimov", "sanctions", "freedom"].enumerated() {
          links.append(
            try await ledger.createLink(
              Make.link(claim, claimTarget: room.claims[target]!.id, index.isMultiple(of: 2) ? .repeats : .context),
              caller: admin
            ).id)
        }
        var verdicts: [String] = []
        for rating in ["false", "mostly false", "pants on fire", "false"] {
          verdicts.append(try await ledger.createVerdict(Make.verdict(claim, rating), caller: admin).id)
        }
        for size in Self.pageSizes {
          let listedSources = try await all(size: size) { size, token in
            var request = ListSourcesRequest()
            request.pageSize = size
            request.pageToken = token
            let page = try await ledger.listSources(request, caller: admin)
            return (page.sources, page.nextPageToken)
          }
          #expect(listedSources.map(\.id) == sources, "page size \(size)")
          #expect(listedSources.allSatisfy { $0.archivedText.isEmpty }, "lists leave the archived text out")
          let listedLinks = try await all(size: size) { size, token in
            var request = ListLinksRequest()
            request.claimID = claim
            request.pageSize = size
            request.pageToken = token
            let page = try await ledger.listLinks(request, caller: admin)
            return (page.links, page.nextPageToken)
          }
          #expect(listedLinks.map(\.id) == links, "page size \(size)")
          let listedVerdicts = try await all(size: size) { size, token in
            var request = ListVerdictsRequest()
            request.claimID = claim
            request.pageSize = size
            request.pageToken = token
            let page = try await ledger.listVerdicts(request, caller: admin)
            return (page.verdicts, page.nextPageToken)
          }
          #expect(listedVerdicts.map(\.id) == verdicts.reversed(), "page size \(size)")
        }
        // Filters: outlet ignoring case, relation, a link listed from either end.
        var bySource = ListSourcesRequest()
        bySource.outlet = "MEDUZA"
        #expect(try await ledger.listSources(bySource, caller: admin).sources.map(\.id) == [sources[3], sources[5]])
        var byRelation = ListLinksRequest()
        byRelation.relation = .repeats
        #expect(
          try await ledger.listLinks(byRelation, caller: admin).links.map(\.id) == [links[0], links[2], links[4]])
        var fromTarget = ListLinksRequest()
        fromTarget.claimID = room.claims["karimov"]!.id
        #expect(try await ledger.listLinks(fromTarget, caller: admin).links.map(\.id) == [links[2]])
        // Withdrawn ones only when asked for.
        _ = try await ledger.withdrawLink(Requests.withdrawLink(links[1], "not a repeat"), caller: admin)
        _ = try await ledger.withdrawVerdict(Requests.withdrawVerdict(verdicts[3], "rated twice"), caller: admin)
        var active = ListLinksRequest()
        active.claimID = claim
        #expect(try await ledger.listLinks(active, caller: admin).links.map(\.id) == [links[0]] + links[2...])
        active.includeWithdrawn = true
        #expect(try await ledger.listLinks(active, caller: admin).links.map(\.id) == links)
        var verdictList = ListVerdictsRequest()
        verdictList.claimID = claim
        #expect(
          try await ledger.listVerdicts(verdictList, caller: admin).verdicts.map(\.id) == verdicts.dropLast().reversed()
        )
        verdictList.includeWithdrawn = true
        #expect(try await ledger.listVerdicts(verdictList, caller: admin).verdicts.count == 4)
        // The claim's latest rating is its latest active verdict's.
        #expect(try await ledger.getClaim(Requests.get(claim), caller: admin).latestRating == "pants on fire")
      }
    }

    @Test("a page token the store did not give is INVALID_ARGUMENT", arguments: StoreUnderTest.all)
    func badTokens(_ sut: StoreUnderTest) async throws {
      try await sut.withLedger { ledger, _ in
        let room = try await Newsroom.make(in: ledger)
        var first = ListClaimsRequest()
        first.pageSize = 2
        let real = try await ledger.listClaims(first, caller: admin).nextPageToken
        #expect(!real.isEmpty)
        for token in ["not a token", "%%%", real + "!", "Кадыров"] {
          var claims = ListClaimsRequest()
          claims.pageToken = token
          let error = await ledgerError { _ = try await ledger.listClaims(claims, caller: admin) }
          #expect(error?.code == .invalidArgument, "\(token)")
          #expect(error?.field == "page_token", "\(token)")
          var speakers = ListSpeakersRequest()
          speakers.pageToken = token
          #expect(
            await ledgerError { _ = try await ledger.listSpeakers(speakers, caller: admin) }?.code == .invalidArgument)
          var sources = ListSourcesRequest()
          sources.pageToken = token
          #expect(
            await ledgerError { _ = try await ledger.listSources(sources, caller: admin) }?.code == .invalidArgument)
          var links = ListLinksRequest()
          links.pageToken = token
          #expect(await ledgerError { _ = try await ledger.listLinks(links, caller: admin) }?.code == .invalidArgument)
          var verdicts = ListVerdictsRequest()
          verdicts.claimID = room.claims["noGays"]!.id
          verdicts.pageToken = token
          #expect(
            await ledgerError { _ = try await ledger.listVerdicts(verdicts, caller: admin) }?.code == .invalidArgument)
          var revisions = ListClaimRevisionsRequest()
          revisions.claimID = room.claims["noGays"]!.id
          revisions.pageToken = token
          #expect(
            await ledgerError { _ = try await ledger.listClaimRevisions(revisions, caller: admin) }?.code
              == .invalidArgument)
        }
      }
    }
  }
}
