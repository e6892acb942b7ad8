import Foundation
import GainsayCore
public import GainsayProto
import GainsayRanking
import GainsayStore
import PostgresNIO

/// "Did you mean", repeat candidates for new claims and evidence candidates for suggestions.
extension PostgresLedgerStore {
  static let suggestionCandidates = 2_000
  static let suggestionPrefix = 2
  static let suggestionDistance = 2
  /// How many of a claim's rarest words find its repeat candidates, and when a word counts as common.
  static let candidateWords = 4
  static let rarityCountLimit = 100
  /// How much of a candidate source's archived text is read, in characters.
  static let candidateTextCharacters = 256 * 1024

  public func suggestSearch(query: String, limit: Int) async throws -> SuggestSearchResponse {
    try await snapshot { db in
      let names = try await self.currentSpeakerNames(db)
      var response = SuggestSearchResponse()
      var speakers: [String: Int] = [:]
      var rewritten: [String] = []
      var changed = false
      for term in PostgresSearchPlan.terms(query) {
        guard case .word(let word) = term, !PostgresSearchPlan.isNegation(word) else {
          rewritten.append(Self.typed(term))
          continue
        }
        let matches = names.matches(word)
        for match in matches { speakers[match.speakerID] = min(speakers[match.speakerID] ?? .max, match.distance) }
        var indexed = false
        if matches.isEmpty, let phrase = SearchLexemes.phrase(PostgresSearchPlan.plain(word), prefix: false) {
          indexed = try await db.one("SELECT 1 FROM search_entry WHERE lexemes @@ \(phrase)::tsquery LIMIT 1") != nil
        }
        guard matches.isEmpty && !indexed else {
          rewritten.append(word)
          continue
        }
        let alternatives = try await Self.closestWords(to: word, db, names: names, limit: limit)
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
      for entry in speakers.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }).prefix(limit) {
        if case .speaker(let speaker)? = try await Self.fetch(db, .speaker, id: entry.key)?.kind {
          response.speakers.append(speaker)
        }
      }
      return response
    }
  }

  static func typed(_ term: PostgresSearchPlan.Term) -> String {
    switch term {
    case .word(let word): word
    case .prefix(let word): word + "*"
    case .phrase(let phrase): "\"" + phrase + "\""
    case .or: "OR"
    }
  }

  /// The written words (``search_word``) and speaker name words closest to `word`, closest first. Among
  /// words as close, those of more entries first: counted for the few candidates left, up to 1,000.
  static func closestWords(
    to word: String, _ db: PGConnection, names: SpeakerNameKeys, limit: Int
  ) async throws -> [String] {
    guard let folded = TextAnalysis.words(of: word).first?.folded, folded.count >= suggestionPrefix else { return [] }
    let start = String(folded.prefix(suggestionPrefix))
    var scored: [String: (distance: Int, documents: Int)] = [:]
    let rows = try await db.rows(
      """
      SELECT word FROM search_word WHERE word >= \(start) AND word < \(start + "\u{10FFFF}")
      ORDER BY word LIMIT \(suggestionCandidates)
      """)
    for row in rows {
      let term = try row.decode(String.self)
      guard abs(term.count - folded.count) <= suggestionDistance, term != folded else { continue }
      let distance = TextAnalysis.editDistance(folded, term, limit: suggestionDistance)
      if distance <= suggestionDistance { scored[term] = (distance, 0) }
    }
    let closest = scored.sorted { ($0.value.distance, $0.key) < ($1.value.distance, $1.key) }.prefix(limit * 2)
    for (term, value) in closest {
      let lexeme = SearchLexemes.quoted("=" + term)
      let count =
        try await db.one(
          "SELECT count(*) FROM (SELECT 1 FROM search_entry WHERE lexemes @@ \(lexeme)::tsquery LIMIT 1000) m")?
        .decode(Int64.self) ?? 0
      scored[term] = (value.distance, Int(count))
    }
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

  /// Claims that may repeat `text`: those holding its rarest words (as the SQLite store looks them up:
  /// words folded, matched by stem in titles), ranked while the words are rare, otherwise the most recent.
  public func claimCandidates(similarTo text: String, limit: Int, recordedBefore claimID: String?) async throws
    -> [Claim]
  {
    let words = SearchQuery.words(of: text, maximumWords: 64)
    guard !words.isEmpty else { return [] }
    // A title's lexeme at weight A (`:A`) for each word.
    let queries = words.compactMap { word -> String? in
      guard let phrase = SearchLexemes.phrase(word, prefix: false), !phrase.hasPrefix("(") else { return nil }
      return phrase + ":A"
    }
    guard !queries.isEmpty else { return [] }
    return try await read { db in
      // How many claims hold each word (counted up to the rarity limit): one round trip for all the words.
      let counts = try await db.rows(
        """
        SELECT w.i, (SELECT count(*) FROM (SELECT 1 FROM search_entry
            WHERE resource_type = 2 AND lexemes @@ w.q::tsquery LIMIT \(Self.rarityCountLimit)) m)
        FROM unnest(\(queries)::text[]) WITH ORDINALITY AS w(q, i) ORDER BY w.i
        """)
      var frequencies: [(query: String, documents: Int)] = []
      for row in counts {
        let (index, documents) = try row.decode((Int64, Int64).self)
        guard documents > 0, index >= 1, index <= queries.count else { continue }
        frequencies.append((queries[Int(index) - 1], Int(documents)))
      }
      let rarest = frequencies.sorted { $0.documents < $1.documents }.prefix(Self.candidateWords)
      guard !rarest.isEmpty else { return [] }
      let match = rarest.map(\.query).joined(separator: " | ")
      let ranked = rarest.reduce(0) { $0 + $1.documents } <= Self.rarityCountLimit
      let order =
        ranked
        ? "ts_rank_cd('{0, 0, 0, 1.0}', e.lexemes, \(match.isEmpty ? "" : "q.q"), 1) DESC, e.seq DESC" : "e.seq DESC"
      var sql = SQL()
      sql.add(
        """
        WITH q AS (SELECT ?::tsquery AS q)
        SELECT c.record FROM search_entry e JOIN claim c ON c.id = e.resource_id, q
        WHERE e.resource_type = 2 AND e.lexemes @@ q.q
        """, match)
      // Claims written before `claimID` (`seq` follows the writes, serialised by the audit lock), inside
      // the query, so that claims written since cannot fill the window.
      if let claimID { sql.add(" AND c.seq < (SELECT seq FROM claim WHERE id = ?)", claimID) }
      sql.add(" ORDER BY \(order) LIMIT ?", Int64(limit))
      return try await db.rows(sql).map { try Claim(serializedBytes: try $0.decode(Data.self)) }
    }
  }

  /// Sources best matching `query` (the evidence suggester's FTS5 expression: quoted phrases, some
  /// followed by `*`, joined by OR), each with the start of its archived text.
  public func sourceCandidates(matching query: String, limit: Int) async throws -> [(Source, Double)] {
    guard let tsquery = Self.disjunction(query) else {
      throw LedgerError.invalid("query", "cannot be searched: expected quoted phrases joined by OR")
    }
    let results = try await read { db in
      let rows = try await db.rows(
        """
        WITH q AS (SELECT \(tsquery)::tsquery AS q)
        SELECT s.record, substr(s.archived_text, 1, \(Self.candidateTextCharacters)::int4),
          ts_rank_cd('{0.1, 0.2, 0.4, 0.2}', e.lexemes, q.q, 1)::float8 AS score
        FROM search_entry e JOIN source s ON s.id = e.resource_id, q
        WHERE e.resource_type = 3 AND e.lexemes @@ q.q ORDER BY score DESC, e.seq DESC LIMIT \(limit)
        """)
      return try rows.map { row in
        let (record, text, score) = try row.decode((Data, String, Double).self)
        var source = try Source(serializedBytes: record)
        source.archivedText = text
        return (source, score)
      }
    }
    return results.map { ($0.0, $0.1) }
  }

  /// `"a" OR "b"* OR …` as a tsquery; nil for anything else.
  static func disjunction(_ expression: String) -> String? {
    var parts: [String] = []
    var rest = Substring(expression)
    while true {
      rest = rest.drop(while: \.isWhitespace)
      guard rest.first == "\"" else { return nil }
      rest = rest.dropFirst()
      var text = ""
      while true {
        guard let character = rest.first else { return nil }
        rest = rest.dropFirst()
        if character == "\"" {
          if rest.first == "\"" {
            text.append("\"")
            rest = rest.dropFirst()
          } else {
            break
          }
        } else {
          text.append(character)
        }
      }
      let prefix = rest.first == "*"
      if prefix { rest = rest.dropFirst() }
      if let phrase = SearchLexemes.phrase(text, prefix: prefix) { parts.append(phrase) }
      rest = rest.drop(while: \.isWhitespace)
      if rest.isEmpty { break }
      guard rest.hasPrefix("OR") else { return nil }
      rest = rest.dropFirst(2)
    }
    return parts.isEmpty ? nil : parts.joined(separator: " | ")
  }
}
