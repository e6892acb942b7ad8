import Foundation
import GainsayCore
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Logging
import PostgresNIO
import Testing

@testable import GainsayPostgres

#if canImport(Glibc)
  import Glibc
#endif

/// What only the PostgreSQL store has to get right: migrations under a lock, several daemons on one
/// ledger, wake-ups, PostgreSQL's errors and restarts. Runs against a throwaway cluster given by
/// GAINSAY_TEST_POSTGRES_URL (`postgres:///DB?host=/socket/dir&user=postgres`); each test makes a database
/// of its own there. The restart test also needs GAINSAY_TEST_POSTGRES_STOP and GAINSAY_TEST_POSTGRES_START
/// (shell commands that stop and start that cluster).
/// The throwaway cluster's URL, if the environment gives one.
let postgresTestURL = ProcessInfo.processInfo.environment["GAINSAY_TEST_POSTGRES_URL"]

@Suite(
  "PostgreSQL store",
  .enabled(
    if: postgresTestURL != nil,
    "GAINSAY_TEST_POSTGRES_URL is not set: no throwaway PostgreSQL cluster to test against"),
  .serialized)
struct PostgresStoreTests {
  static let baseURL = postgresTestURL
  static let editor = CallerIdentity(uid: 1001, gid: 1001, userName: "editor", role: .editor)
  static let logger = Logger(label: "gainsay.tests.postgres")

  /// A URL naming database `name` on the test cluster.
  static func url(database name: String) throws -> String {
    guard let base = baseURL, var components = URLComponents(string: base) else {
      throw LedgerError(.invalidArgument, "GAINSAY_TEST_POSTGRES_URL is not a URL")
    }
    components.path = "/" + name
    guard let url = components.string else { throw LedgerError(.invalidArgument, "cannot name \(name)") }
    return url
  }

