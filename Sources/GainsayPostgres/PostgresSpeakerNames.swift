import GainsayCore

// A copy of GainsayStore's SpeakerNameKeys (internal there), without its SQLite loading.

/// Every word of every speaker's name and aliases, by name key (``TextAnalysis/nameKey(_:)``: Cyrillic
/// transliterated, spellings normalised), so that a search finds a speaker's name in any script and
/// spelling: Кадыров, Kadyrov, Kadirov, Kadyrow.
///
/// Loaded from `speaker_name` and kept in memory until a write changes a name (the table's triggers
/// count every change in `speaker_names_version`).
struct PostgresSpeakerNames: Sendable {
  /// One word of a speaker's name or alias.
  struct Word: Sendable {
    let speakerID: String
    /// As written in the name.
    let word: String
    let key: String
  }

  /// What a query word matched: a speaker, the name key it matched, and how far the spelling was (0 for
  /// the key itself or an inflection of it).
  struct Match: Sendable {
    let speakerID: String
    let key: String
    let distance: Int
  }

  let version: Int64
  let words: [Word]
  /// Indexes into ``words`` by key.
  private let byKey: [String: [Int]]
  /// Distinct keys by their length, for fuzzy matching.
  private let keysByLength: [Int: [String]]

  /// Name words shorter than this (initials, "Ли") are matched only exactly.
  static let shortestFuzzy = 5
  /// Letters an inflection may add to a name ("Кадырова", "Кадыровым").
  static let longestEnding = 3

  init(version: Int64, names: [(speakerID: String, name: String)]) {
    var words: [Word] = []
    var byKey: [String: [Int]] = [:]
    for (speakerID, name) in names {
      for word in TextAnalysis.words(of: name) where word.folded.count >= PostgresSearchPlan.shortestName {
        let key = TextAnalysis.nameKey(String(name[word.range]))
        guard !key.isEmpty else { continue }
        byKey[key, default: []].append(words.count)
        words.append(Word(speakerID: speakerID, word: String(name[word.range]), key: key))
      }
    }
    self.version = version
    self.words = words
    self.byKey = byKey
    keysByLength = Dictionary(grouping: byKey.keys, by: \.count)
  }

  /// The speakers' name words that `word` spells, best first: the same key, an inflection of it, or a
  /// key within a small edit distance (1 for names of 5–7 letters, 2 for longer ones).
  func matches(_ word: String) -> [Match] {
    let key = TextAnalysis.nameKey(word)
    guard key.count >= PostgresSearchPlan.shortestName else { return [] }
    var found: [String: Int] = [:]
    if byKey[key] != nil { found[key] = 0 }
    // An inflected name: the key of a name word and a short ending.
    for length in stride(
      from: max(PostgresSearchPlan.shortestNamePrefix, key.count - Self.longestEnding), to: key.count, by: 1)
    {
      let stem = String(key.prefix(length))
      if byKey[stem] != nil && found[stem] == nil { found[stem] = 0 }
    }
    let allowed = Self.allowedDistance(key)
    if found.isEmpty && allowed > 0 {
      for length in (key.count - allowed)...(key.count + allowed) {
        for candidate in keysByLength[length] ?? [] {
          let distance = TextAnalysis.editDistance(key, candidate, limit: allowed)
          if distance <= allowed { found[candidate] = min(found[candidate] ?? .max, distance) }
        }
      }
    }
    var matches: [Match] = []
    for (matchedKey, distance) in found {
      var seen = Set<String>()
      for index in byKey[matchedKey] ?? [] where seen.insert(words[index].speakerID).inserted {
        matches.append(Match(speakerID: words[index].speakerID, key: matchedKey, distance: distance))
      }
    }
    return matches.sorted { ($0.distance, $0.key, $0.speakerID) < ($1.distance, $1.key, $1.speakerID) }
  }

  /// The edit distance a misspelt name of this key may have.
  static func allowedDistance(_ key: String) -> Int {
    key.count < shortestFuzzy ? 0 : key.count < 8 ? 1 : 2
  }
}
