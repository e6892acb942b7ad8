import Foundation
import GainsayCore
import GainsayStore

/// A search as the SQLite store plans it (GainsayStore's SearchPlan and SearchQuery.terms, internal there:
/// copied until the lead moves them where both stores see them), written as a PostgreSQL `tsquery` over
/// the lexemes of ``SearchLexemes`` instead of an FTS5 MATCH expression. Same rules (docs/SEARCH.md):
/// words by stem, speakers' names by name key in their Russian forms, Russian words of five letters or more
/// also as prefixes, "exact phrases", prefix*, OR, and negations left out of the match.
///
/// Every lexeme is quoted by ``SearchLexemes/quoted(_:)``: no input can inject `tsquery` syntax.
struct PostgresSearchPlan {
  /// The `tsquery` literal.
  let tsquery: String
  /// The plan's phrases as a query for GainsayStore's public `SearchSnippet(query:)`, which reads `=word` as
  /// a folded form, `~key` as a name key, `word*` as a prefix, "a phrase" as folded words and other words
  /// by stem: snippets highlight what the plan matches, as the SQLite store's do.
  let snippetQuery: String

  static let shortestName = 3
  static let shortestRussianPrefix = 5
  static let shortestNamePrefix = 4

  static func isCyrillicLetter(_ scalar: Unicode.Scalar) -> Bool {
    (0x0400...0x04FF).contains(scalar.value) || (0x0300...0x036F).contains(scalar.value)
  }

  struct NameMatch {
    var keys: [String] = []
    var isName = false
  }

  /// The plan of `query`; nil when there is nothing to search for.
  init?(query: String, names: (String) -> NameMatch) {
    let terms = Self.terms(query)
    var leftOut = Set<Int>()
    for (index, term) in terms.enumerated() {
      guard case .word(let word) = term else { continue }
      if Self.isNegation(word) {
        leftOut.insert(index)
      } else if index + 1 < terms.count, case .word(let next) = terms[index + 1], Self.isNegation(next),
        Self.auxiliaries.contains(word.lowercased())
      {
        leftOut.insert(index)
      }
    }
    if terms.indices.allSatisfy({ leftOut.contains($0) || terms[$0] == .or }) { leftOut = [] }
    var parts: [String] = []
    var snippetTerms: [String] = []
    for (index, term) in terms.enumerated() {
      switch term {
      case .or:
        if let last = parts.last, last != "OR" { parts.append("OR") }
      case .phrase(let text):
        if let phrase = SearchLexemes.phrase("=" + Self.plain(text), prefix: false) { parts.append(phrase) }
        snippetTerms.append("\"" + Self.plain(text) + "\"")
      case .prefix(let word):
        if let phrase = SearchLexemes.phrase(Self.plain(word), prefix: true) { parts.append(phrase) }
        snippetTerms.append(Self.plain(word) + "*")
      case .word(let word):
        if leftOut.contains(index) { continue }
        let name = names(word)
        var alternatives: [String] = []
        if let plain = SearchLexemes.phrase((name.isName ? "=" : "") + Self.plain(word), prefix: false) {
          alternatives.append(plain)
          snippetTerms.append((name.isName ? "=" : "") + Self.plain(word))
        }
        var keys = name.keys
        if keys.isEmpty && word.count >= Self.shortestName && word.first?.isUppercase == true {
          keys = [TextAnalysis.nameKey(word)]
        }
        var forms: [String] = []
        for key in keys.sorted() { forms += Self.nameForms(key).filter { !forms.contains($0) } }
        if !name.isName && word.count >= Self.shortestRussianPrefix
          && word.unicodeScalars.allSatisfy(Self.isCyrillicLetter),
          let prefix = SearchLexemes.phrase(Self.plain(word), prefix: true)
        {
          alternatives.append(prefix)
          snippetTerms.append(Self.plain(word) + "*")
        }
        alternatives += forms.compactMap { SearchLexemes.phrase("~" + $0, prefix: false) }
        snippetTerms += forms.map { "~" + $0 }
        guard !alternatives.isEmpty else { continue }
        parts.append(alternatives.count == 1 ? alternatives[0] : "(" + alternatives.joined(separator: " | ") + ")")
      }
    }
    while parts.last == "OR" { parts.removeLast() }
    while parts.first == "OR" { parts.removeFirst() }
    guard !parts.isEmpty else { return nil }
    // AND binds tighter than OR, in tsquery as in the SQLite store's expression.
    var joined = parts[0]
    for (previous, part) in zip(parts, parts.dropFirst()) where part != "OR" {
      joined += previous == "OR" ? " | " + part : " & " + part
    }
    tsquery = joined
    snippetQuery = snippetTerms.joined(separator: " ")
  }

