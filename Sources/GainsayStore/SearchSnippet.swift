import Foundation
public import GainsayProto

/// The snippet of a search hit, computed in Swift over a bounded prefix of the text, in time linear in
/// that prefix.
///
/// FTS5's `snippet()` scores a window at every match by looking at every match again: quadratic in how
/// often a word repeats, and it cannot be interrupted (a source holding one word 40,000 times took 10 s
/// per search). This follows the same rules — tokens as the index's `unicode61 remove_diacritics 2`
/// tokenizer makes them, the window of ``windowTokens`` tokens that holds the most distinct phrases of
/// the query (a window starting a sentence preferred), matches highlighted, "…" where the text was
/// shortened — but slides its windows over the matches once, and looks only at the first
/// ``maximumBytes`` of the text.
public struct SearchSnippet: Sendable {
  /// How much of a text is looked at: matches further on are not shown.
  public static let maximumBytes = 256 * 1024
  /// How many tokens a snippet shows.
  public static let windowTokens = 24

  /// One phrase of the query: its tokens, folded; the last one may be a prefix.
  struct Phrase: Hashable {
    var tokens: [[UInt8]]
    var prefix: Bool
  }

  let phrases: [Phrase]
  /// Phrases by their first token (every phrase but a one-token prefix).
  private let byFirstToken: [[UInt8]: [Int]]
  /// One-token prefix phrases, by prefix length then prefix.
  private let byPrefix: [Int: [ArraySlice<UInt8>: [Int]]]

  /// The snippet maker for `query` (as typed: words, "phrases", prefix*, OR).
  public init(query: String) {
    var phrases: [Phrase] = []
    for term in SearchQuery.fts5Phrases(query) {
      var text = Substring(term)
      let prefix = text.hasSuffix("*")
      if prefix { text = text.dropLast() }
      if text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 { text = text.dropFirst().dropLast() }
      let unquoted = text.replacingOccurrences(of: "\"\"", with: "\"")
      var folder = Folder()
      let bytes = Array(unquoted.utf8)
      let tokens = Self.tokens(in: bytes[...]).map { folder.fold(bytes[$0.start..<$0.end]) }
      if !tokens.isEmpty { phrases.append(Phrase(tokens: tokens, prefix: prefix)) }
    }
    self.phrases = phrases
    var byFirstToken: [[UInt8]: [Int]] = [:]
    var byPrefix: [Int: [ArraySlice<UInt8>: [Int]]] = [:]
    for (index, phrase) in phrases.enumerated() {
      if phrase.prefix && phrase.tokens.count == 1 {
        byPrefix[phrase.tokens[0].count, default: [:]][phrase.tokens[0][...], default: []].append(index)
      } else {
        byFirstToken[phrase.tokens[0], default: []].append(index)
      }
    }
    self.byFirstToken = byFirstToken
    self.byPrefix = byPrefix
  }

  /// A snippet of `text`: the plain text, the UTF-8 byte spans of its matches, and whether anything
  /// matched.
  public func snippet(of text: String) -> (text: String, highlights: [TextSpan], matched: Bool) {
    var bytes = Array(text.utf8.prefix(Self.maximumBytes))
    let truncated = bytes.count < text.utf8.count
    // A character cut in two by the limit is left out; one that ends right at it is kept.
    if truncated, let lead = bytes.lastIndex(where: { $0 & 0xC0 != 0x80 }) {
      let length = bytes[lead] < 0x80 ? 1 : bytes[lead] >= 0xF0 ? 4 : bytes[lead] >= 0xE0 ? 3 : 2
      if bytes.count - lead < length { bytes.removeSubrange(lead...) }
    }
    return snippet(of: bytes, truncated: truncated)
  }

  /// A match of one phrase: its first token and its length in tokens.
  struct Instance {
    var position: Int
    var phrase: Int
    var size: Int
  }

  func snippet(of bytes: [UInt8], truncated: Bool) -> (text: String, highlights: [TextSpan], matched: Bool) {
    let tokens = Self.tokens(in: bytes[...])
    var folder = Folder()
    let folded = tokens.map { folder.fold(bytes[$0.start..<$0.end]) }
    let instances = self.instances(in: folded)
    let start = instances.isEmpty ? 0 : bestStart(instances, tokens: tokens, bytes: bytes)
    return render(bytes, tokens: tokens, instances: instances, start: start, truncated: truncated)
  }

