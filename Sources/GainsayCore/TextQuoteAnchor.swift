import Foundation
public import GainsayProto

/// Finds an evidence passage in a text the way a W3C Web Annotation `TextQuoteSelector` is matched, and
/// returns it **as it occurs in the text**, with a `TextPositionSelector`'s offsets.
///
/// Both the passage and the text are normalised first (``NormalizedText``: NFC; white space, quote
/// marks, dashes and the ellipsis folded; soft hyphens and zero-width characters left out; case kept),
/// so a passage pasted with a line break, a plain space for a no-break space or straight apostrophes for
/// curly ones still anchors. What is returned is taken from the text: `exact` is the text's own slice
/// (its bytes, which any later check finds byte for byte), `prefix` and `suffix` are up to 32 characters
/// of the text just before and after it, and `start`/`end` are code point offsets (end exclusive).
///
/// A request's prefix and suffix, when given, choose among the places the passage occurs: an
/// occurrence counts only where the normalised text just before it ends with the normalised prefix
/// (and just after it begins with the suffix), a space between them allowed. Occurrences are numbered
/// from 1 by where they start, overlapping ones included.
///
/// Everything is linear in the text: it is normalised once and searched once (Knuth–Morris–Pratt).
public enum TextQuoteAnchor {
  /// How many characters of context are kept on each side of an anchored passage.
  public static let contextLength = 32

  /// What looking for a passage found.
  public enum Outcome: Sendable, Equatable {
    /// The passage, as the text has it, with its context and offsets.
    case anchored(TextQuote)
    /// The passage holds nothing to look for: only spaces, soft hyphens or zero-width characters.
    case blank
    /// The passage occurs `count` times (with its prefix and suffix when given), fewer than asked for.
    case tooFewOccurrences(count: Int)
    /// The passage occurs `count` times, but never with the prefix and suffix given.
    case contextNotFound(count: Int)
    /// The passage does not occur; `closest` is the passage of the text most like it, if any is.
    case notFound(closest: ClosestPassage?)
  }

  /// Looks for occurrence `occurrence` (from 1) of `quote` in `text`.
  public static func find(_ quote: TextQuote, in text: String, occurrence: Int = 1) -> Outcome {
    let needle = NormalizedText.needle(quote.exact)
    guard !needle.isEmpty else { return .blank }
    let normal = NormalizedText(text)
    let context = Context(prefix: NormalizedText.needle(quote.prefix), suffix: NormalizedText.needle(quote.suffix))
    var withContext = 0
    var without = 0
    var found: Range<Int>?
    forEachMatch(of: needle, in: normal) { match in
      without += 1
      guard context.fits(match, in: normal.scalars) else { return true }
      withContext += 1
      if withContext == occurrence { found = match }
      return found == nil
    }
    if let found { return .anchored(anchored(normal.originalRange(of: found), in: normal)) }
    if withContext > 0 { return .tooFewOccurrences(count: withContext) }
    if without > 0 { return .contextNotFound(count: without) }
    return .notFound(closest: ClosestPassage.search(needle, in: normal))
  }

  /// Each of `quotes` anchored again in a new `text`, which is normalised once for all of them: where
  /// the passage occurs with its old prefix and suffix, else its first occurrence; nil where the text no
  /// longer holds it. What a source's new text does to the links anchored in its old one.
  public static func reanchor(_ quotes: [TextQuote], in text: String) -> [TextQuote?] {
    guard !quotes.isEmpty, !text.isEmpty else { return quotes.map { _ in nil } }
    let normal = NormalizedText(text)
    return quotes.map { quote in
      let context = Context(prefix: NormalizedText.needle(quote.prefix), suffix: NormalizedText.needle(quote.suffix))
      var first: Range<Int>?
      var fitting: Range<Int>?
      forEachMatch(of: NormalizedText.needle(quote.exact), in: normal) { match in
        if first == nil { first = match }
        if context.fits(match, in: normal.scalars) { fitting = match }
        return fitting == nil
      }
      return (fitting ?? first).map { anchored(normal.originalRange(of: $0), in: normal) }
    }
  }

  /// The first occurrence of `quote` in `text`, as the text has it; nil if it does not occur.
  public static func anchor(_ quote: TextQuote, in text: String) -> TextQuote? {
    guard case .anchored(let anchored) = find(quote, in: text) else { return nil }
    return anchored
  }

