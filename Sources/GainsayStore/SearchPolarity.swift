import GainsayCore
import GainsayProto

/// Whether a hit says what the query says or its opposite, by a negation: "санкции не работают" against
/// "санкции работают". The search leaves negations out of its match (``SearchPlan``) so that both are
/// found; this tells them apart, word forms included ("Sanctions don't work" negates "sanctions work").
///
/// A negation governs the words just after it: in the query, the next word; in a text, a word up to
/// ``scope`` words after it ("не очень работают"). A query negation with no word after it asks only that
/// the text negate something.
struct SearchPolarity {
  /// The stems of the query's words other than negations.
  let stems: Set<String>
  /// The stems the query negates.
  let negated: Set<String>
  /// Whether the query has a negation at all.
  let negates: Bool

  /// How many words after a negation it governs in a text.
  static let scope = 2

  init(query: String) {
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
  func mismatch(in text: String) -> NegationMismatch {
    guard !stems.isEmpty else { return .none }
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