  /// Every match of every phrase, in order of position (then phrase): linear in the tokens (each token
  /// is compared with the phrases starting with it, and its prefixes of the query's prefix lengths).
  func instances(in folded: [[UInt8]]) -> [Instance] {
    var instances: [Instance] = []
    var candidates: [Int] = []
    for (position, token) in folded.enumerated() {
      candidates.removeAll(keepingCapacity: true)
      if let found = byFirstToken[token] { candidates += found }
      for (length, prefixes) in byPrefix where token.count >= length {
        if let found = prefixes[token[0..<length]] { candidates += found }
      }
      guard !candidates.isEmpty else { continue }
      if candidates.count > 1 { candidates.sort() }
      for index in candidates where matches(phrases[index], folded, at: position) {
        instances.append(Instance(position: position, phrase: index, size: phrases[index].tokens.count))
      }
    }
    return instances
  }

  private func matches(_ phrase: Phrase, _ folded: [[UInt8]], at position: Int) -> Bool {
    guard position + phrase.tokens.count <= folded.count else { return false }
    for (offset, token) in phrase.tokens.enumerated() {
      let candidate = folded[position + offset]
      if phrase.prefix && offset == phrase.tokens.count - 1 {
        guard candidate.starts(with: token) else { return false }
      } else {
        guard candidate == token else { return false }
      }
    }
    return true
  }

  /// The window FTS5's snippet() would choose: for each match, the window centred on the matches
  /// starting there, and the window starting the match's sentence; each scored 1000 per distinct phrase
  /// and 1 per further match in it (+100 for a sentence, +120 for the first). Both kinds of window only
  /// move forward, so each is a sliding window over the matches.
  func bestStart(_ instances: [Instance], tokens: [Token], bytes: [UInt8]) -> Int {
    let width = Self.windowTokens
    let documentSize = tokens.count
    let sentenceStarts = documentSize > width ? Self.sentenceStarts(tokens, bytes: bytes) : []
    var matchWindow = Window(instances: instances, phraseCount: phrases.count)
    var sentenceWindow = Window(instances: instances, phraseCount: phrases.count)
    var bestScore = 0
    var best = 0
    var sentence = 0
    for instance in instances {
      let position = instance.position
      let (score, first, last) = matchWindow.score(from: position, width: width)
      if score > bestScore {
        bestScore = score
        var adjusted = first - (width - (last - first)) / 2
        if adjusted + width > documentSize { adjusted = documentSize - width }
        best = max(0, adjusted)
      }
      guard !sentenceStarts.isEmpty else { continue }
      while sentence + 1 < sentenceStarts.count && sentenceStarts[sentence + 1] <= position { sentence += 1 }
      let start = sentenceStarts[sentence]
      if start < position {
        let bonus = start == 0 ? 120 : 100
        let score = sentenceWindow.score(from: start, width: width).score + bonus
        if score > bestScore {
          bestScore = score
          best = start
        }
      }
    }
    return best
  }

  /// Matches in `[start, start + width)` for non-decreasing `start`s: counts per phrase kept as the
  /// window slides.
  struct Window {
    let instances: [Instance]
    var counts: [Int]
    var distinct = 0
    var low = 0
    var high = 0

    init(instances: [Instance], phraseCount: Int) {
      self.instances = instances
      counts = Array(repeating: 0, count: phraseCount)
    }

    mutating func score(from start: Int, width: Int) -> (score: Int, first: Int, last: Int) {
      while high < instances.count && instances[high].position < start + width {
        if counts[instances[high].phrase] == 0 { distinct += 1 }
        counts[instances[high].phrase] += 1
        high += 1
      }
      while low < high && instances[low].position < start {
        counts[instances[low].phrase] -= 1
        if counts[instances[low].phrase] == 0 { distinct -= 1 }
        low += 1
      }
      guard low < high else { return (0, start, start) }
      let last = instances[high - 1]
      return (999 * distinct + (high - low), instances[low].position, last.position + last.size)
    }
  }

