import Foundation
import GainsayProto

/// Ranks sources whose archived text most likely addresses a claim, and picks the passage of each that
/// matches best, ready to quote in a link.
struct EvidenceSuggester {
  let store: any LedgerStore

  /// Words too common to say anything about what a claim is about.
  static let stopWords: Set<String> = [
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "dont", "for", "from", "has", "have", "i", "in", "is", "it",
    "its", "not", "of", "on", "or", "that", "the", "their", "there", "they", "this", "to", "was", "we", "were", "will",
    "with", "you", "any", "all", "our", "no", "who", "what", "simply",
  ]

  static func keywords(_ text: String) -> [String] {
    var seen = Set<String>()
    return Similarity.normalised(text).split(separator: " ").map(String.init).filter { word in
      word.count >= 3 && !stopWords.contains(word) && seen.insert(word).inserted
    }
  }

  /// Stems crudely so "gays" finds "gay" and "detained" finds "detain": the FTS5 prefix of each word.
  static func stem(_ word: String) -> String {
    word.count > 5
      ? String(word.prefix(word.count - 2)) : word.count > 3 && word.hasSuffix("s") ? String(word.dropLast()) : word
  }

  func suggest(for claim: Claim, speaker: Speaker?, limit: Int) async throws -> [EvidenceSuggestion] {
    let claimWords = Self.keywords(claim.text + " " + claim.context)
    let nameWords = Self.keywords(([speaker?.name ?? ""] + (speaker?.aliases ?? [])).joined(separator: " "))
    let topicWords = claim.topics.flatMap { Self.keywords($0) }
    let allWords = Array(Set(claimWords + nameWords + topicWords)).sorted()
    guard !allWords.isEmpty else { return [] }
    let expression = allWords.map { "\"\(Self.stem($0))\"*" }.joined(separator: " OR ")
    let candidates = try await store.sourceCandidates(matching: expression, limit: max(limit * 4, 20))
    var ranked: [EvidenceSuggestion] = []
    for (source, bm25) in candidates where !source.archivedText.isEmpty {
      // A call cancelled at its deadline stops here.
      try Task.checkCancellation()
      let examined = Self.examined(source.archivedText)
      let text = Similarity.normalised(examined + " " + source.title)
      // bm25 says how well the text matches the claim's words; mentions of the speaker and of the
      // claim's topics say whether it is about the same person and subject.
      let speakerOverlap = nameWords.filter { text.contains($0) }.count
      let topicOverlap = topicWords.filter { text.contains(Self.stem($0)) }.count
      let score = bm25 * 1_000_000 + Double(speakerOverlap) * 2 + Double(topicOverlap)
      var suggestion = EvidenceSuggestion()
      var listed = source
      listed.archivedText = ""
      suggestion.source = listed
      suggestion.score = score
      suggestion.passage = Self.bestPassage(in: examined, words: claimWords + nameWords + topicWords)
      ranked.append(suggestion)
    }
    ranked.sort { $0.score > $1.score }
    return Array(ranked.prefix(limit))
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

  /// The sentence sharing the most (stemmed) words with the claim, with up to 32 characters of context on
  /// each side as a W3C-style prefix and suffix.
  ///
  /// Each word is compared with the stems through its own prefixes, one per length of stem: linear in
  /// the text (comparing each word with every stem cost the product of the two).
  static func bestPassage(in text: String, words: [String]) -> TextQuote {
    var stemsByLength: [Int: Set<Substring>] = [:]
    for word in words {
      let stem = Substring(stem(word))
      stemsByLength[stem.count, default: []].insert(stem)
    }
    let lengths = stemsByLength.keys.sorted()
    func matches(_ word: Substring) -> Bool {
      let count = word.count
      for length in lengths {
        guard length <= count else { return false }
        if stemsByLength[length]!.contains(word.prefix(length)) { return true }
      }
      return false
    }
    var best: (score: Int, range: Range<String.Index>)?
    for range in sentences(in: text) {
      let sentenceWords = Similarity.normalised(String(text[range])).split(separator: " ")
      let score = sentenceWords.filter(matches).count
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
