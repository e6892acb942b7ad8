import Foundation
import GainsayCore
import GainsayProto
import GainsayTestSupport
import Testing

@testable import GainsayStore

/// Search stays bounded in a large ledger: past the store's ranked-match limit, only the most recent
/// matches are ranked.
@Suite("search at scale")
struct SearchWindowTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)

  /// Six claims about the budget; the oldest says it four times, so bm25 ranks it first when it may.
  func ledger(
    rankedMatchLimit: Int, commonRankedMatchLimit: Int = 300, commonPhraseShare: Double = 0.05
  ) async throws -> (Ledger, oldest: String, recent: [String], directory: String) {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(
      path: directory + "/ledger.sqlite", rankedMatchLimit: rankedMatchLimit,
      commonRankedMatchLimit: commonRankedMatchLimit, commonPhraseShare: commonPhraseShare)
    let ledger = Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test"))
    let speaker = try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: Self.editor)
    let oldest = try await ledger.createClaim(
      Make.claim("The budget, the budget, the budget: the budget is balanced", speaker: speaker.id, said: "2020"),
      caller: Self.editor
    ).claim!.id
    var recent: [String] = []
    for index in 0..<5 {
      recent.append(
        try await ledger.createClaim(
          Make.claim(
            "Statement \(index) mentions the budget once among many other different words here",
            speaker: speaker.id, said: "2021"), caller: Self.editor
        ).claim!.id)
    }
    return (ledger, oldest, recent, directory)
  }

  func search(_ ledger: Ledger, _ query: String) async throws -> [String] {
    var request = SearchRequest()
    request.query = query
    return try await ledger.search(request, caller: Self.editor).map(\.resourceID)
  }

  @Test("within the limit every match is ranked; past it only the most recent matches are")
  func rankingWindow() async throws {
    let unbounded = try await ledger(rankedMatchLimit: 100)
    defer { try? FileManager.default.removeItem(atPath: unbounded.directory) }
    let all = try await search(unbounded.0, "budget")
    #expect(all.count == 6)
    #expect(all.first == unbounded.oldest)

    let bounded = try await ledger(rankedMatchLimit: 3)
    defer { try? FileManager.default.removeItem(atPath: bounded.directory) }
    let recent = try await search(bounded.0, "budget")
    #expect(Set(recent) == Set(bounded.recent.suffix(3)))
  }

  @Test("when every word of a query is common, fewer of its most recent matches are ranked")
  func commonQueries() async throws {
    // Seven entries (the speaker and six claims): "budget" is in six, "balanced" in one.
    let fixture = try await ledger(rankedMatchLimit: 10, commonRankedMatchLimit: 2, commonPhraseShare: 0.5)
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    #expect(Set(try await search(fixture.0, "budget")) == Set(fixture.recent.suffix(2)))
    // One rare word is enough for the usual window: the oldest claim is found.
    #expect(try await search(fixture.0, "budget balanced") == [fixture.oldest])
    #expect(try await search(fixture.0, "budget OR balanced").count == 6)
    // Words the ledger does not hold: no matches, no count to estimate from.
    #expect(try await search(fixture.0, "zanzibar").isEmpty)
    #expect(try await search(fixture.0, "budget zanzibar").isEmpty)
    #expect(try await search(fixture.0, "budget OR zanzibar").count == 6)
  }

  @Test("a rare word outweighs a common one (idf), also when the common one has more matches than are counted")
  func rarityRanks() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite", rankedMatchLimit: 10_000)
    let ledger = Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test"))
    let speaker = try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: Self.editor)
    // More claims holding "budget" than the phrase count limit, so its count is estimated.
    let common = SQLiteLedgerStore.phraseCountLimit + 500
    var begin = BeginImportRequest()
    begin.origin = "test"
    let session = try await ledger.beginImport(begin, caller: Self.editor).importID
    for chunk in stride(from: 0, to: common, by: 1_000) {
      var request = ImportRecordsRequest()
      request.importID = session
      for index in chunk..<min(chunk + 1_000, common) {
        var record = ImportRecord()
        record.line = Int64(index + 1)
        record.record = LedgerRecord()
        record.record!.record = .claim(
          Make.claim("Budget item \(index) budget budget", speaker: speaker.id, said: "2020").claim!)
        request.records.append(record)
      }
      _ = try await ledger.importRecords(request, caller: Self.editor)
    }
    let rare = try await ledger.createClaim(
      Make.claim("The zanzibar budget", speaker: speaker.id, said: "2019"), caller: Self.editor
    ).claim!.id
    // "budget" thrice scores less than "zanzibar" once: it is in nearly every claim.
    #expect(try await search(ledger, "budget OR zanzibar").first == rare)
    #expect(try await search(ledger, "zanzibar budget") == [rare])
    #expect(
      SearchQuery.fts5Phrases("budget OR \"zanzibar budget\" tax* OR") == [
        "\"budget\"", "\"zanzibar budget\"", "\"tax\"*",
      ])
  }
}