  /// The text of the window of ``windowTokens`` tokens from `start`, its matches highlighted (matches
  /// that overlap merged into one; one starting before the window left out), with "…" where the text
  /// goes on.
  func render(
    _ bytes: [UInt8], tokens: [Token], instances: [Instance], start: Int, truncated: Bool
  ) -> (text: String, highlights: [TextSpan], matched: Bool) {
    var output: [UInt8] = []
    var spans: [TextSpan] = []
    let ellipsis = Array("…".utf8)
    guard !tokens.isEmpty else {
      output = bytes
      if truncated { output += ellipsis }
      return (String(decoding: output, as: UTF8.self), [], false)
    }
    let end = min(start + Self.windowTokens, tokens.count) - 1
    if start > 0 { output += ellipsis }
    var copied = start == 0 ? 0 : tokens[start].start
    var index = 0
    while index < instances.count {
      // A run of overlapping matches, as one.
      let first = instances[index].position
      var last = first + instances[index].size - 1
      index += 1
      while index < instances.count && instances[index].position <= last {
        last = max(last, instances[index].position + instances[index].size - 1)
        index += 1
      }
      guard first >= start else { continue }
      guard first <= end else { break }
      let from = tokens[first].start
      let to = tokens[min(last, end)].end
      output += bytes[copied..<from]
      var span = TextSpan()
      span.start = UInt32(output.count)
      output += bytes[from..<to]
      span.end = UInt32(output.count)
      spans.append(span)
      copied = to
    }
    if end == tokens.count - 1 && !truncated {
      output += bytes[copied...]
    } else {
      output += bytes[copied..<max(copied, tokens[end].end)]
      output += ellipsis
    }
    return (String(decoding: output, as: UTF8.self), spans, !instances.isEmpty)
  }

  /// A token's UTF-8 byte range.
  struct Token {
    var start: Int
    var end: Int
  }

  /// The tokens of `bytes` (valid UTF-8) as `unicode61` finds them: runs of letters, numbers and private
  /// use characters, combining diacritics continuing a token.
  static func tokens(in bytes: ArraySlice<UInt8>) -> [Token] {
    var tokens: [Token] = []
    var start: Int?
    var offset = bytes.startIndex
    let end = bytes.endIndex
    while offset < end {
      let byte = bytes[offset]
      var width = 1
      let isTokenCharacter: Bool
      var continuesOnly = false
      if byte < 0x80 {
        isTokenCharacter =
          (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
      } else {
        width = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        width = min(width, end - offset)
        let scalar = decode(bytes, at: offset, width: width)
        if let scalar, (0x300...0x36F).contains(scalar.value) {
          isTokenCharacter = false
          continuesOnly = true
        } else {
          isTokenCharacter = scalar.map(isLetterOrNumber) ?? false
        }
      }
      if isTokenCharacter || (continuesOnly && start != nil) {
        if start == nil { start = offset }
      } else if let tokenStart = start {
        tokens.append(Token(start: tokenStart, end: offset))
        start = nil
      }
      offset += width
    }
    if let tokenStart = start { tokens.append(Token(start: tokenStart, end: end)) }
    return tokens
  }

  private static func decode(_ bytes: ArraySlice<UInt8>, at offset: Int, width: Int) -> Unicode.Scalar? {
    var value = UInt32(bytes[offset]) & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07)
    guard width > 1 else { return nil }
    for index in 1..<width { value = value << 6 | (UInt32(bytes[offset + index]) & 0x3F) }
    return Unicode.Scalar(value)
  }

  private static func isLetterOrNumber(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
      .letterNumber, .otherNumber, .privateUse:
      return true
    default:
      return false
    }
  }

  /// The tokens that start a sentence, as FTS5's snippet() finds them: the first, and each one after
  /// white space preceded by "." or ":".
  static func sentenceStarts(_ tokens: [Token], bytes: [UInt8]) -> [Int] {
    var starts: [Int] = []
    for (index, token) in tokens.enumerated() {
      guard index > 0 else {
        starts.append(0)
        continue
      }
      var offset = token.start - 1
      let previousEnd = tokens[index - 1].end
      while offset >= previousEnd && [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset -= 1 }
      if offset != token.start - 1 && offset >= previousEnd && (bytes[offset] == 0x2E || bytes[offset] == 0x3A) {
        starts.append(index)
      }
    }
    return starts
  }

  /// Folds tokens as the index does (lower case, no diacritics): ASCII byte by byte, other tokens through
  /// Foundation, each distinct one once.
  struct Folder {
    private var folded: [ArraySlice<UInt8>: [UInt8]] = [:]

    mutating func fold(_ token: ArraySlice<UInt8>) -> [UInt8] {
      if token.allSatisfy({ $0 < 0x80 }) {
        return token.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
      }
      if let known = folded[token] { return known }
      let result = Array(
        String(decoding: token, as: UTF8.self).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
          .utf8)
      folded[token] = result
      return result
    }
  }
}
