/// The passage of a text most like a quote that does not occur in it: what an error suggests quoting.
///
/// Found in two bounded steps, both over the normalised text (``NormalizedText``):
/// 1. a window of as many words as the quote slides over the text's words, scoring the words it shares
///    with the quote (a bag of words, updated as each word enters and leaves: linear in the text); the
///    best few windows that do not overlap are kept;
/// 2. each is compared with the quote character by character: ``similarity(_:_:)``.
public struct ClosestPassage: Sendable, Equatable {
  /// Where the passage is in the text, in code points (end exclusive).
  public var start: Int
  public var end: Int
  /// The passage as it can be quoted: the text's own characters, with each run of white space as one
  /// space and soft hyphens and zero-width characters left out (quoted so, it anchors at ``start``).
  public var quotable: String
  /// How alike the passage and the quote are, from 0 to 1.
  public var similarity: Double
  /// Which occurrence of itself the passage is: 1 unless the same passage occurs earlier in the text.
  public var occurrence: Int

  /// The similarity as a whole percentage; never 100, since the quote did not occur.
  public var percent: Int { min(99, Int((similarity * 100).rounded(.down))) }

  /// How many of the best windows are compared character by character.
  static let candidates = 4
  /// The largest comparison (characters of one times characters of the other) made by edit distance;
  /// larger ones compare pairs of characters instead.
  static let editDistanceCells = 4_000_000
  /// Quotes up to this many characters have their closest passage's ends tried a word either way.
  static let refinedLength = 600

  /// The passage of `normal` closest to `needle` (a normalised quote), or nil if none shares a word.
  static func search(_ needle: [UInt32], in normal: NormalizedText) -> ClosestPassage? {
    let quoteWords = Words(needle)
    guard !quoteWords.hashes.isEmpty else { return nil }
    var vocabulary: [UInt64: Int] = [:]
    var wanted: [Int] = []
    for hash in quoteWords.hashes {
      if let id = vocabulary[hash] {
        wanted[id] += 1
      } else {
        vocabulary[hash] = wanted.count
        wanted.append(1)
      }
    }
    let words = Words(normal.scalars, vocabulary: vocabulary)
    guard !words.starts.isEmpty else { return nil }
    let width = min(quoteWords.hashes.count, words.starts.count)

    // 1. The windows sharing the most words with the quote.
    var have = [Int](repeating: 0, count: wanted.count)
    var shared = 0
    var best: [(shared: Int, first: Int)] = []
    func consider(_ first: Int) {
      guard shared > 0 else { return }
      if let near = best.firstIndex(where: { abs($0.first - first) < width }) {
        if best[near].shared < shared { best[near] = (shared, first) }
      } else if best.count < candidates {
        best.append((shared, first))
      } else if let worst = best.indices.min(by: { best[$0].shared < best[$1].shared }),
        best[worst].shared < shared
      {
        best[worst] = (shared, first)
      }
    }
    for index in 0..<words.starts.count {
      if let id = words.ids[index] {
        if have[id] < wanted[id] { shared += 1 }
        have[id] += 1
      }
      let first = index + 1 - width
      if first > 0, let id = words.ids[first - 1] {
        have[id] -= 1
        if have[id] < wanted[id] { shared -= 1 }
      }
      if first >= 0 { consider(first) }
    }
    guard !best.isEmpty else { return nil }

    // 2. Character by character.
    var top: (similarity: Double, range: Range<Int>)?
    for candidate in best {
      var lasts = [candidate.first + width - 1]
      var firsts = [candidate.first]
      if needle.count <= refinedLength {
        firsts = [candidate.first - 1, candidate.first, candidate.first + 1]
        lasts = [lasts[0] - 1, lasts[0], lasts[0] + 1]
      }
      for first in firsts where first >= 0 && first < words.starts.count {
        for last in lasts where last >= first && last < words.starts.count {
          let range = span(words.starts[first]..<words.ends[last], like: needle, in: normal.scalars)
          let score = similarity(needle[...], normal.scalars[range])
          if score > (top?.similarity ?? -1) { top = (score, range) }
        }
      }
    }
    guard let top, top.similarity > 0 else { return nil }
    let original = normal.originalRange(of: top.range)
    return ClosestPassage(
      start: original.lowerBound, end: original.upperBound, quotable: quotable(original, in: normal),
      similarity: top.similarity, occurrence: TextQuoteAnchor.occurrence(of: original, in: normal))
  }