  /// Which occurrence (from 1) of its own normalised form the passage at original code points `range`
  /// is: what `--occurrence` must say for the passage to anchor there.
  static func occurrence(of range: Range<Int>, in normal: NormalizedText) -> Int {
    let needle = NormalizedText.needle(normal.originalString(range))
    var index = 0
    var result = 1
    forEachMatch(of: needle, in: normal) { match in
      index += 1
      if normal.originalRange(of: match).lowerBound >= range.lowerBound {
        result = index
        return false
      }
      return true
    }
    return result
  }

  /// The passage at original code points `range`, with its context and offsets.
  static func anchored(_ range: Range<Int>, in normal: NormalizedText) -> TextQuote {
    let original = normal.original
    // Context is counted in characters; a window of code points bounds the work.
    let window = contextLength * 8
    var quote = TextQuote()
    quote.exact = normal.originalString(range)
    quote.prefix = String(
      normal.originalString(max(0, range.lowerBound - window)..<range.lowerBound).suffix(contextLength))
    quote.suffix = String(
      normal.originalString(range.upperBound..<min(original.count, range.upperBound + window)).prefix(contextLength))
    quote.start = Int64(range.lowerBound)
    quote.end = Int64(range.upperBound)
    return quote
  }

  /// Calls `body` with each place (normalised range) where `needle` occurs and both ends fall where a
  /// stretch of the original begins, in order, until it returns false.
  static func forEachMatch(of needle: [UInt32], in normal: NormalizedText, _ body: (Range<Int>) -> Bool) {
    guard !needle.isEmpty else { return }
    let failure = failureTable(needle)
    let haystack = normal.scalars
    var matched = 0
    for (index, value) in haystack.enumerated() {
      while matched > 0 && needle[matched] != value { matched = failure[matched - 1] }
      if needle[matched] == value { matched += 1 }
      guard matched == needle.count else { continue }
      let start = index + 1 - needle.count
      matched = failure[matched - 1]
      guard normal.startsStretch(start), normal.startsStretch(index + 1) else { continue }
      if !body(start..<index + 1) { return }
    }
  }

  /// Knuth–Morris–Pratt: for each length of a matched prefix of `needle`, the length of its longest
  /// proper prefix that is also its suffix.
  private static func failureTable(_ needle: [UInt32]) -> [Int] {
    var table = [Int](repeating: 0, count: needle.count)
    var length = 0
    for index in needle.indices.dropFirst() {
      while length > 0 && needle[index] != needle[length] { length = table[length - 1] }
      if needle[index] == needle[length] { length += 1 }
      table[index] = length
    }
    return table
  }

  /// A request's normalised prefix and suffix.
  private struct Context {
    let prefix: [UInt32]
    let suffix: [UInt32]

    /// Whether the text just before `match` ends with the prefix and just after it begins with the
    /// suffix (a space between allowed).
    func fits(_ match: Range<Int>, in text: [UInt32]) -> Bool {
      if !prefix.isEmpty {
        var end = match.lowerBound
        if end > 0 && text[end - 1] == NormalizedText.space && prefix.last != NormalizedText.space { end -= 1 }
        guard end >= prefix.count, text[(end - prefix.count)..<end].elementsEqual(prefix) else { return false }
      }
      if !suffix.isEmpty {
        var start = match.upperBound
        if start < text.count && text[start] == NormalizedText.space { start += 1 }
        guard text.count - start >= suffix.count, text[start..<(start + suffix.count)].elementsEqual(suffix) else {
          return false
        }
      }
      return true
    }
  }

  /// Whether `needle`'s bytes occur in `text`'s, in linear time: the check stored passages are held to.
  public static func occurs(_ needle: String, in text: String) -> Bool {
    byteOffset(of: needle, in: text) != nil
  }

  /// The byte offset of the first occurrence of `needle` in `text` (glibc's linear-time `strstr`). Texts
  /// that hold NUL are never stored (validation refuses control characters); one that does is searched
  /// byte by byte, since a C string would end at it.
  static func byteOffset(of needle: String, in text: String) -> Int? {
    guard !needle.utf8.contains(0), !text.utf8.contains(0) else {
      return Array(text.utf8).firstRange(of: Array(needle.utf8))?.lowerBound
    }
    return text.withCString { haystack in
      needle.withCString { part in
        guard let found = strstr(haystack, part) else { return nil }
        return haystack.distance(to: found)
      }
    }
  }
}
