import Foundation
import GainsayCore
import GainsayProto
import GainsayTestSupport
import Testing

@testable import GainsayStore

/// Requests are bounded before any work that grows with them, and list pages always fit a response.
@Suite("request bounds")
struct RequestBoundsTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)

  func ledger() throws -> (Ledger, directory: String) {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    return (Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test")), directory)
  }

  static func refusal(_ body: () async throws -> Void) async -> LedgerError? {
    do {
      try await body()
      return nil
    } catch let error as LedgerError {
      return error
    } catch {
      return LedgerError(.internal, "\(error)")
    }
  }

  @Test("topics are counted as given, before they are de-duplicated")
  func topicsCountedFirst() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let speaker = try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: Self.editor)
    // 100,000 copies of one topic: refused by their count, not reduced to one.
    let many = Make.claim(
      "The budget is balanced", speaker: speaker.id, said: "2020", topics: Array(repeating: "budget", count: 100_000))
    let error = await Self.refusal { _ = try await ledger.createClaim(many, caller: Self.editor) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.field == "claim.topics")
    #expect(error?.message.contains("has 100000 topics; the maximum is 32") == true)
    // Within the count, repeats are still merged.
    let fine = Make.claim(
      "The budget is balanced", speaker: speaker.id, said: "2020", topics: ["Budget", "budget", "tax", "BUDGET"])
    #expect(try await ledger.createClaim(fine, caller: Self.editor).claim?.topics == ["budget", "tax"])
  }

  @Test("aliases are counted as given, before they are de-duplicated")
  func aliasesCountedFirst() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let many = Make.speaker("Ramzan Kadyrov", aliases: Array(repeating: "Kadyrov", count: 60))
    let error = await Self.refusal { _ = try await ledger.createSpeaker(many, caller: Self.editor) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message == "speaker.aliases: has 60 aliases; the maximum is 50")
    let fine = Make.speaker("Ramzan Kadyrov", aliases: ["Kadyrov", "KADYROV", "ramzan kadyrov", "Кадыров"])
    #expect(try await ledger.createSpeaker(fine, caller: Self.editor).aliases == ["Kadyrov", "Кадыров"])
  }

  @Test("AddSpeakerAlias refuses a 51st alias")
  func addAliasHonoursTheCap() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let speaker = try await ledger.createSpeaker(
      Make.speaker("Ramzan Kadyrov", aliases: (1...50).map { "Alias \($0)" }), caller: Self.editor)
    #expect(speaker.aliases.count == 50)
    var add = AddSpeakerAliasRequest()
    add.speakerID = speaker.id
    add.alias = "Alias 51"
    let error = await Self.refusal { _ = try await ledger.addSpeakerAlias(add, caller: Self.editor) }
    #expect(error?.code == .failedPrecondition)
    #expect(error?.message.contains("the maximum is 50") == true)
    var get = GetSpeakerRequest()
    get.id = speaker.id
    #expect(try await ledger.getSpeaker(get, caller: Self.editor).aliases.count == 50)
  }

  @Test("lengths are limited in UTF-8 bytes as well as characters; the refusal names both limits")
  func byteLimits() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // One character: a letter with 3,000 combining accents (6,001 bytes).
    let heavy = "A" + String(repeating: "\u{301}", count: 3_000)
    #expect(heavy.count == 1)
    let error = await Self.refusal { _ = try await ledger.createSpeaker(Make.speaker(heavy), caller: Self.editor) }
    #expect(error?.code == .invalidArgument)
    #expect(
      error?.message == "speaker.name: is 6001 UTF-8 bytes long; the maximum is 200 characters and 800 UTF-8 bytes")
    let speaker = try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: Self.editor)
    let text = "Budget" + String(repeating: "\u{301}", count: 30_000)
    let claimError = await Self.refusal {
      _ = try await ledger.createClaim(Make.claim(text, speaker: speaker.id, said: "2020"), caller: Self.editor)
    }
    #expect(claimError?.message.contains("the maximum is 10000 characters and 40000 UTF-8 bytes") == true)
    // Too many characters is still said in characters.
    let long = String(repeating: "é", count: 201)
    let longError = await Self.refusal { _ = try await ledger.createSpeaker(Make.speaker(long), caller: Self.editor) }
    #expect(
      longError?.message == "speaker.name: is 201 characters long; the maximum is 200 characters and 800 UTF-8 bytes")
    // Four-byte characters up to the character limit are fine.
    let wide = String(repeating: "𝔸", count: 200)
    #expect(try await ledger.createSpeaker(Make.speaker(wide), caller: Self.editor).name == wide)
  }

  @Test("a page of large claims stops at the byte budget and the next page token brings the rest")
  func pagesFit() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let speaker = try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: Self.editor)
    // 60 claims of 10,000 four-byte characters: 2.4 MB in all.
    var created: Set<String> = []
    for index in 0..<60 {
      let text = "Claim \(index) " + String(repeating: "𝔸", count: 9_990)
      created.insert(
        try await ledger.createClaim(Make.claim(text, speaker: speaker.id, said: "2020"), caller: Self.editor).claim!.id
      )
    }
    var listed: [String] = []
    var token = ""
    var pages = 0
    repeat {
      var request = ListClaimsRequest()
      request.pageSize = 1000
      request.pageToken = token
      let page = try await ledger.listClaims(request, caller: Self.editor)
      #expect(!page.claims.isEmpty)
      #expect(page.serializedSize <= PageBudget.bytes + 64)
      listed += page.claims.map(\.id)
      token = page.nextPageToken
      pages += 1
    } while !token.isEmpty && pages < 10
    #expect(pages == 2)
    #expect(listed.count == 60)
    #expect(Set(listed) == created)
  }

  @Test("small pages are as before: every item, no token")
  func smallPages() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let speaker = try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: Self.editor)
    var first = ListClaimsRequest()
    first.pageSize = 10
    // No claims: an empty page, no token.
    let empty = try await ledger.listClaims(first, caller: Self.editor)
    #expect(empty.claims.isEmpty && empty.nextPageToken.isEmpty)
    for index in 0..<3 {
      _ = try await ledger.createClaim(
        Make.claim("Claim \(index) is short", speaker: speaker.id, said: "2020"), caller: Self.editor)
    }
    let page = try await ledger.listClaims(first, caller: Self.editor)
    #expect(page.claims.count == 3 && page.nextPageToken.isEmpty)
  }
}
