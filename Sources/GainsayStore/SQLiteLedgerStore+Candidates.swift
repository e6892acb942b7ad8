import Foundation
import GRDB
import GainsayCore
public import GainsayProto
import Synchronization

/// Repeat candidates for new claims and evidence candidates for suggestions.
extension SQLiteLedgerStore {
  /// Claims that may repeat `text`, for ``Similarity`` to score: their records only, without evidence
  /// counts or ratings. The work is bounded whatever the size of the ledger: only the claim's rarest
  /// words are looked up (a repeat shares them), ranked by bm25 while they are rare, otherwise the most
  /// recent claims holding them.
  ///
  /// How rare a word is comes from counting its matches up to ``rarityCountLimit``: FTS5 reads a
  /// doclist incrementally, so a common word costs no more than a rare one (fts5vocab's document
  /// counts read the word's whole doclist, which at a million claims took milliseconds per word).
  public func claimCandidates(similarTo text: String, limit: Int, recordedBefore claimID: String?) async throws
    -> [Claim]
  {
    let words = SearchQuery.words(of: text, maximumWords: 64)
    guard !words.isEmpty else { return [] }
    let known = wordCounts.withLock { $0.counts(of: words) }
    return try await read { db in
      var frequencies: [(word: String, documents: Int)] = []
      var counted: [String: Int] = [:]
      for word in words {
        var documents = known[word] ?? -1
        if documents < 0 {
          documents =
            try Int.fetchOne(
              db.cachedStatement(
                sql: "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT ?)"),
              arguments: ["title : \"" + word + "\"", Self.rarityCountLimit]) ?? 0
          counted[word] = documents
        }
        // A word no claim holds yet cannot find a repeat.
        if documents > 0 { frequencies.append((word, documents)) }
      }
      if !counted.isEmpty { self.wordCounts.withLock { $0.remember(counted) } }
      let rarest = frequencies.sorted { $0.documents < $1.documents }.prefix(Self.candidateWords)
      guard !rarest.isEmpty else { return [] }
      let match = "title : (" + rarest.map { "\"" + $0.word + "\"" }.joined(separator: " OR ") + ")"
      // bm25 scores every match: only when they are few.
      let ranked = rarest.reduce(0) { $0 + $1.documents } <= Self.rarityCountLimit
      // Claims written before `claimID` (rowids follow the writer's order), inside the query, so that
      // claims written since cannot fill the window.
      let earlier = claimID == nil ? "" : " AND c.rowid < (SELECT rowid FROM claim WHERE id = ?)"
      var arguments: StatementArguments = [match]
      if let claimID { arguments += [claimID] }
      arguments += [limit]
      let records = try Data.fetchAll(
        db.cachedStatement(
          sql: ranked
            ? """
            SELECT c.record FROM search_index s JOIN claim c ON c.id = s.resource_id
            WHERE search_index MATCH ? AND s.resource_type = 2\(earlier)
            ORDER BY bm25(search_index, 0.0, 0.0, 10.0, 0.0) LIMIT ?
            """
            : """
            SELECT c.record FROM search_index s JOIN claim c ON c.id = s.resource_id
            WHERE search_index MATCH ? AND s.resource_type = 2\(earlier)
            ORDER BY s.rowid DESC LIMIT ?
            """),
        arguments: arguments)
      return try records.map { try Claim(serializedBytes: $0) }
    }
  }

  /// How many of a claim's rarest words find its repeat candidates.
  static let candidateWords = 4

  /// How many claims hold each word, up to ``rarityCountLimit``: counted once by a query, then counted
  /// on by every claim written, so repeat detection rarely queries at all (a count query costs more
  /// than the rest of a write). Counts are estimates — a rolled-back write or a retraction leaves them a
  /// little high — and are all counted again after ``lifetime``.
  struct WordCounts {
    private var counts: [String: Int] = [:]
    private var since = ContinuousClock.now
    /// The most words remembered, and for how long.
    static let capacity = 100_000
    static let lifetime = Duration.seconds(600)

    mutating func counts(of words: [String]) -> [String: Int] {
      if ContinuousClock.now - since > Self.lifetime {
        counts.removeAll(keepingCapacity: true)
        since = .now
      }
      var found: [String: Int] = [:]
      for word in words { if let count = counts[word] { found[word] = count } }
      return found
    }

    mutating func remember(_ new: [String: Int]) {
      if counts.count + new.count > Self.capacity { counts.removeAll(keepingCapacity: true) }
      counts.merge(new) { _, latest in latest }
    }

    var isEmpty: Bool { counts.isEmpty }

    /// A claim holding `words` was written.
    mutating func written(_ words: [String]) {
      for word in words {
        if let count = counts[word], count < SQLiteLedgerStore.rarityCountLimit { counts[word] = count + 1 }
      }
    }
  }

  /// Keeps the remembered word counts up to date with claims just committed.
  func countWords(of resources: [Resource]) {
    var texts: [String] = []
    for resource in resources { if case .claim(let claim) = resource.kind { texts.append(claim.text) } }
    // Nothing remembered (no claim created since the start, say, only imports): nothing to count on.
    guard !texts.isEmpty, !wordCounts.withLock({ $0.isEmpty }) else { return }
    // A large import would spend more on counting its words than the next claims spend counting
    // again: forget the counts instead.
    guard texts.count <= 64 else {
      wordCounts.withLock { $0 = WordCounts() }
      return
    }
    let words = texts.map { SearchQuery.words(of: $0, maximumWords: 64) }
    wordCounts.withLock { counts in for list in words { counts.written(list) } }
  }

  /// Matches of a word counted to tell how rare it is; a word with this many is common.
  static let rarityCountLimit = 100

  /// How much of a candidate source's archived text is read, in characters: suggestions examine at most
  /// its first 256 KiB, so a 3 MB text is not read whole for each of up to 400 candidates.
  static let candidateTextCharacters = 256 * 1024

  /// Sources matching `query`, best first, each with the start of its archived text (at most
  /// ``candidateTextCharacters``).
  public func sourceCandidates(matching query: String, limit: Int) async throws -> [(Source, Double)] {
    try await read { db in
      let rows = try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT resource_id, bm25(search_index, 0.0, 0.0, 2.0, 1.0) FROM search_index
            WHERE search_index MATCH ? AND resource_type = 3 ORDER BY 2 LIMIT ?
            """),
        arguments: [query, limit])
      return try rows.compactMap { row in
        guard
          let stored = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT record, substr(archived_text, 1, ?) FROM source WHERE id = ?"),
            arguments: [Self.candidateTextCharacters, row[0] as String])
        else { return nil }
        var source = try Source(serializedBytes: stored[0] as Data)
        source.archivedText = stored[1]
        return (source, -(row[1] as Double))
      }
    }
  }
}
