import Foundation
import GainsayProto

/// Ranks sources whose archived text most likely addresses a claim, and picks the passage of each that
/// matches best, ready to quote in a link.
struct EvidenceSuggester {
  let store: any LedgerStore

  /// Words too common to say anything about what a claim is about (folded: ё is е).
  static let stopWords: Set<String> = [
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "dont", "for", "from", "has", "have", "i", "in", "is", "it",
    "its", "not", "of", "on", "or", "that", "the", "their", "there", "they", "this", "to", "was", "we", "were", "will",
    "with", "you", "any", "all", "our", "no", "who", "what", "simply", "can", "but", "his", "her", "had", "been",
    "что", "это", "как", "для", "все", "так", "его", "она", "они", "был", "была", "было", "были", "при", "или", "уже",
    "еще", "только", "также", "который", "которые", "этот", "эти", "там", "тут", "где", "когда", "чтобы",
  ]

  /// A word of a claim that says what it is about: its folded form and its stem.
  struct Keyword: Hashable {
    let folded: String
    let stem: String
  }

  /// The words of `text` worth looking for, each stem once, in order.
  static func keywords(_ text: String) -> [Keyword] {
    var seen = Set<String>()
    return TextAnalysis.words(of: text).compactMap { word in
      guard word.folded.count >= 3, !word.isNegation, !stopWords.contains(word.folded),
        seen.insert(word.stem).inserted
      else { return nil }
      return Keyword(folded: word.folded, stem: word.stem)
    }
  }

