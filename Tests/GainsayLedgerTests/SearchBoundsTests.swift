import Foundation
import GRDB
import GainsayCore
import GainsayProto
import GainsayRPC
import GainsayServer
import GainsayTestSupport
import Synchronization
import Testing

@testable import GainsayStore

/// Search does bounded work whatever the text it matches: snippets look at a bounded window, in linear
/// time, and an abandoned search stops and frees its reader.
@Suite("search bounds")
struct SearchBoundsTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)

  /// A ledger holding one source whose archived text is `text`.
  func ledger(archivedText text: String) async throws -> (Ledger, source: String, directory: String) {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let ledger = Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test"))
    let source = try await ledger.createSource(
      Make.source("Annual report", outlet: "Herald", text: text), caller: Self.editor)
    return (ledger, source.id, directory)
  }

  static func search(_ ledger: Ledger, _ query: String) async throws -> [SearchHit] {
    var request = SearchRequest()
    request.query = query
    return try await ledger.search(request, caller: Self.editor)
  }

  static func highlighted(_ hit: SearchHit) -> [String] {
    hit.highlights.map { String(decoding: Array(hit.snippet.utf8)[Int($0.start)..<Int($0.end)], as: UTF8.self) }
  }

  /// One word, repeated: FTS5's snippet() took time quadratic in the repeats (10 s at 40,000).
  static func repeated(_ word: String, _ count: Int) -> String {
    Array(repeating: word, count: count).joined(separator: " ")
  }

  @Test("a source holding one word 40,000 times is searched promptly, with a window of 24 words highlighted")
  func repeatedWord() async throws {
    let (ledger, source, directory) = try await ledger(archivedText: Self.repeated("budget", 40_000))
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let hits = try await finishes(within: .seconds(20)) { try await Self.search(ledger, "budget") }
    let hit = try #require(hits?.first)
    #expect(hit.resourceID == source)
    // The outlet, then the first 23 repeats: the window starting the text wins, as FTS5's would.
    #expect(hit.snippet == "Herald\n" + Self.repeated("budget", 23) + "…")
    #expect(Self.highlighted(hit) == Array(repeating: "budget", count: 23))
    #expect(hit.resource.map { if case .source(let s) = $0.kind { s.archivedText.isEmpty } else { false } } == true)
  }

  @Test("a 3 MB source is searched promptly; a match past the examined prefix is found, its snippet the text's start")
  func hugeSource() async throws {
    // 3,000,000 characters, the most a source may archive; the last word comes after the 256 KiB looked at.
    let text = Self.repeated("budget", 428_570) + " zanzibar"
    #expect(text.utf8.count <= 3_000_000)
    let (ledger, source, directory) = try await ledger(archivedText: text)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let hits = try await finishes(within: .seconds(20)) {
      (try await Self.search(ledger, "budget"), try await Self.search(ledger, "zanzibar"))
    }
    let (budget, zanzibar) = try #require(hits)
    #expect(budget.map(\.resourceID) == [source])
    #expect(budget.first.map(Self.highlighted)?.count == 23)
    #expect(zanzibar.map(\.resourceID) == [source])
    #expect(zanzibar.first?.snippet == "Herald\n" + Self.repeated("budget", 23) + "…")
    #expect(zanzibar.first?.highlights.isEmpty == true)
  }

  @Test("evidence for a long claim is suggested promptly from a 3 MB source, its passage in the text")
  func suggestionsOverHugeSource() async throws {
    let (ledger, source, directory) = try await ledger(archivedText: Self.repeated("budget", 428_570))
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let speaker = try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: Self.editor)
    // About 1,600 distinct words: each of the text's words was compared with every one of them.
    let words = (0..<1_600).map { "w" + String($0 + 1_296, radix: 36) }
    let text = "The budget " + words.joined(separator: " ")
    let claim = try #require(
      try await ledger.createClaim(
        Make.claim(String(text.prefix(10_000)), speaker: speaker.id, said: "2020"), caller: Self.editor
      ).claim)
    var request = SuggestEvidenceRequest()
    request.claimID = claim.id
    let asked = request
    let suggestions = try await finishes(within: .seconds(20)) {
      try await ledger.suggestEvidence(asked, caller: Self.editor)
    }
    let first = try #require(suggestions?.first)
    #expect(first.source?.id == source)
    #expect(first.passage?.exact.hasPrefix("budget budget") == true)
    #expect(first.passage?.exact.count == 5_000)
  }

  @Test("a snippet's words are bounded however long a single word is")
  func longToken() {
    let snippets = SearchSnippet(query: "zz*")
    let text = String(repeating: "z", count: 1_000_000)
    let snippet = snippets.snippet(of: text)
    // One token cut at the examined prefix: shown up to there, highlighted, and "…".
    #expect(snippet.text.utf8.count == SearchSnippet.maximumBytes + "…".utf8.count)
    #expect(snippet.highlights.count == 1)
  }

  /// Ordinary documents and queries; FTS5's snippet() is the reference.
  static let documents = [
    "We don't have any gays",
    "Chechnya is peaceful. There are no detentions: none at all, the spokesman said.",
    """
    Novaya Gazeta reported that more than a hundred men were detained in Chechnya. The newspaper said three \
    men were killed. Officials denied the report and said the budget for the police had not changed. \
    Later, a second report described detentions in Grozny; the budget deficit was not mentioned again. \
    The budget, the budget, the budget: the budget is balanced, the minister said at the end of the year.
    """,
    "Café crème à Paris: le CAFÉ est bon. Naïve coöperation über alles.",
    "Рамзан Кадыров заявил, что в Чечне нет геев. Кадыров повторил это позже: Кадыров.",
    "  leading spaces, then words; trailing punctuation!!!  ",
    """
    One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen \
    seventeen eighteen nineteen twenty. Budget twenty-one twenty-two twenty-three twenty-four twenty-five \
    twenty-six twenty-seven twenty-eight twenty-nine thirty thirty-one thirty-two thirty-three thirty-four \
    thirty-five thirty-six thirty-seven thirty-eight thirty-nine forty budget forty-one deficit forty-two.
    """,
  ]

  static let queries = [
    "gays", "budget", "budget deficit", "\"hundred men\"", "detain*", "cafe", "CAFÉ crème", "peaceful OR gays",
    "кадыров", "naive cooperation", "\"the budget\"", "twenty*", "words punctuation", "said budget*", "uber",
  ]

  @Test("snippets of ordinary documents are those FTS5's snippet() makes")
  func sameAsFTS5() throws {
    let queue = try DatabaseQueue()
    try queue.write { db in
      try db.execute(sql: "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
      for document in Self.documents { try db.execute(sql: "INSERT INTO t(body) VALUES (?)", arguments: [document]) }
    }
    var compared = 0
    for query in Self.queries {
      let expression = try #require(SearchQuery.fts5Expression(query))
      let rows = try queue.read { db in
        try Row.fetchAll(
          db, sql: "SELECT body, snippet(t, 0, char(2), char(3), '…', 24) FROM t WHERE t MATCH ?",
          arguments: [expression])
      }
      let snippets = SearchSnippet(query: query)
      for row in rows {
        let (expectedText, expectedSpans) = SearchQuery.highlights(in: row[1] as String)
        let snippet = snippets.snippet(of: row[0] as String)
        #expect(snippet.text == expectedText, "\(query)")
        #expect(snippet.highlights == expectedSpans, "\(query): \(snippet.text)")
        #expect(snippet.matched)
        compared += 1
      }
    }
    #expect(compared >= 15)
  }

  @Test("searches abandoned at their deadline free their readers: a list right after them is answered")
  func abandonedSearches() async throws {
    try await withLedgerDaemon { client, _ in
      let source = try await client.call(
        LedgerService.createSource,
        Make.source("Annual report", outlet: "Herald", text: Self.repeated("budget", 40_000)))
      let request = {
        var request = SearchRequest()
        request.query = "budget"
        request.limit = 1000
        return request
      }()
      // More abandoned searches than the pool has readers (5).
      let codes = try await withThrowingTaskGroup(of: RPCStatusCode?.self) { group in
        for _ in 0..<6 {
          group.addTask {
            await rpcError {
              for try await _ in client.stream(
                LedgerService.search, request, options: CallOptions(timeout: .seconds(1)))
              {}
            }?.code
          }
        }
        var codes: [RPCStatusCode?] = []
        for try await code in group { codes.append(code) }
        return codes
      }
      // Each ended at its deadline, or before it (FTS5's snippet() held each reader for 10 s or more).
      #expect(codes.allSatisfy { $0 == nil || $0 == .deadlineExceeded })
      // One whose deadline passes before it is done ends with DEADLINE_EXCEEDED.
      let late = await rpcError {
        for try await _ in client.stream(LedgerService.search, request, options: CallOptions(timeout: .microseconds(1)))
        {}
      }
      #expect(late?.code == .deadlineExceeded)
      var list = ListSourcesRequest()
      list.pageSize = 10
      let listed = try await client.call(LedgerService.listSources, list, options: CallOptions(timeout: .seconds(20)))
      #expect(listed.sources.map(\.id) == [source.id])
    }
  }

  @Test(
    "a statement still running when its read is cancelled is interrupted; the readers serve the next read, and the store closes"
  )
  func interruptedReads() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let started = Shared(0)
    // More than the pool has readers, each running a statement that never ends by itself.
    let reads = (0..<6).map { _ in
      Task {
        try await store.read { db in
          started.value.withLock { $0 += 1 }
          return try Int.fetchOne(db, sql: Self.endless)
        }
      }
    }
    while started.value.withLock({ $0 }) < 5 { try await Task.sleep(for: .milliseconds(10)) }
    for read in reads { read.cancel() }
    for read in reads {
      let result = await read.result
      #expect(throws: CancellationError.self) { try result.get() }
    }
    #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT 42") } == 42)
    // What a graceful stop does once its drain time is over and it has cancelled the calls: close, at once.
    try store.close()
  }

  @Test("a statement still running when a report's read is cancelled is interrupted")
  func interruptedReportRead() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let started = Shared(false)
    let report = Task {
      try await store.readReport { reader in
        guard let reader = reader as? SQLiteReportReader else { throw CancellationError() }
        return try await SQLiteLedgerStore.read(reader.snapshot) { db in
          started.value.withLock { $0 = true }
          return try Int.fetchOne(db, sql: Self.endless)
        }
      }
    }
    while !started.value.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
    report.cancel()
    let result = await report.result
    #expect(throws: CancellationError.self) { try result.get() }
  }

  @Test("a write still running when its call is cancelled is interrupted alone; the write batched with it commits")
  func interruptedWrite() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let ledger = Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test"))
    try await store.write { db in try db.execute(sql: "CREATE TABLE scratch(x)") }
    // A write holds the committer while two more queue behind it: they are committed together.
    let release = DispatchSemaphore(value: 0)
    let holding = Shared(false)
    let first = Task {
      try await store.write { _ in
        holding.value.withLock { $0 = true }
        release.wait()
      }
    }
    while !holding.value.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
    let speaker = Task { try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: Self.editor) }
    while store.committer.waiting < 1 { try await Task.sleep(for: .milliseconds(10)) }
    let started = Shared(false)
    let endless = Task {
      try await store.write { db in
        started.value.withLock { $0 = true }
        // A change (so SQLite rolls back the whole transaction when it is interrupted) that never ends.
        try db.execute(sql: "INSERT INTO scratch SELECT x FROM (\(Self.endlessRows)) WHERE x < 0")
      }
    }
    while store.committer.waiting < 2 { try await Task.sleep(for: .milliseconds(10)) }
    release.signal()
    try await first.value
    while !started.value.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
    endless.cancel()
    let outcome = try await finishes(within: .seconds(20)) { (await endless.result, await speaker.result) }
    let (interrupted, created) = try #require(outcome)
    #expect(throws: CancellationError.self) { try interrupted.get() }
    var get = GetSpeakerRequest()
    get.id = try created.get().id
    #expect(try await ledger.getSpeaker(get, caller: Self.editor).name == "Finance Minister")
  }

  /// Rows that never end.
  static let endlessRows = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n"

  /// A statement that runs until it is interrupted.
  static let endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
}

/// `body`'s result, or nil (recorded as an issue) if it has not finished within `limit`: for work that
/// used to take minutes, so a regression fails instead of hanging. `body` runs on regardless.
func finishes<T: Sendable>(
  within limit: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T? {
  let waiting = Shared<CheckedContinuation<T?, any Error>?>(nil)
  let result: T? = try await withCheckedThrowingContinuation { continuation in
    waiting.value.withLock { $0 = continuation }
    Task {
      let outcome: Result<T?, any Error>
      do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
      waiting.value.withLock { $0.take() }?.resume(with: outcome)
    }
    Task {
      try? await Task.sleep(for: limit)
      waiting.value.withLock { $0.take() }?.resume(returning: nil)
    }
  }
  if result == nil { Issue.record("did not finish within \(limit)") }
  return result
}

/// A value shared between tasks.
final class Shared<Value: Sendable>: Sendable {
  let value: Mutex<Value>
  init(_ value: Value) { self.value = Mutex(value) }
}
