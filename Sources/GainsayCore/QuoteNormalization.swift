import Foundation

/// A text as evidence quotes are matched against it: normalised once, with a map from every normalised
/// code point back to the stretch of the original text it came from, so a match found in the normalised
/// text is returned as the original's own slice.
///
/// Both a source's text and a quote are normalised the same way:
/// - Unicode NFC (canonical composition), so a passage pasted decomposed matches a composed text;
/// - every run of white space (Unicode `White_Space`: spaces, tabs, line breaks, NBSP U+00A0, U+2007,
///   U+202F, U+2000–U+200A, U+3000, …) is one space;
/// - quote marks fold by kind: single marks and apostrophes (‘ ’ ‚ ‛ ‹ › ′ ʼ ' `) to `'`, double marks
///   (“ ” „ ‟ « » ″ ") to `"`. A single mark never equals a double one: `'` and `"` are different
///   characters in what someone said, whichever typography an outlet uses for each;
/// - dashes and hyphens (‐ ‑ ‒ – — ― − ﹣ － -) fold to `-`;
/// - the horizontal ellipsis `…` is `...`;
/// - the soft hyphen U+00AD and the zero-width characters U+200B–U+200D, U+2060 and U+FEFF are left out.
///
/// Case is kept: a quote is verbatim. Building it is linear in the text: each code point is looked at
/// once, and only runs of combining marks (rare) go through Foundation's NFC.
struct NormalizedText {
  /// The original text's code points.
  let original: [Unicode.Scalar]
  /// The normalised code points.
  private(set) var scalars: [UInt32] = []
  /// For each normalised code point, where the original stretch it came from starts (a code point
  /// offset into ``original``)…
  private(set) var starts: [Int32] = []
  /// …and where it ends (exclusive). A whitespace run's space ends after the whole run.
  private(set) var ends: [Int32] = []

  static let space: UInt32 = 0x20

  init(_ text: String) {
    original = Array(text.unicodeScalars)
    scalars.reserveCapacity(original.count)
    starts.reserveCapacity(original.count)
    ends.reserveCapacity(original.count)
    var composed = NFCCache()
    var index = 0
    let count = original.count
    while index < count {
      // A segment: a code point and the combining marks (or conjoining jamo) after it, which NFC may
      // compose with it. Segments never compose with each other.
      var next = index + 1
      while next < count, Self.continuesSegment(original[next]) { next += 1 }
      let first = original[index]
      if next == index + 1, first.value < 0x300 {
        fold(first, from: index, to: next)
      } else {
        for scalar in composed.nfc(original[index..<next]) { fold(scalar, from: index, to: next) }
      }
      index = next
    }
  }

  /// The normalised code points of `text` (a quote), without leading or trailing space.
  static func needle(_ text: String) -> [UInt32] {
    var scalars = NormalizedText(text).scalars[...]
    while scalars.first == space { scalars.removeFirst() }
    while scalars.last == space { scalars.removeLast() }
    return Array(scalars)
  }

  /// Whether normalised code point `index` begins a stretch of the original (and so a match may start
  /// there): an ellipsis's second dot, or a code point NFC split off a composed one, does not.
  func startsStretch(_ index: Int) -> Bool {
    index == 0 || index >= starts.count || starts[index - 1] != starts[index]
  }

  /// The original code points `range`, as a string: the text's own bytes.
  func originalString(_ range: Range<Int>) -> String {
    var string = ""
    string.unicodeScalars.append(contentsOf: original[range])
    return string
  }

  /// The original slice of normalised `range` (non-empty), in original code points.
  func originalRange(of range: Range<Int>) -> Range<Int> {
    Int(starts[range.lowerBound])..<Int(ends[range.upperBound - 1])
  }

  private mutating func fold(_ scalar: Unicode.Scalar, from start: Int, to end: Int) {
    let value = scalar.value
    switch value {
    case 0xAD, 0x200B...0x200D, 0x2060, 0xFEFF:
      return
    case 0x27, 0x60, 0x2018...0x201B, 0x2039, 0x203A, 0x2032, 0x02BC, 0xFF07:
      append(0x27, start, end)
    case 0x22, 0x201C...0x201F, 0xAB, 0xBB, 0x2033, 0xFF02:
      append(0x22, start, end)
    case 0x2D, 0x2010...0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D:
      append(0x2D, start, end)
    case 0x2026:
      for _ in 0..<3 { append(0x2E, start, end) }
    default:
      if Self.isWhitespace(scalar) {
        if scalars.last == Self.space {
          ends[ends.count - 1] = Int32(end)
        } else {
          append(Self.space, start, end)
        }
      } else {
        append(value, start, end)
      }
    }
  }

  private mutating func append(_ value: UInt32, _ start: Int, _ end: Int) {
    scalars.append(value)
    starts.append(Int32(start))
    ends.append(Int32(end))
  }

  static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x20, 0x09...0x0D: return true
    case 0..<0x80: return false
    default: return scalar.properties.isWhitespace
    }
  }

  /// Whether `scalar` belongs with the code point before it for NFC: a combining mark, another
  /// grapheme extender, or a Hangul vowel or final consonant jamo.
  private static func continuesSegment(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    guard value >= 0x300 else { return false }
    if (0x1161...0x1175).contains(value) || (0x11A8...0x11C2).contains(value) { return true }
    let properties = scalar.properties
    return properties.canonicalCombiningClass != .notReordered || properties.isGraphemeExtend
  }
}

/// NFC of short runs of code points, remembering lone code points (a text uses few distinct ones).
private struct NFCCache {
  private var lone: [UInt32: [Unicode.Scalar]] = [:]

  mutating func nfc(_ run: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
    if run.count == 1, let first = run.first {
      if let known = lone[first.value] { return known }
      let composed = Self.compose(run)
      lone[first.value] = composed
      return composed
    }
    return Self.compose(run)
  }

  private static func compose(_ run: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
    var string = ""
    string.unicodeScalars.append(contentsOf: run)
    return Array(string.precomposedStringWithCanonicalMapping.unicodeScalars)
  }
}
