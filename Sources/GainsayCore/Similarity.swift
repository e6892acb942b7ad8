import Foundation

/// How alike two statements are, after normalisation: case, diacritics, punctuation and spacing are
/// ignored, so "We don't have any gays!" and "we dont have any gays" are the same statement. Beyond that,
/// statements are compared word by word on the stems search uses (``TextAnalysis``), so an inflected repeat
/// ("Россия ввела санкции" and "России ввели санкции") scores as a repeat, while a negation counts double so that
/// a statement and its denial stay apart.
public enum Similarity {
  /// Lower-cased, without diacritics, punctuation folded to spaces, whitespace collapsed.
  public static func normalised(_ text: String) -> String {
    normalisedASCII(text) ?? normalisedUnicode(text)
  }

  /// Read once: `CharacterSet.alphanumerics` builds the set again at each use (a third of an import's
  /// normalising time went to it).
  private static let alphanumerics = CharacterSet.alphanumerics

  /// ``normalised(_:)`` for any text, through Foundation's folding.
  static func normalisedUnicode(_ text: String) -> String {
    let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    var out = ""
    var pendingSpace = false
    for scalar in folded.unicodeScalars {
      if scalar == "'" || scalar == "’" { continue }  // don't / dont
      if Self.alphanumerics.contains(scalar) {
        if pendingSpace && !out.isEmpty { out.append(" ") }
        pendingSpace = false
        out.unicodeScalars.append(scalar)
      } else {
        pendingSpace = true
      }
    }
    return out
  }

  /// ``normalised(_:)`` without Foundation, for the common all-ASCII text; nil for any other text.
  static func normalisedASCII(_ text: String) -> String? {
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    var pendingSpace = false
    for byte in text.utf8 {
      guard byte < 0x80 else { return nil }
      switch byte {
      case UInt8(ascii: "'"):
        continue
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        if pendingSpace && !out.isEmpty { out.append(UInt8(ascii: " ")) }
        pendingSpace = false
        out.append(byte)
      case UInt8(ascii: "A")...UInt8(ascii: "Z"):
        if pendingSpace && !out.isEmpty { out.append(UInt8(ascii: " ")) }
        pendingSpace = false
        out.append(byte + 32)
      default:
        pendingSpace = true
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// What ``score(_:_:)`` compares of a text, computed once per text.
  public struct Fingerprint: Sendable {
    let normalised: String
    /// Stem and stem-bigram counts, by the feature's hash (fingerprints compare only within a process,
    /// whose hash seed is fixed; a collision would at worst count one feature as shared).
    let features: [Int: Int]
    let total: Int

    /// How much a negation (не, not, never, ...) counts: more than another word, so that "санкции работают" and
    /// "санкции не работают" score lower than two sentences differing by any other word.
    static let negationWeight = 2

    public init(_ text: String) {
      normalised = Similarity.normalised(text)
      let words = TextAnalysis.words(of: text)
      var counts: [Int: Int] = [:]
      counts.reserveCapacity(words.count * 2)
      var total = 0
      for word in words {
        var hasher = Hasher()
        hasher.combine(word.stem)
        let weight = word.isNegation ? Self.negationWeight : 1
        counts[hasher.finalize(), default: 0] += weight
        total += weight
      }
      for (first, second) in zip(words, words.dropFirst()) {
        var hasher = Hasher()
        hasher.combine(first.stem)
        hasher.combine(second.stem)
        counts[hasher.finalize(), default: 0] += 1
        total += 1
      }
      features = counts
      self.total = total
    }
  }

  /// 0…1: 1 for identical normalised text; otherwise the Dice coefficient of the two texts' stems and stem
  /// bigrams (at most 0.99), which rewards shared phrasing over shared vocabulary.
  public static func score(_ a: String, _ b: String) -> Double {
    score(Fingerprint(a), Fingerprint(b))
  }

  /// ``score(_:_:)`` of two fingerprinted texts: fingerprint a text once to compare it with many.
  public static func score(_ x: Fingerprint, _ y: Fingerprint) -> Double {
    if x.normalised == y.normalised { return x.normalised.isEmpty ? 0 : 1 }
    let shared = x.features.reduce(0) { total, entry in total + min(entry.value, y.features[entry.key] ?? 0) }
    let total = x.total + y.total
    return total == 0 ? 0 : min(0.99, 2 * Double(shared) / Double(total))
  }
}
