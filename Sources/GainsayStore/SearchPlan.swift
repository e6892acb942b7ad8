import GainsayCore

/// A search as FTS5 runs it over the `gainsay` tokenizer (docs/SEARCH.md): what journalists type, with no
/// special syntax, turned into a MATCH expression.
///
/// - A word matches its word forms: the tokenizer stems it as it stemmed the index. A Russian word of five
///   letters or more also matches the words written that begin with it («Газпром», which Snowball cuts
///   as газпр-ом, finds «Газпрома»).
/// - A word that names a speaker (in any script or spelling, see ``SpeakerNameKeys``), or that is typed
///   with a capital letter, also matches as a name: its name key (`~` terms, which the tokenizer gives
///   every capitalised word of the index), as a prefix so inflected names match ("Кадырова").
/// - "An exact phrase" matches the words as written, after folding case, `ё` and diacritics (`=` terms).
/// - `word*` matches every word beginning so, after the same folding.
/// - Negations ("не", "not", "don't"…), and an English auxiliary just before one ("do not"), are left out
///   of the match when other words remain, so that texts saying the opposite are found too;
///   ``SearchPolarity`` then ranks them below and says so.
struct SearchPlan {
  /// The MATCH expression; every term is quoted, so no input can inject FTS5 syntax.
  let expression: String
  /// Each phrase of ``expression`` as an expression of its own, in the order FTS5 numbers them.
  let phrases: [String]
  /// For each phrase, the phrase whose match count stands for its own (an alternative form of a word
  /// counts as the word does).
  let countedAs: [Int]

  /// Name alternatives are given to words of at least this many characters.
  static let shortestName = 3
  /// A Russian word this long or longer also matches as the beginning of the words written.
  static let shortestRussianPrefix = 5

  static func isCyrillicLetter(_ scalar: Unicode.Scalar) -> Bool {
    (0x0400...0x04FF).contains(scalar.value) || (0x0300...0x036F).contains(scalar.value)
  }

  /// A name key shorter than this is used as it is, without its Russian forms.
  static let shortestNamePrefix = 4

  /// What a word of the query is as a name: the speakers' name keys it matches, and whether it is one of
  /// them as written (in any script, or inflected) rather than a misspelling of one.
  struct NameMatch {
    var keys: [String] = []
    var isName = false
  }

  /// The plan of `query`; `names` tells what a word is as a speaker's name. Nil when there is nothing to
  /// search for.
  init?(query: String, names: (String) -> NameMatch) {
    let terms = SearchQuery.terms(query)
    // Negations, and an English auxiliary just before one ("do" in "sanctions do not work": the statement
    // it negates says "sanctions work"), are left out, unless nothing else would be searched for.
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
    var phrases: [String] = []
    var countedAs: [Int] = []
    for (index, term) in terms.enumerated() {
      switch term {
      case .or:
        if let last = parts.last, last != "OR" { parts.append("OR") }
      case .phrase(let text):
        let phrase = SearchQuery.quoted(text, mark: "=")
        parts.append(phrase)
        countedAs.append(phrases.count)
        phrases.append(phrase)
      case .prefix(let word):
        let phrase = SearchQuery.quoted(word) + "*"
        parts.append(phrase)
        countedAs.append(phrases.count)
        phrases.append(phrase)
      case .word(let word):
        if leftOut.contains(index) { continue }
        let name = names(word)
        // A speaker's name is matched as a name, not stemmed: «Песков» must not find «песка» (sand),
        // which Snowball gives the same stem. Its exact form still matches, lower case too.
        let plain = name.isName ? SearchQuery.quoted(word, mark: "=") : SearchQuery.quoted(word)
        var keys = name.keys
        if keys.isEmpty && word.count >= Self.shortestName && word.first?.isUppercase == true {
          keys = [TextAnalysis.nameKey(word)]
        }
        // Each name key in its Russian forms, as whole terms: a prefix query would merge the doclists
        // of every key it begins (a speaker's name is in the body of each of their claims).
        var forms: [String] = []
        for key in keys.sorted() { forms += Self.nameForms(key).filter { !forms.contains($0) } }
        var alternatives = forms.map { SearchQuery.quoted($0, mark: "~") }
        // Snowball reads a Russian word's last letters as an ending when they can be one («Газпром» as
        // газпр-ом): the word as a prefix of the forms written finds «Газпрома» all the same.
        if !name.isName && word.count >= Self.shortestRussianPrefix
          && word.unicodeScalars.allSatisfy(Self.isCyrillicLetter)
        {
          alternatives.insert(SearchQuery.quoted(word) + "*", at: 0)
        }
        // The alternatives share the word's count: one count query per word, not per form.
        countedAs.append(contentsOf: Array(repeating: phrases.count, count: alternatives.count + 1))
        phrases.append(plain)
        phrases.append(contentsOf: alternatives)
        parts.append(alternatives.isEmpty ? plain : "(" + ([plain] + alternatives).joined(separator: " OR ") + ")")
      }
    }
    while parts.last == "OR" { parts.removeLast() }
    while parts.first == "OR" { parts.removeFirst() }
    guard !parts.isEmpty else { return nil }
    // FTS5 takes an implicit AND only between phrases: spelt out, with AND binding tighter than OR as the
    // implicit one does.
    var joined = parts[0]
    for (previous, part) in zip(parts, parts.dropFirst()) {
      joined += previous == "OR" || part == "OR" ? " " + part : " AND " + part
    }
    expression = joined
    self.phrases = phrases
    self.countedAs = countedAs
  }

