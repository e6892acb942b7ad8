import Foundation
public import GainsayProto

/// Finds an evidence passage in a source's archived text the way a W3C Web Annotation
/// `TextQuoteSelector` is meant to be matched, so that a passage pasted with other Unicode encodings of
/// the same characters (NFD against NFC, say) still anchors, and returns it **as it occurs in the text**:
/// the stored passage is then the source's own bytes, which any later check finds byte for byte.
///
/// Every step is linear in the text: a byte search, then one in NFC-normalised text, and only then a walk
/// of the text by characters to map the match back.
public enum TextQuoteAnchor {
  /// The first occurrence of `quote` (its prefix, passage and suffix, together) in `text`, with each part
  /// taken from `text`; nil if it does not occur.
  public static func anchor(_ quote: TextQuote, in text: String) -> TextQuote? {
    let needle = quote.prefix + quote.exact + quote.suffix
    guard !needle.isEmpty, let match = firstMatch(of: needle, in: text) else { return nil }
    // Split the match as the quote is split, by characters (canonically equivalent strings have the same).
    let exactStart = text.index(match.lowerBound, offsetBy: quote.prefix.count, limitedBy: match.upperBound)
    guard let exactStart,
      let exactEnd = text.index(exactStart, offsetBy: quote.exact.count, limitedBy: match.upperBound)
    else { return nil }
    var anchored = TextQuote()
    anchored.prefix = String(text[match.lowerBound..<exactStart])
    anchored.exact = String(text[exactStart..<exactEnd])
    anchored.suffix = String(text[exactEnd..<match.upperBound])
    // Swift compares strings by canonical equivalence: each part must be the part asked for.
    guard anchored.prefix == quote.prefix, anchored.exact == quote.exact, anchored.suffix == quote.suffix else {
      return nil
    }
    return anchored
  }

  /// The range of `text` holding the first occurrence of `needle`, compared byte for byte, then after NFC
  /// normalisation of both.
  static func firstMatch(of needle: String, in text: String) -> Range<String.Index>? {
    if let offset = byteOffset(of: needle, in: text) {
      return range(atByteOffset: offset, length: needle.utf8.count, in: text)
    }
    let normalNeedle = needle.precomposedStringWithCanonicalMapping
    if !normalNeedle.utf8.elementsEqual(needle.utf8), let offset = byteOffset(of: normalNeedle, in: text) {
      if let range = range(atByteOffset: offset, length: normalNeedle.utf8.count, in: text) { return range }
    }
    let normalText = text.precomposedStringWithCanonicalMapping
    // (Swift's == compares canonically: only the bytes tell whether normalising changed anything.)
    guard !normalText.utf8.elementsEqual(text.utf8),
      let offset = byteOffset(of: normalNeedle, in: normalText),
      let normalRange = range(atByteOffset: offset, length: normalNeedle.utf8.count, in: normalText)
    else { return nil }
    // Normalising keeps the characters (only their encoding changes): count to the same place in `text`.
    let characters = normalText[normalText.startIndex..<normalRange.lowerBound].count
    let length = normalText[normalRange].count
    guard let start = text.index(text.startIndex, offsetBy: characters, limitedBy: text.endIndex),
      let end = text.index(start, offsetBy: length, limitedBy: text.endIndex)
    else { return nil }
    return start..<end
  }

  /// Whether `needle`'s bytes occur in `text`'s, in linear time: the check stored passages are held to.
  public static func occurs(_ needle: String, in text: String) -> Bool {
    byteOffset(of: needle, in: text) != nil
  }

  /// The byte offset of the first occurrence of `needle` in `text` (glibc's linear-time `strstr`). Texts
  /// that hold NUL are never stored (validation refuses control characters); one that does is searched
  /// byte by byte, since a C string would end at it.
  private static func byteOffset(of needle: String, in text: String) -> Int? {
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

  /// The string range of `length` bytes at `offset`, if both ends fall on character boundaries.
  private static func range(atByteOffset offset: Int, length: Int, in text: String) -> Range<String.Index>? {
    let utf8 = text.utf8
    let start = utf8.index(utf8.startIndex, offsetBy: offset)
    let end = utf8.index(start, offsetBy: length)
    guard let lower = start.samePosition(in: text), let upper = end.samePosition(in: text) else { return nil }
    return lower..<upper
  }
}