  /// A span of words widened by the punctuation just outside it that the quote has at its ends (a
  /// closing full stop, an opening quote mark).
  private static func span(_ range: Range<Int>, like needle: [UInt32], in text: [UInt32]) -> Range<Int> {
    var lower = range.lowerBound
    var upper = range.upperBound
    var head = 0
    while head < needle.count, !Words.isWordCharacter(needle[head]), lower > 0, text[lower - 1] == needle[head],
      text[lower - 1] != NormalizedText.space
    {
      lower -= 1
      head += 1
    }
    var tail = needle.count - 1
    while tail >= 0, !Words.isWordCharacter(needle[tail]), upper < text.count, text[upper] == needle[tail],
      text[upper] != NormalizedText.space
    {
      upper += 1
      tail -= 1
    }
    return lower..<upper
  }

  /// The original code points `range` as they can be quoted: white space runs as one space, ignored
  /// characters left out.
  private static func quotable(_ range: Range<Int>, in normal: NormalizedText) -> String {
    var out = String.UnicodeScalarView()
    for scalar in normal.original[range] {
      switch scalar.value {
      case 0xAD, 0x200B...0x200D, 0x2060, 0xFEFF: continue
      default:
        if NormalizedText.isWhitespace(scalar) {
          if out.last != " " { out.append(" ") }
        } else {
          out.append(scalar)
        }
      }
    }
    return String(out)
  }

  /// How alike two normalised passages are, from 0 to 1: one minus their edit distance (Levenshtein)
  /// over the longer one's length, or, for pairs too long for that to stay cheap (see
  /// ``editDistanceCells``), the Dice coefficient of their character pairs (bigrams).
  static func similarity(_ a: ArraySlice<UInt32>, _ b: ArraySlice<UInt32>) -> Double {
    if a.isEmpty || b.isEmpty { return a.isEmpty && b.isEmpty ? 1 : 0 }
    if a.count * b.count <= editDistanceCells {
      return 1 - Double(editDistance(Array(a), Array(b))) / Double(max(a.count, b.count))
    }
    return bigramDice(a, b)
  }

  /// Levenshtein distance, in two rows.
  static func editDistance(_ a: [UInt32], _ b: [UInt32]) -> Int {
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        for i in 0..<a.count {
          current.withUnsafeMutableBufferPointer { row in
            previous.withUnsafeBufferPointer { above in
              row[0] = i + 1
              for j in 0..<b.count {
                let substitution = above[j] + (a[i] == b[j] ? 0 : 1)
                row[j + 1] = min(substitution, above[j + 1] + 1, row[j] + 1)
              }
            }
          }
          swap(&previous, &current)
        }
      }
    }
    return previous[b.count]
  }

  /// Twice the character pairs two passages share over the pairs they have.
  private static func bigramDice(_ a: ArraySlice<UInt32>, _ b: ArraySlice<UInt32>) -> Double {
    func pairs(_ text: ArraySlice<UInt32>) -> [UInt64: Int] {
      var counts: [UInt64: Int] = [:]
      var previous: UInt32?
      for value in text {
        if let previous { counts[UInt64(previous) << 32 | UInt64(value), default: 0] += 1 }
        previous = value
      }
      return counts
    }
    let left = pairs(a)
    let right = pairs(b)
    let shared = left.reduce(0) { $0 + min($1.value, right[$1.key] ?? 0) }
    return 2 * Double(shared) / Double(a.count - 1 + b.count - 1)
  }
}

/// The words of a normalised text: runs of code points other than spaces and ASCII punctuation, each
/// with a hash of its code points and, when a vocabulary is given, its id in it.
private struct Words {
  var starts: [Int] = []
  var ends: [Int] = []
  var hashes: [UInt64] = []
  var ids: [Int?] = []

  /// The words of a quote, with their hashes.
  init(_ text: [UInt32]) {
    scan(text) { start, end, hash in
      starts.append(start)
      ends.append(end)
      hashes.append(hash)
    }
  }

  /// The words of a text, with their ids in `vocabulary` (no hashes kept).
  init(_ text: [UInt32], vocabulary: [UInt64: Int]) {
    scan(text) { start, end, hash in
      starts.append(start)
      ends.append(end)
      ids.append(vocabulary[hash])
    }
  }

  static func isWordCharacter(_ value: UInt32) -> Bool {
    switch value {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case 0..<0x80: return false
    default: return true
    }
  }

  /// FNV-1a over each word's code points.
  private func scan(_ text: [UInt32], _ word: (Int, Int, UInt64) -> Void) {
    var start: Int?
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for (index, value) in text.enumerated() {
      if Self.isWordCharacter(value) {
        if start == nil {
          start = index
          hash = 0xcbf2_9ce4_8422_2325
        }
        hash = (hash ^ UInt64(value)) &* 0x100_0000_01b3
      } else if let first = start {
        word(first, index, hash)
        start = nil
      }
    }
    if let first = start { word(first, text.count, hash) }
  }
}
