public import GainsayProto

/// Whether a hit says what the query says or its opposite, by a negation: "санкции не работают" against
/// "санкции работают". The search leaves negations out of its match (``SearchPlan``) so that both are
/// found; this tells them apart, word forms included ("Sanctions don't work" negates "sanctions work").
///
/// A negation governs the words just after it: in the query, the next word; in a text, a word up to
/// ``scope`` words after it ("не очень работают"). A query negation with no word after it asks only that
/// the text negate something.
public struct SearchPolarity: Sendable {
  /// The stems of the query's words other than negations.
  public let stems: Set<String>
  /// The stems the query negates.
  let negated: Set<String>
  /// Whether the query has a negation at all.
  public let negates: Bool

  /// How many words after a negation it governs in a text.
  static let scope = 2

  /// Whether `text` surely holds no negation, found by scanning its bytes (``TextAnalysis`` costs far
  /// more): an all-ASCII text none of whose words is an English negation or ends in "n't"; any other text
  /// with no "не"/"ни" in any case and no "n't"/"n’t". False means "perhaps".
  public static func certainlyWithoutNegation(_ text: String) -> Bool {
    let bytes = text.utf8
    if bytes.allSatisfy({ $0 < 0x80 }) {
      var word: [UInt8] = []
      func negation() -> Bool {
        if word.count >= 3 && word[word.count - 3] == UInt8(ascii: "n") && word[word.count - 2] == UInt8(ascii: "'")
          && word[word.count - 1] == UInt8(ascii: "t")
        {
          return true
        }
        // "'no'" in quotes is the word no.
        return word.split(separator: UInt8(ascii: "'")).contains { englishNegations.contains(Array($0)) }
      }
      for byte in bytes {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "'"):
          word.append(byte)
        case UInt8(ascii: "A")...UInt8(ascii: "Z"):
          word.append(byte + 32)
        default:
          if negation() { return false }
          word.removeAll(keepingCapacity: true)
        }
      }
      return !negation()
    }
    return !cyrillicNegationMarks.contains { mark in text.contains(mark) }
  }

  /// English negations as lower-case ASCII bytes.
  static let englishNegations: Set<[UInt8]> = Set(
    ["not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "cannot"].map { Array($0.utf8) })
  /// Substrings without which a text (not all ASCII) holds no negation.
  static let cyrillicNegationMarks = [
    "не", "Не", "НЕ", "ни", "Ни", "НИ", "n't", "n’t", "N'T", "N’T", "no", "No", "NO", "ne", "Ne", "NE",
  ]

  public init(query: String) {
    let words = TextAnalysis.words(of: query).filter { $0.folded != "or" }
    var stems = Set<String>()
    var negated = Set<String>()
    for (index, word) in words.enumerated() {
      if word.isNegation {
        if let next = words[(index + 1)...].first(where: { !$0.isNegation }) { negated.insert(next.stem) }
      } else {
        stems.insert(word.stem)
      }
    }
    self.stems = stems
    self.negated = negated
    negates = words.contains(where: \.isNegation)
  }

  /// How `text`'s negations compare with the query's.
  public func mismatch(in text: String) -> NegationMismatch {
    guard !stems.isEmpty else { return .none }
    // Most texts hold no negation at all: then the answer is known without analysing them.
    if Self.certainlyWithoutNegation(text) { return negates ? .missing : .none }
    let words = TextAnalysis.words(of: text)
    var present = Set<String>()
    var negatedInText = Set<String>()
    var lastNegation = Int.min / 2
    for (index, word) in words.enumerated() {
      if word.isNegation {
        lastNegation = index
        continue
      }
      present.insert(word.stem)
      if index - lastNegation <= Self.scope { negatedInText.insert(word.stem) }
    }
    if negates {
      let anyNegation = words.contains(where: \.isNegation)
      if negated.isEmpty { return anyNegation ? .none : .missing }
      for stem in negated {
        if present.contains(stem) ? !negatedInText.contains(stem) : !anyNegation { return .missing }
      }
      return .none
    }
    return stems.isDisjoint(with: negatedInText) ? .none : .added
  }
}
