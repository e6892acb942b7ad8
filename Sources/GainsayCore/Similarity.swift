import Foundation

/// How alike two statements are, after normalisation: case, diacritics, punctuation and spacing are
/// ignored, so "We don't have any gays!" and "we dont have any gays" are the same statement.
public enum Similarity {
  /// Lower-cased, without diacritics, punctuation folded to spaces, whitespace collapsed.
  public static func normalised(_ text: String) -> String {
    let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    var out = ""
    var pendingSpace = false
    for scalar in folded.unicodeScalars {
      if scalar == "'" || scalar == "’" { continue }  // don't / dont
      if CharacterSet.alphanumerics.contains(scalar) {
        if pendingSpace && !out.isEmpty { out.append(" ") }
        pendingSpace = false
        out.unicodeScalars.append(scalar)
      } else {
        pendingSpace = true
      }
    }
    return out
  }

  /// 0…1: 1 for identical normalised text; otherwise the Dice coefficient of the two texts' word
  /// bigrams and words, which rewards shared phrasing over shared vocabulary.
  public static func score(_ a: String, _ b: String) -> Double {
    let left = normalised(a)
    let right = normalised(b)
    if left == right { return left.isEmpty ? 0 : 1 }
    let leftWords = left.split(separator: " ").map(String.init)
    let rightWords = right.split(separator: " ").map(String.init)
    func features(_ words: [String]) -> [String: Int] {
      var counts: [String: Int] = [:]
      for word in words { counts["w:" + word, default: 0] += 1 }
      for (first, second) in zip(words, words.dropFirst()) { counts["b:" + first + " " + second, default: 0] += 1 }
      return counts
    }
    let x = features(leftWords)
    let y = features(rightWords)
    let shared = x.reduce(0) { total, entry in total + min(entry.value, y[entry.key] ?? 0) }
    let total = x.values.reduce(0, +) + y.values.reduce(0, +)
    return total == 0 ? 0 : min(0.99, 2 * Double(shared) / Double(total))
  }
}
