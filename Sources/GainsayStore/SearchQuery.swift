import Foundation
public import GainsayProto

/// Turns what journalists type into a safe FTS5 query, and FTS5 snippets into text with highlights.
public enum SearchQuery {
  /// Words, "exact phrases", prefix* and OR, as an FTS5 expression in which every term is quoted, so
  /// no input can inject FTS5 syntax. Nil when there is nothing to search for.
  public static func fts5Expression(_ query: String) -> String? {
    let terms = fts5Terms(query)
    return terms.isEmpty ? nil : terms.joined(separator: " ")
  }

  /// The phrases of ``fts5Expression(_:)`` (its terms without OR), each an FTS5 expression of its own,
  /// in the order FTS5 numbers them.
  public static func fts5Phrases(_ query: String) -> [String] {
    fts5Terms(query).filter { $0 != "OR" }
  }

  /// The query's terms as typed, in order.
  enum Term: Equatable {
    case word(String)
    case prefix(String)
    case phrase(String)
    case or
  }

  /// The terms of what journalists type: words, "exact phrases", prefix* and OR (a word OR between two
  /// terms; a dangling one is dropped). Terms made only of punctuation match nothing and are dropped.
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
    // OR only between two terms, once.
    var cleaned: [Term] = []
    for term in terms {
      if term == .or && (cleaned.isEmpty || cleaned.last == .or) { continue }
      cleaned.append(term)
    }
    while cleaned.last == .or { cleaned.removeLast() }
    return cleaned
  }

  /// The characters that open or close a phrase.
  public static let phraseMarks: Set<Character> = ["\"", "“", "”", "„", "«", "»"]

  /// `text` as one quoted FTS5 string, `mark` first (the tokenizer's `=` exact form or `~` name key).
  /// Any mark the user typed at the start is dropped: only the query's own marks choose an analysis.
  static func quoted(_ text: String, mark: String = "") -> String {
    let plain = text.drop(while: { $0 == "=" || $0 == "~" })
    return "\"" + mark + plain.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  private static func fts5Terms(_ query: String) -> [String] {
    terms(query).map { term in
      switch term {
      case .word(let word): quoted(word)
      case .prefix(let word): quoted(word) + "*"
      case .phrase(let phrase): quoted(phrase)
      case .or: "OR"
      }
    }
  }

  /// The distinct words of `text` (at least two letters or digits) as the index holds them: lower-cased,
  /// without diacritics.
  public static func words(of text: String, maximumWords: Int) -> [String] {
    var seen = Set<String>()
    var words: [String] = []
    let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    for word in folded.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) where word.count >= 2 {
      let word = String(word)
      if seen.insert(word).inserted { words.append(word) }
      if words.count == maximumWords { break }
    }
    return words
  }

  /// Removes the \u{2}…\u{3} markers FTS5's snippet() put around matches, returning the plain text and the
  /// UTF-8 byte ranges of the matches.
  public static func highlights(in marked: String) -> (String, [TextSpan]) {
    var text: [UInt8] = []
    var spans: [TextSpan] = []
    var start: UInt32 = 0
    for byte in marked.utf8 {
      switch byte {
      case 2: start = UInt32(text.count)
      case 3:
        var span = TextSpan()
        span.start = start
        span.end = UInt32(text.count)
        spans.append(span)
      default: text.append(byte)
      }
    }
    return (String(decoding: text, as: UTF8.self), spans)
  }
}
