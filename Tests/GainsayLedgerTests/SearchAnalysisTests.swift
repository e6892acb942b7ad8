import Foundation
import GRDB
import GainsayCore
import GainsayProto
import GainsayTestSupport
import Synchronization
import Testing

@testable import GainsayStore

/// Search through the ledger with the `gainsay` analysis (docs/SEARCH.md): word forms, names in any
/// script and spelling, negations, the speaker boost, "did you mean" and the upgrade of an old index.
@Suite("search analysis")
struct SearchAnalysisTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)

  struct Fixture {
    let ledger: Ledger
    let directory: String
    /// Claim ids by a short name.
    let claims: [String: String]
    let speakers: [String: String]
  }

  func fixture() async throws -> Fixture {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let ledger = Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test"))
    var speakers: [String: String] = [:]
    // Kadyrov has only his Latin name: the Cyrillic spelling must be found by transliteration.
    speakers["kadyrov"] = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: Self.editor).id
    speakers["peskov"] = try await ledger.createSpeaker(
      Make.speaker("Dmitry Peskov", aliases: ["Дмитрий Песков"]), caller: Self.editor
    ).id
    speakers["minister"] = try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: Self.editor).id
    let texts: [(String, String, String)] = [
      ("gays-en", "kadyrov", "We don't have any gays"),
      ("gays-ru", "kadyrov", "У нас нет таких людей, нет геев"),
      ("not-working", "peskov", "Санкции не работают"),
      ("working", "peskov", "Санкции работают, и это видно"),
      ("mentions", "minister", "Кадыров заявил, что в Чечне всё спокойно"),
      ("russia", "minister", "Перед Россией стоят трудные задачи"),
      ("sand", "minister", "Песка на стройке мало"),
      ("sanctions-en", "minister", "Sanctions don't work against a country this size"),
      ("sanctions-work", "minister", "Sanctions work when they are enforced"),
    ]
    var claims: [String: String] = [:]
    for (key, speaker, text) in texts {
      claims[key] = try await ledger.createClaim(
        Make.claim(text, speaker: speakers[speaker]!, said: "2017"), caller: Self.editor
      ).claim!.id
    }
    return Fixture(ledger: ledger, directory: directory, claims: claims, speakers: speakers)
  }

  func search(_ fixture: Fixture, _ query: String) async throws -> [SearchHit] {
    var request = SearchRequest()
    request.query = query
    request.resourceTypes = [.claim]
    return try await fixture.ledger.search(request, caller: Self.editor)
  }

  func keys(_ fixture: Fixture, _ hits: [SearchHit]) -> [String] {
    let names = Dictionary(uniqueKeysWithValues: fixture.claims.map { ($1, $0) })
    return hits.map { names[$0.resourceID] ?? $0.resourceID }
  }

  @Test("a word finds its other forms, in Russian and in English")
  func wordForms() async throws {
    let fixture = try await fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    #expect(keys(fixture, try await search(fixture, "Россия")) == ["russia"])
    #expect(keys(fixture, try await search(fixture, "геи")) == ["gays-ru"])
    #expect(keys(fixture, try await search(fixture, "ГЕЙ")) == ["gays-ru"])
    #expect(Set(keys(fixture, try await search(fixture, "sanction"))) == ["sanctions-en", "sanctions-work"])
    // A speaker's name is matched as a name: Песков does not find sand («песка», stemmed песк like it).
    #expect(!keys(fixture, try await search(fixture, "Песков")).contains("sand"))
  }

  @Test("a speaker's name in any script or spelling finds the speaker's claims first")
  func names() async throws {
    let fixture = try await fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    for query in ["Kadyrov", "Кадыров", "Kadirov", "Kadyrow", "kadyrov"] {
      let hits = try await search(fixture, query)
      let found = keys(fixture, hits)
      #expect(Set(found.prefix(2)) == ["gays-en", "gays-ru"], "\(query): \(found)")
      #expect(hits.prefix(2).allSatisfy { $0.speakerNamed }, "\(query)")
      // Another speaker's claim that names him, in Cyrillic, comes after his own.
      #expect(found.dropFirst(2).contains("mentions"), "\(query): \(found)")
    }
    // The speaker himself comes first when speakers are searched too.
    var request = SearchRequest()
    request.query = "Peskow"
    let everything = try await fixture.ledger.search(request, caller: Self.editor)
    #expect(everything.first?.resourceID == fixture.speakers["peskov"])
    #expect(everything.first?.resourceType == .speaker)
    request.resourceTypes = [.speaker]
    #expect(
      try await fixture.ledger.search(request, caller: Self.editor).map(\.resourceID) == [fixture.speakers["peskov"]!])
    // His alias is in Cyrillic, the query in Latin with a German spelling.
    let peskov = try await search(fixture, "Peskow санкции")
    #expect(Set(keys(fixture, peskov)) == ["not-working", "working"])
    #expect(peskov.allSatisfy { $0.speakerNamed })
  }

  @Test("a negation in the query ranks the hits that share it first and marks those that lack it")
  func negations() async throws {
    let fixture = try await fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    let negated = try await search(fixture, "санкции не работают")
    #expect(keys(fixture, negated) == ["not-working", "working"])
    #expect(negated.map(\.negationMismatch) == [.none, .missing])
    let stated = try await search(fixture, "санкции работают")
    #expect(keys(fixture, stated) == ["working", "not-working"])
    #expect(stated.map(\.negationMismatch) == [.none, .added])
    let english = try await search(fixture, "sanctions do not work")
    #expect(keys(fixture, english) == ["sanctions-en", "sanctions-work"])
    #expect(english.map(\.negationMismatch) == [.none, .missing])
    // A quoted phrase keeps its negation as written.
    #expect(keys(fixture, try await search(fixture, "\"санкции не работают\"")) == ["not-working"])
    #expect(keys(fixture, try await search(fixture, "\"санкции работают\"")) == ["working"])
  }

  @Test(
    "a query of negations and auxiliaries only searches for them", arguments: ["do not", "не", "don't", "is not OR no"])
  func onlyNegations(query: String) throws {
    let plan = try #require(SearchPlan(query: query, names: { _ in SearchPlan.NameMatch() }))
    #expect(!plan.phrases.isEmpty)
    #expect(!plan.expression.hasPrefix("OR") && !plan.expression.hasSuffix("OR"))
  }

  @Test("the byte scan for negations never says 'none' of a text whose analysis finds one")
  func negationScan() {
    let texts = [
      "We don't have any gays", "He said 'no' to it", "NEVER again", "Nobody knows", "cannot work",
      "У нас нет геев", "Санкции НЕ работают", "Никогда!", "We don’t have any", "«Не» сказал он", "Neither one",
      "Sanctions work", "The economy grows", "Экономика растёт", "One new need",
    ]
    for text in texts {
      let analysed = TextAnalysis.words(of: text).contains(where: \.isNegation)
      if analysed { #expect(!SearchPolarity.certainlyWithoutNegation(text), "\(text)") }
    }
    #expect(SearchPolarity.certainlyWithoutNegation("Sanctions work when enforced"))
    #expect(SearchPolarity.certainlyWithoutNegation("Экономика растёт"))
  }

  @Test("prefixes match the words as written")
  func prefixes() async throws {
    let fixture = try await fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    #expect(keys(fixture, try await search(fixture, "Кадыро*")) == ["mentions"])
    #expect(keys(fixture, try await search(fixture, "росси*")) == ["russia"])
  }

  @Test("a query that finds nothing gets the closest words and speaker names")
  func didYouMean() async throws {
    let fixture = try await fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
    #expect(try await search(fixture, "sanctoins").isEmpty)
    var request = SuggestSearchRequest()
    request.query = "sanctoins"
    let words = try await fixture.ledger.suggestSearch(request, caller: Self.editor)
    #expect(words.words.first?.alternatives.first == "sanctions")
    #expect(words.query == "sanctions")
    request.query = "Peskof"
    let speakers = try await fixture.ledger.suggestSearch(request, caller: Self.editor)
    #expect(speakers.speakers.map(\.id) == [fixture.speakers["peskov"]!])
    request.query = ""
    await #expect(throws: LedgerError.self) { try await fixture.ledger.suggestSearch(request, caller: Self.editor) }
    request.query = "x"
    request.limit = 11
    await #expect(throws: LedgerError.self) { try await fixture.ledger.suggestSearch(request, caller: Self.editor) }
  }

  @Test("a ledger indexed before the gainsay tokenizer is re-indexed at upgrade, with its progress told")
  func upgrade() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/ledger.sqlite"
    do {
      let queue = try DatabaseQueue(path: path)
      try Schema.migrator().migrate(queue, upTo: "v5: the same passage quoted at two places is two links")
      try await queue.write { db in
        for (index, text) in ["Перед Россией стоят задачи", "We don't have any gays"].enumerated() {
          try db.execute(
            sql: "INSERT INTO search_index(rowid, resource_type, resource_id, title, body) VALUES (?, 2, ?, ?, '')",
            arguments: [index + 7, "clm_\(index)", text])
          try db.execute(
            sql: "INSERT INTO search_entry(resource_type, resource_id, entry) VALUES (2, ?, ?)",
            arguments: ["clm_\(index)", index + 7])
        }
      }
      try queue.close()
    }
    let told = Mutex<[String]>([])
    let store = try SQLiteLedgerStore(path: path) { message in told.withLock { $0.append(message) } }
    let messages = told.withLock { $0 }
    #expect(messages.first?.contains("2 entries") == true, "\(messages)")
    #expect(messages.contains { $0.contains("2 of 2 entries (100%)") }, "\(messages)")
    #expect(messages.last?.hasPrefix("search index rebuilt: 2 entries") == true, "\(messages)")
    let rows = try store.pool.read { db in
      try Row.fetchAll(db, sql: "SELECT rowid, resource_id FROM search_index WHERE search_index MATCH 'россия'")
    }
    #expect(rows.map { $0[0] as Int64 } == [7])
    #expect(try await store.integrityCheck() == "ok")
    try store.close()
    // Opened again, nothing is rebuilt.
    told.withLock { $0 = [] }
    let again = try SQLiteLedgerStore(path: path) { message in told.withLock { $0.append(message) } }
    #expect(told.withLock { $0 }.isEmpty)
    try again.close()
  }
}