  /// Runs `statement` on the cluster's maintenance database.
  static func administer(_ statement: String) async throws {
    let configuration = try PostgresURL.configuration(try url(database: "postgres"), password: nil)
    guard let path = configuration.unixSocketPath else { throw LedgerError(.invalidArgument, "a socket URL is needed") }
    let connection = try await PostgresConnection.connect(
      configuration: .init(unixSocketPath: path, username: configuration.username, password: nil, database: "postgres"),
      id: 9, logger: logger)
    defer { Task { try? await connection.close() } }
    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).get()
  }

  /// A new empty database for `body`, dropped afterwards.
  func withDatabase(_ body: (String) async throws -> Void) async throws {
    let name = "gainsay_test_\(UInt32.random(in: 0...UInt32.max))"
    try await Self.administer("CREATE DATABASE \(name)")
    do {
      try await body(try Self.url(database: name))
    } catch {
      try? await Self.administer("DROP DATABASE \(name) WITH (FORCE)")
      throw error
    }
    try await Self.administer("DROP DATABASE \(name) WITH (FORCE)")
  }

  static func connect(_ url: String) async throws -> PostgresLedgerStore {
    try await PostgresLedgerStore.connect(url: url, password: nil, logger: logger, acquireTimeout: .seconds(2))
  }

  /// A store on a new database, and the ledger over it.
  func withStore(_ body: (Ledger, PostgresLedgerStore, String) async throws -> Void) async throws {
    try await withDatabase { url in
      let store = try await Self.connect(url)
      do {
        try await body(Ledger(store: store), store, url)
      } catch {
        await store.close()
        throw error
      }
      await store.close()
    }
  }

  @Test("two daemons starting together migrate once")
  func migrationsOnce() async throws {
    try await withDatabase { url in
      async let first = Self.connect(url)
      async let second = Self.connect(url)
      let stores = try await [first, second]
      let versions = try await stores[0].read { db in
        try await db.rows("SELECT version FROM gainsay_schema ORDER BY version").map { try $0.decode(Int.self) }
      }
      #expect(versions == PostgresLedgerStore.migrations.map(\.version))
      let synchronous = try await stores[1].read { db in
        try await db.one("SHOW synchronous_commit")?.decode(String.self)
      }
      #expect(synchronous == "on")
      for store in stores { await store.close() }
    }
  }

  @Test("writes, reads, lists and the audit log")
  func basics() async throws {
    try await withStore { ledger, store, _ in
      let speaker = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: Self.editor)
      let claim = try await ledger.createClaim(
        Make.claim("Sanctions do not work", speaker: speaker.id, said: "2022-03", topics: ["sanctions"]),
        caller: Self.editor
      ).claim!
      let source = try await ledger.createSource(
        Make.source("Report", outlet: "HRW", text: "The sanctions worked, the report says."), caller: Self.editor)
      _ = try await ledger.createLink(
        Make.link(claim.id, source: source.id, .contradicts, quote: "The sanctions worked"), caller: Self.editor)
      _ = try await ledger.createVerdict(Make.verdict(claim.id, "false"), caller: Self.editor)

      guard let stored = try await store.get(Claim.self, id: claim.id) else {
        Issue.record("the claim is not found")
        return
      }
      #expect(stored.evidence?.contradicting == 1 && stored.latestRating == "false")
      #expect(stored.speakerName == "Ramzan Kadyrov")
      guard let read = try await store.get(Source.self, id: source.id) else {
        Issue.record("the source is not found")
        return
      }
      #expect(read.archivedText == "The sanctions worked, the report says.")
      let page = try await store.listClaims(ClaimFilter(), pageSize: 10, pageToken: "")
      #expect(page.items.map(\.id) == [claim.id] && page.nextPageToken.isEmpty)
      var filter = ClaimFilter()
      filter.topic = "sanctions"
      filter.hasContradictingEvidence = true
      #expect(try await store.listClaims(filter, pageSize: 10, pageToken: "").items.count == 1)
      let events = try await store.auditEvents(AuditQuery())
      #expect(events.map(\.sequence) == [1, 2, 3, 4, 5])
      #expect(try await store.lastSequence() == 5)
      #expect(try await store.speaker(named: "ramzan kadyrov")?.id == speaker.id)

      let duplicate = await #expect(throws: LedgerError.self) {
        _ = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: Self.editor)
      }
      #expect(duplicate?.code == .alreadyExists)
      // The same id again, past the ledger's checks: PostgreSQL's unique violation is ALREADY_EXISTS.
      let raw = await #expect(throws: LedgerError.self) {
        _ = try await store.insert(
          stored,
          audit: AuditDraft(
            actor: UnixUser(), method: "test", action: .create, time: Timestamp()))
      }
      #expect(raw?.code == .alreadyExists)
      // The audit log refuses changes.
      let rewrite = await #expect(throws: LedgerError.self) {
        try await store.write { tx in try await tx.db.run("DELETE FROM audit_event") }
      }
      #expect(rewrite?.code == .failedPrecondition && rewrite?.message.contains("append-only") == true)
      let backup = await #expect(throws: LedgerError.self) {
        try await store.withBackupSnapshot { _ in () }
      }
      #expect(backup?.code == .failedPrecondition)
    }
  }

  @Test("search over the gainsay tokenizer's lexemes: word forms, names, hostile input")
  func search() async throws {
    try await withStore { ledger, store, _ in
      let speaker = try await ledger.createSpeaker(Make.speaker("Рамзан Кадыров"), caller: Self.editor)
      let claim = try await ledger.createClaim(
        Make.claim("Санкции против России не работают", speaker: speaker.id, said: "2022-03"), caller: Self.editor
      ).claim!
      func search(_ query: String) async throws -> [String] {
        var search = LedgerSearch(query: query)
        search.limit = 10
        return try await store.search(search).map(\.resourceID)
      }
      #expect(try await search("санкциями").contains(claim.id), "a word finds its forms")
      #expect(try await search("Kadyrov").contains(claim.id), "a name in another script finds its speaker's claims")
      #expect(try await search("\"против России\"").contains(claim.id))
      #expect(try await search("санкц*").contains(claim.id))
      #expect(try await search("budget").isEmpty)
      // Input that is tsquery syntax is searched as words, or refused as having none; never an SQL error.
      for hostile in ["'", "\\", "a'b", "x & y | !z", "(:*)", "'a':*", "\\'", "<->", "OR OR", "ёлка's don't", "a\\"] {
        do {
          _ = try await search(hostile)
        } catch let error as LedgerError where error.code == .invalidArgument {
          #expect(error.message == "query: has no words to search for", "\(hostile)")
        }
      }
      #expect(try await search("x & Санкции | !z").isEmpty, "operators typed are words the claim lacks")
      #expect(try await search("Санкции 'России'").contains(claim.id))
      let empty = await #expect(throws: LedgerError.self) { _ = try await search("!!! ::") }
      #expect(empty?.code == .invalidArgument)
      let suggestions = try await store.suggestSearch(query: "рабтают", limit: 3)
      #expect(suggestions.words.first?.alternatives.contains("работают") == true)
    }
  }

  @Test("two daemons on one ledger: writes seen at once, contiguous audit sequences, wake-ups")
  func twoDaemons() async throws {
    try await withDatabase { url in
      let one = try await Self.connect(url)
      let two = try await Self.connect(url)
      let (first, second) = (Ledger(store: one), Ledger(store: two))
      let speaker = try await first.createSpeaker(Make.speaker("Dmitry Peskov"), caller: Self.editor)
      #expect(try await two.get(Speaker.self, id: speaker.id) != nil, "a write through one is read through the other")

      // The second daemon waits for changes beyond the last it knows; the first writes.
      let known = try await two.lastSequence()
      let started = ContinuousClock.now
      async let woken: Void = two.waitForChanges(after: known, timeout: .seconds(20))
      try await Task.sleep(for: .milliseconds(200))
      _ = try await first.createClaim(Make.claim("Woken", speaker: speaker.id, said: "2024"), caller: Self.editor)
      try await woken
      #expect(ContinuousClock.now - started < .seconds(10), "the wake-up came with the commit, not the timeout")

      try await withThrowingTaskGroup(of: Void.self) { group in
        for (index, ledger) in [first, second, first, second].enumerated() {
          group.addTask {
            for number in 0..<15 {
              _ = try await ledger.createClaim(
                Make.claim("Claim \(index)-\(number)", speaker: speaker.id, said: "2024"), caller: Self.editor)
            }
          }
        }
        try await group.waitForAll()
      }
      let request = AuditQuery(limit: 1_000)
      let sequences = try await one.auditEvents(request).map(\.sequence)
      #expect(sequences == Array(1...Int64(62)), "no gaps, no duplicates")
      let times = try await two.auditEvents(request).compactMap {
        $0.time.map { $0.seconds * 1_000_000_000 + Int64($0.nanos) }
      }
      #expect(times == times.sorted(), "audit times never go back")
      await one.close()
      await two.close()
    }
  }

  @Test("a ledger moved from SQLite by export and restore exports byte for byte the same")
  func moveFromSQLite() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let sqlite = Ledger(store: try SQLiteLedgerStore(path: directory + "/ledger.sqlite"))
    let speaker = try await sqlite.createSpeaker(
      Make.speaker("Рамзан Кадыров", aliases: ["Ramzan Kadyrov"]), caller: Self.editor)
    let claim = try await sqlite.createClaim(
      Make.claim("Санкции не работают", speaker: speaker.id, said: "2022-03", topics: ["sanctions"]),
      caller: Self.editor
    ).claim!
    let source = try await sqlite.createSource(
      Make.source("Отчёт", outlet: "HRW", text: "Санкции работают, говорится в отчёте."), caller: Self.editor)
    _ = try await sqlite.createLink(
      Make.link(claim.id, source: source.id, .contradicts, quote: "Санкции работают"), caller: Self.editor)
    _ = try await sqlite.createVerdict(Make.verdict(claim.id, "false"), caller: Self.editor)
    var retract = RetractClaimRequest()
    retract.id = claim.id
    retract.reason = "duplicate"
    _ = try await sqlite.retractClaim(retract, caller: Self.editor)

    func export(_ ledger: Ledger) async throws -> [[UInt8]] {
      var request = ExportRequest()
      request.includeAuditEvents = true
      var records: [[UInt8]] = []
      try await ledger.export(request, caller: Self.editor) { records.append($0.serializedBytes()) }
      return records
    }
    let exported = try await export(sqlite)
    try await withStore { ledger, store, _ in
      let records = try exported.enumerated().map {
        RestoreRecord(line: Int64($0.offset + 1), record: try LedgerRecord(serializedBytes: $0.element))
      }
      try await store.restore(try RestoreVerifier(rules: ledger, now: Date()).verify(records))
      #expect(try await export(ledger) == exported)
      let again = await #expect(throws: LedgerError.self) {
        try await store.restore(try RestoreVerifier(rules: ledger, now: Date()).verify(records))
      }
      #expect(again?.code == .failedPrecondition)
      // The restored ledger goes on: the next event follows the restored log.
      let next = try await ledger.createSpeaker(Make.speaker("Dmitry Peskov"), caller: Self.editor)
      var history = AuditQuery()
      history.resourceID = next.id
      let restoredEvents = records.filter {
        if case .auditEvent? = $0.record.record { return true }
        return false
      }.count
      #expect(try await store.auditEvents(history).map(\.sequence) == [Int64(restoredEvents) + 1])
    }
  }

  @Test("the same queries find the same hits on both stores; the first hit agrees where ranks are clear")
  func sameHitsAsSQLite() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let sqliteStore = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let sqlite = Ledger(store: sqliteStore)
    try await withStore { postgres, store, _ in
      for ledger in [sqlite, postgres] {
        let kadyrov = try await ledger.createSpeaker(Make.speaker("Рамзан Кадыров"), caller: Self.editor)
        let peskov = try await ledger.createSpeaker(Make.speaker("Dmitry Peskov"), caller: Self.editor)
        for (text, speaker) in [
          ("Санкции против России не работают", kadyrov.id), ("Санкции работают, экономика падает", peskov.id),
          ("Sanctions do not work against Russia", peskov.id), ("The sanctions worked, the budget shrank", peskov.id),
          ("Кадырова нет в списке санкций", peskov.id), ("Газпрома больше нет в Европе", kadyrov.id),
          ("Sanctions, sanctions and more sanctions: the economy of sanctions", kadyrov.id),
        ] {
          _ = try await ledger.createClaim(Make.claim(text, speaker: speaker, said: "2022"), caller: Self.editor)
        }
        _ = try await ledger.createSource(
          Make.source("Sanctions report", outlet: "HRW", text: "Sanctions work slowly."), caller: Self.editor)
      }
      func hits(_ store: any LedgerStore, _ query: String) async throws -> [String] {
        // Ids differ between the ledgers: compare what the hits are. (Snippets may differ: see the report.)
        return try await store.search(LedgerSearch(query: query)).map { hit in
          switch hit.resource?.kind {
          case .claim(let claim)?: claim.text
          case .speaker(let speaker)?: speaker.name
          case .source(let source)?: source.title
          default: "?"
          }
        }
      }
      for query in [
        "санкции", "sanctions", "sanctions work", "sanctions do not work", "Kadyrov", "Кадырова", "Газпром",
        "\"sanctions worked\"", "sanction*", "budget OR Европе", "санкции не работают",
      ] {
        let (expected, found) = (try await hits(sqliteStore, query), try await hits(store, query))
        #expect(Set(found) == Set(expected), "\(query)")
        #expect(found.first == expected.first, "\(query): \(found) against \(expected)")
      }
    }
  }

  @Test(
    "PostgreSQL stopped: UNAVAILABLE; started again: the same store works",
    .enabled(
      if: ProcessInfo.processInfo.environment["GAINSAY_TEST_POSTGRES_STOP"] != nil,
      "GAINSAY_TEST_POSTGRES_STOP/START are not set"))
  func restart() async throws {
    let environment = ProcessInfo.processInfo.environment
    // posix_spawn and waitpid: Foundation's Process waits on descriptors the started server inherits.
    func shell(_ command: String?) throws {
      var pid: pid_t = 0
      let arguments = ["/bin/sh", "-c", command ?? "false"]
      var argv = arguments.map { strdup($0) } + [nil]
      defer { for argument in argv { free(argument) } }
      let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ)
      #expect(spawned == 0)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      #expect(status == 0, "\(command ?? "")")
    }
    try await withStore { ledger, store, _ in
      let speaker = try await ledger.createSpeaker(Make.speaker("Maria Zakharova"), caller: Self.editor)
      try shell(environment["GAINSAY_TEST_POSTGRES_STOP"])
      let down = await #expect(throws: LedgerError.self) {
        _ = try await store.get(Speaker.self, id: speaker.id)
      }
      #expect(down?.code == .unavailable, "\(down?.message ?? "")")
      let write = await #expect(throws: LedgerError.self) {
        _ = try await ledger.createSpeaker(Make.speaker("Sergey Lavrov"), caller: Self.editor)
      }
      #expect(write?.code == .unavailable)
      try shell(environment["GAINSAY_TEST_POSTGRES_START"])
      var back = false
      for _ in 0..<40 where !back {
        do {
          back = try await store.get(Speaker.self, id: speaker.id) != nil
        } catch {
        }
        if !back { try await Task.sleep(for: .milliseconds(500)) }
      }
      #expect(back, "the pool reconnects by itself")
      _ = try await ledger.createSpeaker(Make.speaker("Sergey Lavrov"), caller: Self.editor)
      #expect(try await store.lastSequence() == 2)
    }
  }
}