  /// The FTS5 phrase that finds a keyword's word forms in the index: the prefix the word shares with its stem
  /// ("detain"* for detained, "санкц"* for санкциями), or the word itself when that prefix is shorter than
  /// three characters (the index's own tokenizer then matches it as it matches words). Stems themselves are
  /// never matched as words: a tokenizer that stems would stem them again.
  static func phrase(_ keyword: Keyword) -> String {
    let shared = zip(keyword.folded, keyword.stem).prefix { $0 == $1 }.count
    let quoted = { (text: String) in "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    return shared >= 3 ? quoted(String(keyword.folded.prefix(shared))) + "*" : quoted(keyword.folded)
  }

  func suggest(for claim: Claim, speaker: Speaker?, limit: Int) async throws -> [EvidenceSuggestion] {
    let claimWords = Self.keywords(claim.text + " " + claim.context)
    let names = ([speaker?.name ?? ""] + (speaker?.aliases ?? [])).joined(separator: " ")
    let nameWords = Self.keywords(names)
    // A name matches in any script and common spelling (Кадыров, Kadyrov, Kadirov).
    let nameKeys = Set(nameWords.map { TextAnalysis.nameKeyFolded($0.folded) })
    let topicWords = claim.topics.flatMap { Self.keywords($0) }
    let allPhrases = Array(Set((claimWords + nameWords + topicWords).map(Self.phrase))).sorted()
    guard !allPhrases.isEmpty else { return [] }
    let expression = allPhrases.joined(separator: " OR ")
    let candidates = try await store.sourceCandidates(matching: expression, limit: max(limit * 4, 20))
    let stems = Set((claimWords + nameWords + topicWords).map(\.stem))
    var analyzer = TextAnalysis.Analyzer()
    var ranked: [EvidenceSuggestion] = []
    for (source, bm25) in candidates where !source.archivedText.isEmpty {
      // A call cancelled at its deadline stops here.
      try Task.checkCancellation()
      let examined = Self.examined(source.archivedText)
      let words = analyzer.words(of: examined)
      let titleWords = analyzer.words(of: source.title)
      let textStems = Set(words.map(\.stem)).union(titleWords.map(\.stem))
      let textKeys = Self.nameKeys(of: words, in: examined).union(Self.nameKeys(of: titleWords, in: source.title))
      // bm25 says how well the text matches the claim's words; mentions of the speaker and of the
      // claim's topics say whether it is about the same person and subject.
      let speakerOverlap = nameKeys.filter { textKeys.contains($0) }.count
      let topicOverlap = topicWords.filter { textStems.contains($0.stem) }.count
      let score = bm25 * 1_000_000 + Double(speakerOverlap) * 2 + Double(topicOverlap)
      var suggestion = EvidenceSuggestion()
      var listed = source
      listed.archivedText = ""
      suggestion.source = listed
      suggestion.score = score
      suggestion.passage = Self.bestPassage(in: examined, words: words, stems: stems, nameKeys: nameKeys)
      ranked.append(suggestion)
    }
    ranked.sort { $0.score > $1.score }
    return Array(ranked.prefix(limit))
  }

  /// The name keys of the words of `text` written with a capital, as the index keys names.
  static func nameKeys(of words: [AnalyzedWord], in text: String) -> Set<String> {
    var keys = Set<String>()
    var byFolded: [String: String] = [:]
    for word in words where text.unicodeScalars[word.range.lowerBound].properties.isUppercase {
      if byFolded[word.folded] == nil { byFolded[word.folded] = TextAnalysis.nameKeyFolded(word.folded) }
      keys.insert(byFolded[word.folded]!)
    }
    return keys
  }

  /// How much of a source's archived text is looked at for its passage and its mentions: a 3 MB text
  /// costs no more than its first 256 KiB.
  static let examinedBytes = 256 * 1024

  /// The start of `text`, at most ``examinedBytes`` long, cut at a character boundary.
  static func examined(_ text: String) -> String {
    guard text.utf8.count > examinedBytes else { return text }
    var end = text.utf8.index(text.utf8.startIndex, offsetBy: examinedBytes)
    while end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
    return String(text.unicodeScalars[..<end])
  }

  /// The sentence sharing the most words with the claim by stem (Россией for Россия, detained for detain),
  /// with up to 32 characters of context on each side as a W3C-style prefix and suffix.
  static func bestPassage(in text: String, words: [String]) -> TextQuote {
    let stems = Set(words.flatMap { TextAnalysis.words(of: $0).map(\.stem) })
    return bestPassage(in: text, words: TextAnalysis.words(of: text), stems: stems, nameKeys: [])
  }

  /// ``bestPassage(in:words:)`` over the analysed words of `text`; a word counts if its stem is one of
  /// `stems` or, written with a capital, its name key is one of `nameKeys`. Linear in the text.
  static func bestPassage(
    in text: String, words: [AnalyzedWord], stems: Set<String>, nameKeys: Set<String>
  ) -> TextQuote {
    var keys: [String: Bool] = [:]
    func matches(_ word: AnalyzedWord) -> Bool {
      if stems.contains(word.stem) { return true }
      guard !nameKeys.isEmpty, text.unicodeScalars[word.range.lowerBound].properties.isUppercase else { return false }
      if let known = keys[word.folded] { return known }
      let found = nameKeys.contains(TextAnalysis.nameKeyFolded(word.folded))
      keys[word.folded] = found
      return found
    }
    var best: (score: Int, range: Range<String.Index>)?
    var next = 0
    for range in sentences(in: text) {
      while next < words.count && words[next].range.lowerBound < range.lowerBound { next += 1 }
      var score = 0
      while next < words.count && words[next].range.lowerBound < range.upperBound {
        if matches(words[next]) { score += 1 }
        next += 1
      }
      if score > (best?.score ?? 0) { best = (score, range) }
    }
    let quote = TextQuote()
    guard let range = best?.range else { return quote }
    return quoteOf(range, in: text)
  }

  /// Sentences: text up to ". ", "! ", "? " or a line break (Foundation on Linux has no sentence splitter).
  static func sentences(in text: String) -> [Range<String.Index>] {
    var ranges: [Range<String.Index>] = []
    var start = text.startIndex
    var index = text.startIndex
    while index < text.endIndex {
      let character = text[index]
      let next = text.index(after: index)
      let ends =
        character.isNewline || (".!?".contains(character) && (next == text.endIndex || text[next].isWhitespace))
      if ends {
        let end = character.isNewline ? index : next
        if start < end { ranges.append(start..<end) }
        start = next
      }
      index = next
    }
    if start < text.endIndex { ranges.append(start..<text.endIndex) }
    return ranges
  }

  /// The longest passage suggested, in characters: the most a link's quote may hold.
  static let maximumPassage = 5_000

  private static func quoteOf(_ range: Range<String.Index>, in text: String) -> TextQuote {
    var quote = TextQuote()
    let exact = text[range].trimmingCharacters(in: .whitespacesAndNewlines)
    guard var trimmed = text.range(of: exact, range: range) else { return quote }
    // No longer than a link's quote may be (a text without sentence ends is one sentence).
    if let end = text.index(trimmed.lowerBound, offsetBy: maximumPassage, limitedBy: trimmed.upperBound) {
      trimmed = trimmed.lowerBound..<end
    }
    quote.exact = String(text[trimmed])
    quote.prefix = String(text[text.startIndex..<trimmed.lowerBound].suffix(32))
    quote.suffix = String(text[trimmed.upperBound...].prefix(32))
    return quote
  }
}
