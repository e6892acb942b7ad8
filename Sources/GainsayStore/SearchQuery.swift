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

  private static func fts5Terms(_ query: String) -> [String] {
    var terms: [String] = []
    var current = ""
    var inPhrase = false
    func flush(phrase: Bool) {
      defer { current = "" }
      let text = current.trimmingCharacters(in: .whitespaces)
      guard !text.isEmpty else { return }
      if !phrase && text == "OR" {
        if let last = terms.last, last != "OR" { terms.append("OR") }
        return
      }
      let prefix = !phrase && text.hasSuffix("*") && text.count > 1
      let word = prefix ? String(text.dropLast()) : text
      let quoted = "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
      terms.append(prefix ? quoted + "*" : quoted)
    }
    for character in query {
      if character == "\"" {
        flush(phrase: inPhrase)
        inPhrase.toggle()
      } else if character.isWhitespace && !inPhrase {
        flush(phrase: false)
      } else {
        current.append(character)
      }
    }
    flush(phrase: inPhrase)
    while terms.last == "OR" { terms.removeLast() }
    while terms.first == "OR" { terms.removeFirst() }
    // A term made only of punctuation matches nothing and upsets FTS5: drop it.
    terms = terms.filter { $0 == "OR" || $0.contains(where: { $0.isLetter || $0.isNumber }) }
    terms = terms.indices.filter { terms[$0] != "OR" || $0 == 0 || terms[$0 - 1] != "OR" }.map { terms[$0] }
    while terms.last == "OR" { terms.removeLast() }
    while terms.first == "OR" { terms.removeFirst() }
    return terms
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
