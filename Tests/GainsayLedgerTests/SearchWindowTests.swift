import Foundation
import GainsayCore
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Testing

/// Search stays bounded in a large ledger: past the store's ranked-match limit, only the most recent
/// matches are ranked.
@Suite("search at scale")
struct SearchWindowTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)

  /// Six claims about the budget; the oldest says it four times, so bm25 ranks it first when it may.
  func ledger(rankedMatchLimit: Int) async throws -> (Ledger, oldest: String, recent: [String], directory: String) {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite", rankedMatchLimit: rankedMatchLimit)
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
}
