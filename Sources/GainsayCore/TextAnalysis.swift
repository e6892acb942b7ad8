import Foundation
import GainsayStemming

/// One word of a text as the search index sees it.
public struct AnalyzedWord: Sendable, Hashable {
  /// Where the word is in the analysed text ("don" of "don't" for its "do", "n't" for its "not").
  public let range: Range<String.Index>
  /// Lower-cased, diacritics and stress marks dropped, ё as е: what an exact (`"=word"`) search matches.
  public let folded: String
  /// The Snowball stem of ``folded`` (Russian for Cyrillic, English for Latin words): what a search matches.
  public let stem: String
  /// Whether the word is a negation (не, ни, нет, никогда, not, no, never, ...).
  public let isNegation: Bool
}

/// Words, stems, name keys and negations as the `gainsay` search tokenizer makes them (both use the C target
/// GainsayStemming), so that repeat detection, evidence suggestions and snippets agree with search.
///
/// Words are runs of letters, digits, non-spacing marks and in-word apostrophes, as FTS5's unicode61 splits
/// them. Apostrophes split a word, except that a possessive "'s" joins its word and an English "n't" becomes
/// the word "not" ("don't" is "do" + "not", "can't" "can" + "not", "won't" "will" + "not"); "cannot" is "can"
/// + "not". Case folds by Unicode's lower-case mapping, Latin diacritics as unicode61's remove_diacritics 2
/// (and, beyond it, Latin Extended Additional by Unicode decomposition).
public enum TextAnalysis {
  /// The words of `text`, in order.
  public static func words(of text: String) -> [AnalyzedWord] {
    var analyzer = Analyzer()
    return analyzer.words(of: text)
  }

  /// `word` lower-cased and folded as ``AnalyzedWord/folded``.
  public static func folded(_ word: String) -> String {
    // ASCII folds by lower-casing alone.
    if word.utf8.allSatisfy({ $0 < 0x80 }) {
      return String(decoding: word.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }, as: UTF8.self)
    }
    var lowered = String.UnicodeScalarView()
    for scalar in word.unicodeScalars { appendLowered(scalar, to: &lowered) }
    return call(gainsay_fold, String(lowered), capacity: lowered.count * 4 + 4)
  }

  /// The stem of a word as search matches it; of a text of several words, their stems joined by a space.
  public static func stem(_ text: String) -> String {
    words(of: text).map(\.stem).joined(separator: " ")
  }

  /// The key on which the spellings of a name meet, in any script (Кадыров, Kadyrov, Kadirov and Kadyrow give
  /// "kadirov"); of a name of several words, their keys joined by a space. GainsayStemming.h lists the rules.
  /// Unlike ``words(of:)``, apostrophes do not split a name: they are dropped (Naval'ny is Navalny, O'Brien
  /// OBrien), as is a possessive "'s", as the tokenizer keys a name.
  public static func nameKey(_ name: String) -> String {
    runs(of: name).compactMap { run in
      var folded = folded(String(name.unicodeScalars[run]))
      if folded.count > 2, let last = folded.unicodeScalars.dropLast().last, isApostrophe(last),
        folded.hasSuffix("s")
      {
        folded.unicodeScalars.removeLast(2)
      }
      let key = nameKeyFolded(folded)
      return key.isEmpty ? nil : key
    }.joined(separator: " ")
  }

  /// Whether one word is a negation, after folding ("Не" and "NEVER" are).
  public static func isNegation(_ word: String) -> Bool {
    isNegationFolded(folded(word))
  }

  /// The optimal-string-alignment (restricted Damerau–Levenshtein) distance between `a` and `b` by Unicode
  /// scalar: insertions, deletions, substitutions and swaps of two neighbours each cost 1. Stops early and
  /// returns `limit + 1` once the distance is known to exceed `limit`.
  public static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    let beyond = max(0, limit) + 1
    if abs(x.count - y.count) >= beyond { return beyond }
    if x.isEmpty || y.isEmpty { return min(max(x.count, y.count), beyond) }
    var previous2 = [Int](repeating: 0, count: y.count + 1)
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
      current[0] = i
      var rowMinimum = i
      for j in 1...y.count {
        let cost = x[i - 1] == y[j - 1] ? 0 : 1
        var distance = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
          distance = min(distance, previous2[j - 2] + 1)
        }
        current[j] = distance
        rowMinimum = min(rowMinimum, distance)
      }
      if rowMinimum >= beyond { return beyond }
      (previous2, previous, current) = (previous, current, previous2)
    }
    return min(previous[y.count], beyond)
  }
}

extension TextAnalysis {
  /// The runs of word characters (apostrophes included) in `text`, as unicode61 finds its tokens.
  static func runs(of text: String) -> [Range<String.Index>] {
    var runs: [Range<String.Index>] = []
    let scalars = text.unicodeScalars
    var index = scalars.startIndex
    while index < scalars.endIndex {
      guard isWordScalar(scalars[index]) else {
        index = scalars.index(after: index)
        continue
      }
      let start = index
      while index < scalars.endIndex && isWordScalar(scalars[index]) { index = scalars.index(after: index) }
      runs.append(start..<index)
    }
    return runs
  }

  /// What unicode61 keeps in a token: letters, digits, non-spacing marks, private use; and apostrophes.
  static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
    if isApostrophe(scalar) { return true }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
      .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .privateUse:
      return true
    default:
      return false
    }
  }

  static func isApostrophe(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "'" || scalar == "\u{2019}" || scalar == "\u{02BC}"
  }

  /// Appends the lower-case mapping of `scalar`; a letter of Latin Extended Additional (Vietnamese) as its
  /// base letter, as unicode61 folds it and gainsay_fold's table does not.
  static func appendLowered(_ scalar: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
    if (0x1E00...0x1EFF).contains(scalar.value),
      let base = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.first
    {
      out.append(contentsOf: base.properties.lowercaseMapping.unicodeScalars)
      return
    }
    if scalar.properties.changesWhenLowercased {
      out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
    } else {
      out.append(scalar)
    }
  }

  /// Whether a folded word is a negation.
  static func isNegationFolded(_ folded: String) -> Bool {
    var bytes = folded
    return bytes.withUTF8 { utf8 in
      utf8.withMemoryRebound(to: CChar.self) { gainsay_is_negation($0.baseAddress, Int32($0.count)) != 0 }
    }
  }

  /// The stem of a folded word.
  static func stemFolded(_ folded: String) -> String {
    call(gainsay_stem, folded, capacity: folded.utf8.count + 16)
  }

  /// The name key of a folded word.
  static func nameKeyFolded(_ folded: String) -> String {
    call(gainsay_name_key, folded, capacity: folded.utf8.count * 4 + 4)
  }

  /// Calls one of GainsayStemming's functions on `input`; the input unchanged if it fails (out of memory).
  static func call(
    _ function: (UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<CChar>?, Int32) -> Int32,
    _ input: String, capacity: Int
  ) -> String {
    var bytes = input
    return bytes.withUTF8 { utf8 in
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { out in
        let length = utf8.withMemoryRebound(to: CChar.self) { word in
          out.withMemoryRebound(to: CChar.self) { result in
            function(word.baseAddress, Int32(word.count), result.baseAddress, Int32(capacity))
          }
        }
        guard length >= 0 else { return input }
        return String(decoding: UnsafeBufferPointer(rebasing: out[0..<Int(length)]), as: UTF8.self)
      }
    }
  }
}