  /// The text without marks the user typed at its start: only the plan's own marks choose an analysis.
  static func plain(_ text: String) -> String {
    String(text.drop(while: { $0 == "=" || $0 == "~" }))
  }

  static let auxiliaries: Set<String> = [
    "do", "does", "did", "is", "are", "was", "were", "will", "would", "can", "could", "should", "shall", "have",
    "has", "had", "must", "may", "might",
  ]

  static func isNegation(_ word: String) -> Bool {
    let words = TextAnalysis.words(of: word)
    return !words.isEmpty && words.contains(where: \.isNegation)
  }

  /// A name key and its keys in the Russian cases (as SearchPlan.nameForms).
  static func nameForms(_ key: String) -> [String] {
    guard key.count >= shortestNamePrefix, key.allSatisfy({ $0.isASCII && $0.isLetter }) else { return [key] }
    func forms(_ base: Substring, _ endings: [String]) -> [String] { endings.map { base + $0 } }
    if key.hasSuffix("aia") { return forms(key.dropLast(3), ["aia", "oi", "uiu"]) }
    if key.hasSuffix("ia") { return forms(key.dropLast(2), ["ia", "i", "e", "iu", "ei", "ie"]) }
    if key.hasSuffix("ski") || key.hasSuffix("ni") || key.hasSuffix("ki") {
      return forms(key.dropLast(), ["i", "ogo", "omu", "im", "om", "ie", "ih", "imi", "aia", "oi", "uiu"])
    }
    if key.hasSuffix("i") { return forms(Substring(key), ["", "a", "u", "em", "e"]) }
    if key.hasSuffix("a") { return forms(key.dropLast(), ["a", "oi", "u", "e", "i", "ih", "ami"]) }
    if let last = key.last, "eiouy".contains(last) { return [key] }
    return forms(Substring(key), ["", "a", "u", "im", "om", "em", "e", "ih", "i", "ym"])
  }

  /// The query's terms as typed (as SearchQuery.terms).
  enum Term: Equatable {
    case word(String)
    case prefix(String)
    case phrase(String)
    case or
  }

  static func terms(_ query: String) -> [Term] {
    var terms: [Term] = []
    var current = ""
    var inPhrase = false
    func flush(phrase: Bool) {
      defer { current = "" }
      let text = current.trimmingCharacters(in: .whitespaces)
      guard !text.isEmpty else { return }
      if !phrase && text == "OR" {
        terms.append(.or)
        return
      }
      guard text.contains(where: { $0.isLetter || $0.isNumber }) else { return }
      if phrase {
        terms.append(.phrase(text))
      } else if text.hasSuffix("*") && text.count > 1 {
        terms.append(.prefix(String(text.dropLast())))
      } else {
        terms.append(.word(text))
      }
    }
    for character in query {
      // Straight and typographic quotes alike (“…”, „…“, «…»: what word processors and phones type).
      if SearchQuery.phraseMarks.contains(character) {
        flush(phrase: inPhrase)
        inPhrase.toggle()
      } else if character.isWhitespace && !inPhrase {
        flush(phrase: false)
      } else {
        current.append(character)
      }
    }
    flush(phrase: inPhrase)
    var cleaned: [Term] = []
    for term in terms {
      if term == .or && (cleaned.isEmpty || cleaned.last == .or) { continue }
      cleaned.append(term)
    }
    while cleaned.last == .or { cleaned.removeLast() }
    return cleaned
  }

  /// The speakers a query names, by any spelling of a name word: those named by the most words of the
  /// query, and each word's matched name keys (as SQLiteLedgerStore.namedSpeakers).
  static func namedSpeakers(
    _ query: String, names: SpeakerNameKeys
  ) -> (speakers: Set<String>, words: [String: NameMatch]) {
    var matched: [String: NameMatch] = [:]
    var counts: [String: Int] = [:]
    for term in terms(query) {
      guard case .word(let word) = term, !isNegation(word), matched[word] == nil else { continue }
      let matches = names.matches(word)
      matched[word] = NameMatch(
        keys: Array(Set(matches.map(\.key))).sorted(), isName: matches.contains { $0.distance == 0 })
      for speaker in Set(matches.map(\.speakerID)) { counts[speaker, default: 0] += 1 }
    }
    let most = counts.values.max() ?? 0
    return (Set(counts.filter { $0.value == most }.keys), matched)
  }
}
