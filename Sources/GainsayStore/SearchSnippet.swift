import Foundation
import GainsayCore
public import GainsayProto

/// The snippet of a search hit, computed in Swift over a bounded prefix of the text, in time linear in
/// that prefix.
///
/// FTS5's `snippet()` scores a window at every match by looking at every match again: quadratic in how
/// often a word repeats, and it cannot be interrupted (a source holding one word 40,000 times took 10 s
/// per search). This follows the same rules — tokens as unicode61 makes them, the window of ``windowTokens``
/// tokens that holds the most distinct phrases of the query (a window starting a sentence preferred), matches
/// highlighted, "…" where the text was shortened — but slides its windows over the matches once, and looks
/// only at the first ``maximumBytes`` of the text.
///
/// Words match as the `gainsay` tokenizer matches them (``TextAnalysis``): a word of the query matches the
/// words sharing its stem (Россия highlights "Россией"); a phrase the user quoted, or one marked "=", matches
/// the folded words exactly; a prefix (`word*`) matches folded words starting with it; a phrase marked "~"
/// matches the words written with a capital whose name key it is (Kadirov highlights "Кадыров").
public struct SearchSnippet: Sendable {
  /// How much of a text is looked at: matches further on are not shown.
  public static let maximumBytes = 256 * 1024
  /// How many tokens a snippet shows.
  public static let windowTokens = 24

  /// What of a word a phrase compares.
  enum View: Int, CaseIterable {
    /// Its folded form (lower case, no diacritics, ё as е).
    case folded
    /// The stem of its folded form.
    case stem
    /// The name key of its folded form; only words written with a capital have one.
    case key
  }

  /// One phrase of the query: its tokens as its view sees them; the last one may be a prefix.
  struct Phrase: Hashable {
    var tokens: [[UInt8]]
    var prefix: Bool
    var view: View = .folded
  }

  let phrases: [Phrase]
  /// Phrases by view, then by their first token (every phrase but a one-token prefix).
  private let byFirstToken: [[[UInt8]: [Int]]]
  /// One-token prefix phrases, by view, then prefix length, then prefix.
  private let byPrefix: [[Int: [ArraySlice<UInt8>: [Int]]]]
  /// The first characters (UTF-8) of the stems in stem phrases: a word's stem starts as the word does, so
  /// only words starting so are stemmed.
  private let stemInitials: Set<[UInt8]>
  private let usesKeys: Bool

  /// The snippet maker for `query` (as typed: words, "phrases", prefix*, OR).
  public init(query: String) {
    self.init(fts5Phrases: SearchQuery.fts5Phrases(query), quoted: Self.quotedPhrases(in: query))
  }

  /// The snippet maker for the phrases of a search as FTS5 runs it (``SearchPlan/phrases``): a phrase
  /// marked "=" or in `quoted` matches exactly, one marked "~" by name key, others by stem.
  init(fts5Phrases: [String], quoted: Set<String> = []) {
    var phrases: [Phrase] = []
    var folder = Folder()
    for term in fts5Phrases {
      var text = Substring(term)
      let prefix = text.hasSuffix("*")
      if prefix { text = text.dropLast() }
      if text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 { text = text.dropFirst().dropLast() }
      var unquoted = Substring(text.replacingOccurrences(of: "\"\"", with: "\""))
      var view = View.stem
      if unquoted.hasPrefix("=") {
        view = .folded
        unquoted = unquoted.dropFirst()
      } else if unquoted.hasPrefix("~") {
        view = .key
        unquoted = unquoted.dropFirst()
      } else if prefix || quoted.contains(unquoted.trimmingCharacters(in: .whitespaces)) {
        view = .folded
      }
      let bytes = Array(unquoted.utf8)
      let folded = Self.tokens(in: bytes[...]).map { folder.fold(bytes[$0.start..<$0.end]) }
      let tokens = folded.map { folder.view(view, of: $0) }.filter { !$0.isEmpty }
      if tokens.count == folded.count && !tokens.isEmpty {
        phrases.append(Phrase(tokens: tokens, prefix: prefix, view: view))
      }
    }
    self.phrases = phrases
    var byFirstToken = Array(repeating: [[UInt8]: [Int]](), count: View.allCases.count)
    var byPrefix = Array(repeating: [Int: [ArraySlice<UInt8>: [Int]]](), count: View.allCases.count)
    var stemInitials = Set<[UInt8]>()
    for (index, phrase) in phrases.enumerated() {
      let view = phrase.view.rawValue
      if phrase.prefix && phrase.tokens.count == 1 {
        byPrefix[view][phrase.tokens[0].count, default: [:]][phrase.tokens[0][...], default: []].append(index)
      } else {
        byFirstToken[view][phrase.tokens[0], default: []].append(index)
      }
      if phrase.view == .stem { for token in phrase.tokens { stemInitials.insert(Self.initial(token)) } }
    }
    self.byFirstToken = byFirstToken
    self.byPrefix = byPrefix
    self.stemInitials = stemInitials
    usesKeys = phrases.contains { $0.view == .key }
  }