  /// English auxiliaries, left out of the match with the negation after them ("do not", "is not").
  static let auxiliaries: Set<String> = [
    "do", "does", "did", "is", "are", "was", "were", "will", "would", "can", "could", "should", "shall", "have",
    "has", "had", "must", "may", "might",
  ]

  /// Whether a word of the query is a negation: "не", "not", "never", "don't" (which the tokenizer
  /// reads as "do not")…
  static func isNegation(_ word: String) -> Bool {
    let words = TextAnalysis.words(of: word)
    return !words.isEmpty && words.contains(where: \.isNegation)
  }

  /// A name key and its keys in the Russian cases: a surname in -ov/-in takes -a, -u, -im, -e, -ih, -i,
  /// -om («Кадырова», «Кадыровым»); one in -skii/-nyi declines as an adjective («Зеленского»,
  /// «Навальному»); one in -a or -ia as a noun («Захаровой», «Чечне»); one ending in another vowel
  /// (Шойгу, Матвиенко) does not decline. Keys as ``TextAnalysis/nameKey(_:)`` writes them (й and ы as
  /// i, х as h), so "Kadyrov's" and «Кадырову» meet on the forms of `kadirov`.
  static func nameForms(_ key: String) -> [String] {
    guard key.count >= shortestNamePrefix, key.allSatisfy({ $0.isASCII && $0.isLetter }) else { return [key] }
    func forms(_ base: Substring, _ endings: [String]) -> [String] { endings.map { base + $0 } }
    if key.hasSuffix("aia") { return forms(key.dropLast(3), ["aia", "oi", "uiu"]) }
    if key.hasSuffix("ia") { return forms(key.dropLast(2), ["ia", "i", "e", "iu", "ei", "ie"]) }
    if key.hasSuffix("ski") || key.hasSuffix("ni") || key.hasSuffix("ki") {
      return forms(key.dropLast(), ["i", "ogo", "omu", "im", "om", "ie", "ih", "imi", "aia", "oi", "uiu"])
    }
    // Дмитрий, Сергей: «Дмитрия», «Дмитрию», «Дмитрием».
    if key.hasSuffix("i") { return forms(Substring(key), ["", "a", "u", "em", "e"]) }
    if key.hasSuffix("a") { return forms(key.dropLast(), ["a", "oi", "u", "e", "i", "ih", "ami"]) }
    if let last = key.last, "eiouy".contains(last) { return [key] }
    return forms(Substring(key), ["", "a", "u", "im", "om", "em", "e", "ih", "i", "ym"])
  }
}
