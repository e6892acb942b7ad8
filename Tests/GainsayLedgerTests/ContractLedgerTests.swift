import Foundation
import GainsayCore
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Synchronization
import Testing

/// The ledger's side of docs/PROTOCOL.md: pages that fit the frame, what CreateSource returns, and the
/// confirmation a Watch can ask for.
@Suite("the ledger keeps docs/PROTOCOL.md")
struct ContractLedgerTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)

  func ledger(maximumResponseBytes: Int = 4 * 1024 * 1024) throws -> (Ledger, directory: String) {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    var configuration = LedgerConfiguration(publisher: "Test")
    configuration.maximumResponseBytes = maximumResponseBytes
    return (Ledger(store: store, configuration: configuration), directory)
  }

  @Test("§12: a list page under a frame limit below the page budget is cut short, never too large")
  func pagesFitTheFrame() async throws {
    let limit = 150_000
    let (ledger, directory) = try ledger(maximumResponseBytes: limit)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // The longest name there is (filled into every claim read) and claims of 40 KB each.
    let name = String(repeating: "Кадыров ", count: 25).trimmingCharacters(in: .whitespaces)
    let speaker = try await ledger.createSpeaker(Make.speaker(name), caller: Self.editor)
    var created: Set<String> = []
    for index in 0..<20 {
      let text = "Claim \(index) " + String(repeating: "𝔸", count: 9_990)
      let claim = try await ledger.createClaim(Make.claim(text, speaker: speaker.id, said: "2020"), caller: Self.editor)
      created.insert(claim.claim!.id)
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
      #expect(page.serializedSize <= limit, "a page fits the frame")
      #expect(page.claims.allSatisfy { $0.speakerName == name })
      listed += page.claims.map(\.id)
      token = page.nextPageToken
      pages += 1
    } while !token.isEmpty && pages < 40
    #expect(pages >= 6, "about three claims a page")
    #expect(listed.count == 20, "each claim once")
    #expect(Set(listed) == created)
  }

  @Test("the archived text comes back only from GetSource with the full view")
  func archivedTextOnlyInFullView() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // Seed-like text: a non-breaking space, curly quotes, Cyrillic, a line break.
    let text = "Глава Чечни Рамзан Кадыров заявил:\u{00A0}«У нас нет геев».\nHe said “we don't have any gays”."
    let created = try await ledger.createSource(
      Make.source("Kadyrov interview", outlet: "HBO", text: text), caller: Self.editor)
    #expect(created.archivedText.isEmpty)
    #expect(created.archivedTextSize == Int64(text.utf8.count))
    #expect(created.archivedTextSha256 == SHA256.hexDigest(text.utf8))
    var get = GetSourceRequest()
    get.id = created.id
    #expect(try await ledger.getSource(get, caller: Self.editor).archivedText.isEmpty)
    get.view = .full
    #expect(try await ledger.getSource(get, caller: Self.editor).archivedText == text)
  }

  @Test("Watch with confirm_subscription says when it is live; a change made then always arrives")
  func watchConfirmsItsSubscription() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let speaker = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: Self.editor)
    for round in 0..<20 {
      let (events, continuation) = AsyncStream<ChangeEvent>.makeStream()
      let watcher = Task {
        var request = WatchRequest()
        request.confirmSubscription = true
        try await ledger.watch(request, caller: Self.editor) { continuation.yield($0) }
      }
      var iterator = events.makeAsyncIterator()
      let confirmation = await iterator.next()
      #expect(confirmation?.subscribed == true)
      #expect(confirmation?.resource == nil)
      // At once after the confirmation, with no pause: the change must not be missed.
      let claim = try await ledger.createClaim(
        Make.claim("We don't have any gays, round \(round)", speaker: speaker.id, said: "2017-07-14"),
        caller: Self.editor)
      let change = await iterator.next()
      #expect(change?.subscribed == false)
      #expect(change?.resourceID == claim.claim?.id)
      #expect((change?.sequence ?? 0) > (confirmation?.sequence ?? .max))
      watcher.cancel()
      continuation.finish()
    }
  }

  @Test("the confirmation follows the replay and names the last sequence replayed")
  func confirmationAfterReplay() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    _ = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: Self.editor)
    _ = try await ledger.createSpeaker(Make.speaker("Vladimir Putin"), caller: Self.editor)
    let (events, continuation) = AsyncStream<ChangeEvent>.makeStream()
    let watcher = Task {
      var request = WatchRequest()
      request.afterSequence = 1
      request.confirmSubscription = true
      try await ledger.watch(request, caller: Self.editor) { continuation.yield($0) }
    }
    var iterator = events.makeAsyncIterator()
    let replayed = await iterator.next()
    #expect(replayed?.sequence == 2 && replayed?.subscribed == false)
    let confirmation = await iterator.next()
    #expect(confirmation?.subscribed == true && confirmation?.sequence == 2)
    watcher.cancel()
    continuation.finish()
  }
}