  /// The texts the user put in quotes, trimmed (and without a mark typed at the start, which
  /// ``SearchQuery`` drops too): those phrases match exactly, not by stem.
  static func quotedPhrases(in query: String) -> Set<String> {
    var phrases = Set<String>()
    func insert(_ phrase: String) {
      phrases.insert(String(phrase.trimmingCharacters(in: .whitespaces).drop { $0 == "=" || $0 == "~" }))
    }
    var current = ""
    var inPhrase = false
    for character in query {
      if character == "\"" {
        if inPhrase { insert(current) }
        current = ""
        inPhrase.toggle()
      } else if inPhrase {
        current.append(character)
      }
    }
    // An unclosed quote runs to the end, as SearchQuery reads it.
    if inPhrase { insert(current) }
    return phrases
  }

  /// The UTF-8 bytes of the first character of a token.
  static func initial(_ token: [UInt8]) -> [UInt8] {
    guard let first = token.first else { return [] }
    let length = first < 0x80 ? 1 : first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : 2
    return Array(token.prefix(length))
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
    var views = [folded, [], []]
    if !stemInitials.isEmpty {
      views[View.stem.rawValue] = folded.map { token in
        stemInitials.contains(Self.initial(token)) ? folder.view(.stem, of: token) : []
      }
    }
    if usesKeys {
      views[View.key.rawValue] = zip(tokens, folded).map { token, folded in
        Self.startsUpperCase(bytes, at: token.start) ? folder.view(.key, of: folded) : []
      }
    }
    let instances = self.instances(in: views)
    let start = instances.isEmpty ? 0 : bestStart(instances, tokens: tokens, bytes: bytes)
    return render(bytes, tokens: tokens, instances: instances, start: start, truncated: truncated)
  }

  /// Every match of every phrase, in order of position (then phrase): linear in the tokens (each token
  /// is compared, in each view, with the phrases starting with it, and its prefixes of the query's prefix
  /// lengths). `views[view]` holds each token as that view sees it (empty where it was not worth computing;
  /// a view no phrase uses may be empty altogether).
  func instances(in views: [[[UInt8]]]) -> [Instance] {
    var instances: [Instance] = []
    var candidates: [Int] = []
    let count = views[View.folded.rawValue].count
    for position in 0..<count {
      candidates.removeAll(keepingCapacity: true)
      for view in View.allCases where !views[view.rawValue].isEmpty {
        let token = views[view.rawValue][position]
        guard !token.isEmpty else { continue }
        if let found = byFirstToken[view.rawValue][token] { candidates += found }
        for (length, prefixes) in byPrefix[view.rawValue] where token.count >= length {
          if let found = prefixes[token[0..<length]] { candidates += found }
        }
      }
      guard !candidates.isEmpty else { continue }
      if candidates.count > 1 { candidates.sort() }
      for index in candidates where matches(phrases[index], views[phrases[index].view.rawValue], at: position) {
        instances.append(Instance(position: position, phrase: index, size: phrases[index].tokens.count))
      }
    }
    return instances
  }

  private func matches(_ phrase: Phrase, _ tokens: [[UInt8]], at position: Int) -> Bool {
    guard position + phrase.tokens.count <= tokens.count else { return false }
    for (offset, token) in phrase.tokens.enumerated() {
      let candidate = tokens[position + offset]
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
}
