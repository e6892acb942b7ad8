import GRDB
import GainsayCore
import Synchronization

/// Every word of every speaker's name and aliases, by name key (``TextAnalysis/nameKey(_:)``: Cyrillic
/// transliterated, spellings normalised), so that a search finds a speaker's name in any script and
/// spelling: Кадыров, Kadyrov, Kadirov, Kadyrow.
///
/// Loaded from `speaker_name` and kept in memory until a write changes a name (the table's triggers
/// count every change in `speaker_names_version`).
public struct SpeakerNameKeys: Sendable {
  /// One word of a speaker's name or alias.
  public struct Word: Sendable {
    public let speakerID: String
    /// As written in the name.
    public let word: String
    public let key: String
  }

  /// What a query word matched: a speaker, the name key it matched, and how far the spelling was (0 for
  /// the key itself or an inflection of it).
  public struct Match: Sendable {
    public let speakerID: String
    public let key: String
    public let distance: Int
  }

  public let version: Int64
  public let words: [Word]
  /// Indexes into ``words`` by key.
  private let byKey: [String: [Int]]
  /// Distinct keys by their length, for fuzzy matching.
  private let keysByLength: [Int: [String]]

  /// Name words shorter than this (initials, "Ли") are matched only exactly.
  static let shortestFuzzy = 5
  /// Letters an inflection may add to a name ("Кадырова", "Кадыровым").
  static let longestEnding = 3

  public init(version: Int64, names: [(speakerID: String, name: String)]) {
    var words: [Word] = []
    var byKey: [String: [Int]] = [:]
    for (speakerID, name) in names {
      for word in TextAnalysis.words(of: name) where word.folded.count >= SearchPlan.shortestName {
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
  public func matches(_ word: String) -> [Match] {
    let key = TextAnalysis.nameKey(word)
    guard key.count >= SearchPlan.shortestName else { return [] }
    var found: [String: Int] = [:]
    if byKey[key] != nil { found[key] = 0 }
    // An inflected name: the key of a name word and a short ending.
    for length in stride(from: max(SearchPlan.shortestNamePrefix, key.count - Self.longestEnding), to: key.count, by: 1)
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

  /// The names of the speakers that have any (merged speakers keep none).
  static func load(_ db: Database) throws -> SpeakerNameKeys {
    let version = try Int64.fetchOne(db.cachedStatement(sql: "SELECT version FROM speaker_names_version")) ?? 0
    let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT speaker_id, name FROM speaker_name"))
    return SpeakerNameKeys(version: version, names: rows.map { (speakerID: $0[0], name: $0[1]) })
  }
}

/// The store's ``SpeakerNameKeys``, loaded again when a name has changed since.
final class SpeakerNameCache: Sendable {
  private let loaded = Mutex<SpeakerNameKeys?>(nil)

  /// The current names, read inside the caller's transaction so they agree with what it searches.
  func current(_ db: Database) throws -> SpeakerNameKeys {
    let version = try Int64.fetchOne(db.cachedStatement(sql: "SELECT version FROM speaker_names_version")) ?? 0
    if let names = loaded.withLock({ $0 }), names.version == version { return names }
    let names = try SpeakerNameKeys.load(db)
    loaded.withLock { $0 = names }
    return names
  }
}