@Suite("PostgreSQL store URLs")
struct PostgresURLTests {
  @Test("a socket URL, a TCP URL; passwords and other schemes refused")
  func urls() throws {
    let socket = try PostgresURL.configuration("postgres:///gainsay?host=/run/postgresql&user=news", password: nil)
    #expect(socket.unixSocketPath == "/run/postgresql/.s.PGSQL.5432" && socket.username == "news")
    #expect(socket.database == "gainsay")
    let tcp = try PostgresURL.configuration("postgres://news@db.example:6543/ledger", password: "secret")
    #expect(tcp.host == "db.example" && tcp.port == 6543 && tcp.password == "secret")
    for bad in [
      "postgres://news:secret@db/ledger", "mysql:///x?host=/tmp", "postgres:///?host=/tmp", "postgres:///x",
      "postgres:///x?host=/tmp&sslmode=require", "postgres:///x?host=relative",
    ] {
      let error = #expect(throws: LedgerError.self) { _ = try PostgresURL.configuration(bad, password: nil) }
      #expect(error?.code == .invalidArgument, "\(bad)")
    }
    let secret = #expect(throws: LedgerError.self) {
      _ = try PostgresURL.configuration("postgres://news:hunter2@db/ledger", password: nil)
    }
    #expect(secret?.message.contains("hunter2") == false && secret?.message.contains("password") == true)
  }
}
