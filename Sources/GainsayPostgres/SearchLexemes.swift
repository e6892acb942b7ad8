import Foundation
import GainsayCore
import GainsayRanking

/// The `gainsay` tokenizer's analysis (GainsayRanking's `gainsay_analyse`: the very code the SQLite
/// store's FTS5 index runs), as PostgreSQL `tsvector` and `tsquery` literals of pre-analysed lexemes:
/// PostgreSQL's own parser and stemmers never see the text.
enum SearchLexemes {
  /// A token and its position (0-based; colocated forms share one).
  struct Token: Sendable, Equatable {
    var text: String
    var position: Int
  }

  /// The tokens of `text` as the tokenizer makes them in `mode`.
  static func tokens(_ text: String, mode: gainsay_analyse_mode) -> [Token] {
    final class Box {
      var tokens: [Token] = []
    }
    let box = Box()
    var bytes = Array(text.utf8)
    bytes.append(0)
    let length = Int32(clamping: bytes.count - 1)
    let rc = bytes.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        withExtendedLifetime(box) {
          gainsay_analyse(chars.baseAddress, length, mode, Unmanaged.passUnretained(box).toOpaque()) {
            context, token, length, position in
            guard let context, let token else { return 0 }
            let box = Unmanaged<Box>.fromOpaque(context).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: token, count: Int(length))
            box.tokens.append(Token(text: String(decoding: bytes, as: UTF8.self), position: Int(position)))
            return 0
          }
        }
      }
    }
    return rc == 0 ? box.tokens : []
  }

  /// PostgreSQL's limits: positions, positions kept per lexeme, a lexeme's bytes, all lexemes' bytes.
  static let lastPosition = 16_383
  static let positionsPerLexeme = 256
  static let longestLexeme = 2_046
  static let lexemeBytes = 900_000

  /// A `tsvector` literal of a title (weight A) and a body (weight D): body positions follow the title's
  /// after a gap, so a phrase cannot match across the two. Past PostgreSQL's limits (position 16,383,
  /// 256 positions of a lexeme, 1 MB of lexemes) later occurrences are dropped; the lexemes stay.
  /// Also returns the folded words written (the `=` forms, without their mark).
  static func vector(title: String, body: String) -> (literal: String, words: [String]) {
    var entries: [String: [String]] = [:]
    var order: [String] = []
    var bytes = 0
    func add(_ tokens: [Token], offset: Int, weight: String) {
      for token in tokens where !token.text.isEmpty && token.text.utf8.count <= longestLexeme {
        let position = min(lastPosition, offset + token.position + 1)
        if entries[token.text] == nil {
          guard bytes + token.text.utf8.count < lexemeBytes else { continue }
          bytes += token.text.utf8.count
          order.append(token.text)
          entries[token.text] = []
        }
        if let count = entries[token.text]?.count, count < positionsPerLexeme {
          entries[token.text]?.append("\(position)\(weight)")
        }
      }
    }
    let titleTokens = tokens(title, mode: GAINSAY_ANALYSE_DOCUMENT)
    add(titleTokens, offset: 0, weight: "A")
    add(tokens(body, mode: GAINSAY_ANALYSE_DOCUMENT), offset: (titleTokens.last?.position ?? 0) + 3, weight: "")
    let literal = order.map { quoted($0) + ":" + (entries[$0] ?? []).joined(separator: ",") }.joined(separator: " ")
    return (literal, order.filter { $0.hasPrefix("=") }.map { String($0.dropFirst()) })
  }

  /// A lexeme quoted for `tsvector` and `tsquery` input: in single quotes, quotes and backslashes escaped.
  static func quoted(_ lexeme: String) -> String {
    var result = "'"
    for character in lexeme {
      if character == "'" || character == "\\" { result.append("\\") }
      result.append(character)
    }
    return result + "'"
  }

  /// A phrase of a query (what FTS5 would get between double quotes, with its `=` or `~` mark) as a
  /// `tsquery` expression: its tokens one after another, the last a prefix when `prefix`. Nil when the
  /// tokenizer gives no token.
  static func phrase(_ text: String, prefix: Bool) -> String? {
    let tokens = tokens(text, mode: prefix ? GAINSAY_ANALYSE_QUERY_PREFIX : GAINSAY_ANALYSE_QUERY)
      .filter { !$0.text.isEmpty && $0.text.utf8.count <= longestLexeme }
    guard !tokens.isEmpty else { return nil }
    var parts: [String] = []
    for (index, token) in tokens.enumerated() {
      var part = quoted(token.text)
      if prefix && index == tokens.count - 1 { part += ":*" }
      if index > 0 {
        // Tokens at one position (none in a query, but kept safe) follow with a distance of 0.
        let distance = max(0, token.position - tokens[index - 1].position)
        parts.append(distance == 1 ? "<->" : "<\(distance)>")
      }
      parts.append(part)
    }
    return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " ") + ")"
  }
}
