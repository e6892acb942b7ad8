import GRDB
import GainsayCore
public import GainsayProto

/// "Did you mean": for a query that found nothing, the closest indexed words and speaker names.
extension SQLiteLedgerStore {
  /// Indexed words examined per misspelt word: those sharing its first ``suggestionPrefix`` letters,
  /// in the index's order, up to this many.
  static let suggestionCandidates = 2_000
  /// Letters a suggested word shares with the word typed, at its start.
  static let suggestionPrefix = 2
  /// The most edits between a word and a suggestion for it.
  static let suggestionDistance = 2

  public func suggestSearch(query: String, limit: Int) async throws -> SuggestSearchResponse {
    try await read { [speakerNames] db in
      let names = try speakerNames.current(db)
      var response = SuggestSearchResponse()
      var speakers: [String: Int] = [:]
      var rewritten: [String] = []
      var changed = false
      for term in SearchQuery.terms(query) {
        guard case .word(let word) = term, !SearchPlan.isNegation(word) else {
          rewritten.append(Self.typed(term))
          continue
        }
        // Speakers named by this word, in any spelling; nearer misspellings too, for the suggestion.
        let matches = names.matches(word)
        for match in matches { speakers[match.speakerID] = min(speakers[match.speakerID] ?? .max, match.distance) }
        let indexed = try Int.fetchOne(
          db.cachedStatement(sql: "SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT 1"),
          arguments: [SearchQuery.quoted(word)])
        let found = !matches.isEmpty || indexed != nil
        guard !found else {
          rewritten.append(word)
          continue
        }
        let alternatives = try Self.closestWords(to: word, in: db, names: names, limit: limit)
        if !alternatives.isEmpty {
          var suggestion = WordSuggestion()
          suggestion.word = word
          suggestion.alternatives = alternatives
          response.words.append(suggestion)
          changed = true
        }
        rewritten.append(alternatives.first ?? word)
      }
      if changed { response.query = rewritten.joined(separator: " ") }
      let closest = speakers.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(limit)
      response.speakers = try closest.compactMap { entry in
        guard case .speaker(let speaker)? = try Self.fetch(db, .speaker, id: entry.key)?.kind else { return nil }
        return speaker
      }
      return response
    }
  }

  /// A term as the user typed it, for a rewritten query.
  static func typed(_ term: SearchQuery.Term) -> String {
    switch term {
    case .word(let word): word
    case .prefix(let word): word + "*"
    case .phrase(let phrase): "\"" + phrase + "\""
    case .or: "OR"
    }
  }

  /// The indexed words (as written, folded) and speaker name words closest to `word`, closest first:
  /// at most ``suggestionDistance`` edits away, the more frequent first among equals.
  static func closestWords(to word: String, in db: Database, names: SpeakerNameKeys, limit: Int) throws -> [String] {
    guard let folded = TextAnalysis.words(of: word).first?.folded, folded.count >= suggestionPrefix else { return [] }
    var scored: [String: (distance: Int, documents: Int)] = [:]
    // The index's exact forms (`=` terms) sharing the word's first letters.
    let start = "=" + folded.prefix(suggestionPrefix)
    let rows = try Row.fetchCursor(
      db.cachedStatement(
        sql: """
          SELECT term, sum(doc) FROM search_vocabulary WHERE term >= ? AND term < ?
          GROUP BY term LIMIT ?
          """),
      arguments: [start, start + "\u{10FFFF}", suggestionCandidates])
    while let row = try rows.next() {
      let term = String((row[0] as String).dropFirst())
      guard abs(term.count - folded.count) <= suggestionDistance, term != folded else { continue }
      let distance = TextAnalysis.editDistance(folded, term, limit: suggestionDistance)
      if distance <= suggestionDistance { scored[term] = (distance, row[1]) }
    }
    // Speakers' name words, compared by name key (so a misspelling in either script is near).
    let key = TextAnalysis.nameKey(word)
    for name in names.words where abs(name.key.count - key.count) <= suggestionDistance {
      let distance = TextAnalysis.editDistance(key, name.key, limit: suggestionDistance)
      if distance <= suggestionDistance && distance < (scored[name.word]?.distance ?? .max) {
        scored[name.word] = (distance, Int.max)
      }
    }
    return scored.sorted { a, b in
      (a.value.distance, -a.value.documents, a.key) < (b.value.distance, -b.value.documents, b.key)
    }.prefix(limit).map(\.key)
  }
}
