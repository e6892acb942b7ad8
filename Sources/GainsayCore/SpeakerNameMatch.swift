import Foundation

/// How a speaker reference typed by a journalist is matched against the names and aliases on record:
/// first exactly (ignoring case), then after folding case, spacing, punctuation and diacritics, then
/// word by word with a few typing mistakes allowed ("Kadirov" finds "Ramzan Kadyrov", "putin" finds
/// "Vladimir Putin"), and across Latin and Cyrillic spellings ("Kadyrov" finds an alias "Кадыров").
public enum SpeakerNameMatch {
  /// A name folded for lookup: lower-cased, without diacritics, punctuation as spaces, spaces collapsed.
  /// Stored beside every name (`speaker_name.fold`), so it must not change for a name already stored.
  public static func fold(_ name: String) -> String {
    Similarity.normalised(name)
  }

  /// A journalist's reference, folded once, to compare with many names.
  public struct Query: Sendable {
    let words: [[Character]]

    public init(_ reference: String) {
      words = SpeakerNameMatch.words(SpeakerNameMatch.fold(reference))
    }

    /// How close the reference is to a name `folded` as ``SpeakerNameMatch/fold(_:)`` folds it (as it is
    /// stored), from 0 (not close) to 1 (the same); nil when it is not close enough to offer. Every word
    /// of the reference must match a different word of the name, exactly or within ``allowedEdits(_:)``
    /// typing mistakes; fewer words than the name score lower.
    public func closeness(toFolded folded: String) -> Double? {
      guard !words.isEmpty else { return nil }
      let latin = SpeakerNameMatch.transliterated(folded)
      let score = SpeakerNameMatch.closeness(words, SpeakerNameMatch.words(folded))
      guard latin != folded, let other = SpeakerNameMatch.closeness(words, SpeakerNameMatch.words(latin)) else {
        return score
      }
      return max(score ?? 0, other)
    }
  }

  private static func closeness(_ queryWords: [[Character]], _ nameWords: [[Character]]) -> Double? {
    guard !nameWords.isEmpty, queryWords.count <= nameWords.count else { return nil }
    var used = Set<Int>()
    var total = 0.0
    for word in queryWords {
      var bestIndex: Int?
      var bestScore = 0.0
      for (index, candidate) in nameWords.enumerated() where !used.contains(index) {
        let limit = allowedEdits(min(word.count, candidate.count))
        guard abs(word.count - candidate.count) <= limit else { continue }
        let distance = editDistance(word, candidate, limit: limit)
        guard distance <= limit else { continue }
        let score = 1 - Double(distance) / Double(max(word.count, candidate.count))
        if score > bestScore {
          bestScore = score
          bestIndex = index
        }
      }
      guard let bestIndex else { return nil }
      used.insert(bestIndex)
      total += bestScore
    }
    // Words matched, scaled by how much of the name the query covers.
    let coverage = Double(queryWords.count) / Double(nameWords.count)
    return (total / Double(queryWords.count)) * (0.5 + 0.5 * coverage)
  }

  /// Typing mistakes forgiven in a word of `length` characters: none in short words (initials, "Li"),
  /// one in a word of 4 to 6, two in longer words ("Barosso" for "Barroso").
  public static func allowedEdits(_ length: Int) -> Int {
    switch length {
    case ..<4: 0
    case 4...6: 1
    default: 2
    }
  }

  private static func words(_ folded: String) -> [[Character]] {
    folded.split(separator: " ").map(Array.init)
  }

  /// The optimal string alignment distance (Damerau–Levenshtein with adjacent swaps), giving up past
  /// `limit`.
  static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
    if a == b { return 0 }
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previousPrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      var rowMinimum = current[0]
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          value = min(value, previousPrevious[j - 2] + 1)
        }
        current[j] = value
        rowMinimum = min(rowMinimum, value)
      }
      if rowMinimum > limit { return limit + 1 }
      (previousPrevious, previous, current) = (previous, current, previousPrevious)
    }
    return previous[b.count]
  }

  /// Russian and Ukrainian Cyrillic in the common English newsroom romanisation (Кадыров → kadyrov), so
  /// a Latin spelling finds a Cyrillic alias and back. Other characters are kept.
  static func transliterated(_ folded: String) -> String {
    guard folded.unicodeScalars.contains(where: { (0x0400...0x04FF).contains($0.value) }) else { return folded }
    var out = ""
    for character in folded {
      if let latin = cyrillic[character] { out += latin } else { out.append(character) }
    }
    return out
  }

  private static let cyrillic: [Character: String] = [
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
  ]
}
