import Foundation
import GRDB
import GainsayProto
import GainsayTestSupport
import Testing

@testable import GainsayCore
@testable import GainsayStore

/// Repeat detection, evidence suggestions and snippets analyse words as search does (TextAnalysis): stems,
/// names across scripts, negations kept.
@Suite("analysis in use")
struct AnalysisInUseTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)

  func ledger() throws -> (Ledger, directory: String) {
    let directory = try makeShortTempDirectory()
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    return (Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test")), directory)
  }

  // MARK: Repeats

  /// Repeats differing only in the forms of their words: each scored below the threshold word form by word
  /// form (0.54 and 0.27), and as a repeat stem by stem.
  static let inflectedRepeats = [
    ("Кадыров заявил, что в Чечне нет геев", "Кадырову заявили, что в Чечне нет гея"),
    ("Чеченские власти задержали активистов в Грозном", "Чеченскими властями задержаны активисты в Грозном"),
    ("Sanctions don't work", "Sanctions do not work"),
  ]

  @Test("an inflected repeat scores as a repeat", arguments: inflectedRepeats)
  func inflectedRepeatScores(pair: (String, String)) {
    #expect(Similarity.normalised(pair.0) != Similarity.normalised(pair.1))
    #expect(Similarity.score(pair.0, pair.1) >= Ledger.similarityThreshold)
  }

  @Test("a negation keeps a statement and its denial apart: no closer than word forms put them")
  func negationApart() {
    // Word forms alone: 2 shared features (санкции, работают) of 3 + 5, a Dice score of 0.5.
    #expect(Similarity.score("санкции работают", "санкции не работают") <= 0.5)
    #expect(Similarity.score("санкции работают", "санкции не работают") < Ledger.similarityThreshold)
    #expect(Similarity.score("В Чечне нет геев", "В Чечне не было геев") <= 0.5)
    #expect(
      Similarity.score("Западные санкции против России не работают", "Западные санкции против России работают")
        < Similarity.score("Западные санкции против России не работают", "Западные санкции против России не работали"))
  }

  @Test("a claim repeating an earlier one in other word forms comes back with it as a candidate")
  func inflectedRepeatInLedger() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let speaker = try await ledger.createSpeaker(Make.speaker("Рамзан Кадыров"), caller: Self.editor)
    let first = try await ledger.createClaim(
      Make.claim("Кадыров заявил, что в Чечне нет геев", speaker: speaker.id, said: "2017-04"), caller: Self.editor)
    _ = try await ledger.createClaim(
      Make.claim("Чечня — мирная республика", speaker: speaker.id, said: "2016"), caller: Self.editor)
    let repeated = try await ledger.createClaim(
      Make.claim("Кадырову заявили, что в Чечне нет гея", speaker: speaker.id, said: "2017-05"), caller: Self.editor)
    let denial = try await ledger.createClaim(
      Make.claim("Санкции не работают", speaker: speaker.id, said: "2018"), caller: Self.editor)
    let opposite = try await ledger.createClaim(
      Make.claim("Санкции работают", speaker: speaker.id, said: "2018"), caller: Self.editor)
    // What the daemon's background search does, here by hand.
    while try await ledger.searchPendingRepeats() {}
    let found = try await ledger.listClaimRepeats(Make.repeats(of: repeated.claim!.id), caller: Self.editor)
    #expect(found.similarClaims.map { $0.claim?.id } == [first.claim?.id])
    #expect((found.similarClaims.first?.similarity ?? 0) >= Ledger.similarityThreshold)
    #expect(try await ledger.listClaimRepeats(Make.repeats(of: denial.claim!.id), caller: Self.editor).similarClaims.isEmpty)
    let reversed = try await ledger.listClaimRepeats(Make.repeats(of: opposite.claim!.id), caller: Self.editor)
    #expect(reversed.searched && reversed.similarClaims.isEmpty, "a statement and its denial are not repeats")
  }

  // MARK: Evidence

  /// An English report quoting, in Russian and in other word forms, what a claim logged in Russian says.
  static let report = """
    Moscow shrugged off the new measures on Tuesday. Sanctions against Russia were first imposed in 2014. \
    “России санкции не страшны,” Peskov told reporters in the Kremlin. Analysts in London disagreed.
    """

  @Test("the passage of an English report quoting a Russian claim in other word forms is found")
  func russianQuoteInEnglishReport() {
    let words = EvidenceSuggester.keywords("Россия не боится санкций").map(\.folded)
    let passage = EvidenceSuggester.bestPassage(in: Self.report, words: words)
    #expect(passage.exact == "“России санкции не страшны,” Peskov told reporters in the Kremlin.")
    // Word forms alone share nothing with it.
    #expect(!Similarity.normalised(Self.report).contains("россия"))
  }

  @Test("keywords are stems, each once; negations and stop words are not keywords; phrases are index prefixes")
  func keywords() {
    let keywords = EvidenceSuggester.keywords("Россия, России и Россией: санкции не работают, sanctions don't work")
    #expect(keywords.map(\.folded) == ["россия", "санкции", "работают", "sanctions", "work"])
    #expect(
      keywords.map(EvidenceSuggester.phrase) == [
        "\"росс\"*", "\"санкц\"*", "\"работа\"*", "\"sanction\"*", "\"work\"*",
      ])
    // A stem sharing under three characters with its word: the word, which the index's tokenizer stems.
    #expect(EvidenceSuggester.keywords("геев").map(EvidenceSuggester.phrase) == ["\"геев\""])
  }

  @Test("a claim logged in Russian gets the English report quoting it as evidence, with the quoted passage")
  func russianClaimSuggestion() async throws {
    let (ledger, directory) = try ledger()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let speaker = try await ledger.createSpeaker(Make.speaker("Дмитрий Песков"), caller: Self.editor)
    let claim = try #require(
      try await ledger.createClaim(
        Make.claim("Россия не боится санкций", speaker: speaker.id, said: "2018-04"), caller: Self.editor
      ).claim)
    let report = try await ledger.createSource(
      Make.source("Kremlin shrugs off sanctions", outlet: "Wire", text: Self.report), caller: Self.editor)
    _ = try await ledger.createSource(
      Make.source("Sanctions explained", outlet: "Explainer", text: "Sanctions against Russia were imposed in 2014."),
      caller: Self.editor)
    var request = SuggestEvidenceRequest()
    request.claimID = claim.id
    let suggestions = try await ledger.suggestEvidence(request, caller: Self.editor)
    #expect(suggestions.first?.source?.id == report.id)
    #expect(suggestions.first?.passage?.exact == "“России санкции не страшны,” Peskov told reporters in the Kremlin.")
    #expect(suggestions.count == 1, "the English-only explainer shares no word with the Russian claim")
  }

  @Test("a speaker's name in another script counts as a mention of the speaker")
  func speakerNameAcrossScripts() {
    let text = "Peskov told reporters. Nothing else was said."
    let words = TextAnalysis.words(of: text)
    let keys = Set(EvidenceSuggester.keywords("Дмитрий Песков").map { TextAnalysis.nameKeyFolded($0.folded) })
    #expect(EvidenceSuggester.nameKeys(of: words, in: text).isSuperset(of: [TextAnalysis.nameKey("Песков")]))
    let passage = EvidenceSuggester.bestPassage(in: text, words: words, stems: [], nameKeys: keys)
    #expect(passage.exact == "Peskov told reporters.")
  }

  // MARK: Snippets

  static func highlighted(_ query: String, in text: String) -> [String] {
    highlighted(SearchSnippet(query: query), in: text)
  }

  /// The words highlighted for phrases as the search plan writes them (marked "=" or "~").
  static func highlighted(phrases: [String], in text: String) -> [String] {
    highlighted(SearchSnippet(fts5Phrases: phrases), in: text)
  }

  static func highlighted(_ snippets: SearchSnippet, in text: String) -> [String] {
    let snippet = snippets.snippet(of: text)
    return snippet.highlights.map {
      String(decoding: Array(snippet.text.utf8)[Int($0.start)..<Int($0.end)], as: UTF8.self)
    }
  }

  @Test("a snippet highlights the words sharing a query word's stem; quoted phrases and prefixes match as before")
  func snippetStems() {
    let text = "Солидарность с Россией ЛГБТ. Россия ввела санкции; sanctions and a sanction."
    #expect(Self.highlighted("Россия", in: text) == ["Россией", "Россия"])
    #expect(Self.highlighted("санкциями", in: text) == ["санкции"])
    #expect(Self.highlighted("sanction", in: text) == ["sanctions", "sanction"])
    #expect(Self.highlighted("\"Россия\"", in: text) == ["Россия"])
    #expect(Self.highlighted("\"Россия ввела\"", in: text) == ["Россия ввела"])
    #expect(Self.highlighted("\"Россией ввела\"", in: text) == [])
    #expect(Self.highlighted("Росси*", in: text) == ["Россией", "Россия"])
    #expect(Self.highlighted(phrases: ["\"=россия\""], in: text) == ["Россия"])
    // A mark typed by the user is not the plan's: "=россия" is the word россия.
    #expect(Self.highlighted("\"=россия\"", in: text) == ["Россия"])
  }

  @Test("a snippet highlights a name in any script for a ~ phrase, only where written with a capital")
  func snippetNames() {
    let text = "Кадыров заявил. Kadyrow, not kadyrov in lower case, and Kadyrova too."
    #expect(Self.highlighted(phrases: ["\"~Kadirov\""], in: text) == ["Кадыров", "Kadyrow"])
    #expect(Self.highlighted(phrases: ["\"~Kadirov\"*"], in: text) == ["Кадыров", "Kadyrow", "Kadyrova"])
    // As a search plans it: the capitalised word also matches by name key, as a prefix.
    #expect(Self.highlighted(phrases: Self.plan("Kadirov").phrases, in: text) == ["Кадыров", "Kadyrow", "Kadyrova"])
  }

  /// Documents and queries whose snippets FTS5's snippet() makes through the `gainsay` tokenizer (no
  /// apostrophes: the tokenizer makes "n't" a word of its own, which snippets do not).
  static let documents = [
    "Россия ввела санкции. Санкции не работают, сказал Песков. Кадыров заявил, что в Чечне нет геев.",
    "Солидарность с Россией ЛГБТ. Over recent weeks there has been an outcry against Russia and its sanctions.",
    "Sanctioning those responsible for the persecution in Chechnya, including Ramzan Kadyrov, is a step.",
  ]
  static let queries = [
    "Россия", "санкциями", "sanction", "Росс*", "\"санкции\"", "Kadirov", "Peskov", "геи Чечня",
    "sanctions OR Кадырова",
  ]

  /// The search plan of `query` in a ledger without speakers.
  static func plan(_ query: String) -> SearchPlan! {
    SearchPlan(query: query, names: { _ in SearchPlan.NameMatch() })
  }

  @Test("snippets highlight what FTS5's snippet() highlights through the gainsay tokenizer")
  func sameAsTokenizer() throws {
    var configuration = Configuration()
    configuration.prepareDatabase { db in try SearchExtensions.register(db) }
    let queue = try DatabaseQueue(configuration: configuration)
    try queue.write { db in
      try db.execute(sql: "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'gainsay')")
      for document in Self.documents { try db.execute(sql: "INSERT INTO t(body) VALUES (?)", arguments: [document]) }
    }
    var compared = 0
    for query in Self.queries {
      let searched = try #require(Self.plan(query))
      let expression = searched.expression
      let rows = try queue.read { db in
        try Row.fetchAll(
          db, sql: "SELECT body, snippet(t, 0, char(2), char(3), '…', 24) FROM t WHERE t MATCH ?",
          arguments: [expression])
      }
      #expect(!rows.isEmpty, "\(query)")
      let snippets = SearchSnippet(fts5Phrases: searched.phrases)
      for row in rows {
        let (expectedText, expectedSpans) = SearchQuery.highlights(in: row[1] as String)
        let snippet = snippets.snippet(of: row[0] as String)
        #expect(snippet.text == expectedText, "\(query)")
        #expect(snippet.highlights == expectedSpans, "\(query): \(snippet.text)")
        compared += 1
      }
    }
    #expect(compared >= 12)
  }
}
