import Foundation
import GRDB
import GainsayRanking
import GainsayCore
public import GainsayProto

/// Ranked full-text search.
extension SQLiteLedgerStore {
  /// How many entries hold each phrase of a search (for its idf), and how many entries there are: counted
  /// up to ``phraseCountLimit`` matches and beyond that estimated from how densely the phrase occurs
  /// among the most recent entries. (FTS5's own bm25 counts every match of every phrase on each query,
  /// which grows with the ledger.)
  static func phraseCounts(_ db: Database, phrases: [String]) throws -> (counts: [Double], entries: Double) {
    let newest =
      try Int64.fetchOne(db.cachedStatement(sql: "SELECT rowid FROM search_index ORDER BY rowid DESC LIMIT 1")) ?? 0
    var counts: [Double] = []
    for phrase in phrases {
      let row = try Row.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT count(*), min(rowid) FROM
              (SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?)
            """),
        arguments: [phrase, Self.phraseCountLimit])
      let counted: Int64 = row?[0] ?? 0
      // min(rowid) is NULL when nothing matches.
      let oldest: Int64 = (row?[1] as Int64?) ?? newest
      // Entries are numbered in the order they were written (give or take rewritten ones), so the
      // phrase's density among the newest entries, times all of them, estimates its count.
      counts.append(
        counted < Int64(Self.phraseCountLimit)
          ? Double(counted) : Double(counted) * Double(newest) / Double(max(1, newest - oldest + 1)))
    }
    return (counts, Double(newest))
  }

  /// The ranking of a search: `gainsay_rank`, bm25 weighting titles 10 to 1 over bodies, with the
  /// phrases' counts from ``phraseCounts(_:phrases:)``.
  static func rankFunction(counts: [Double]) -> String {
    "gainsay_rank(" + (["0.0", "0.0", "10.0", "1.0"] + counts.map { String(format: "%.1f", $0) })
      .joined(separator: ", ") + ")"
  }

  /// How far back, in entries, a query made only of common words looks first.
  static let commonEntryRange = 100_000

  /// A phrase's matches counted exactly up to this many; beyond, its count is estimated.
  static let phraseCountLimit = 2_000

  public func search(_ request: SearchRequest, limit: Int) async throws -> [SearchHit] {
    guard let match = SearchQuery.fts5Expression(request.query) else {
      throw LedgerError.invalid("query", "has no words to search for")
    }
    let phrases = SearchQuery.fts5Phrases(request.query)
    let types = request.resourceTypes.isEmpty ? [ResourceType.claim, .speaker, .source] : request.resourceTypes
    var conditions = [
      "resource_type IN (\(Set(types).map { String($0.rawValue) }.sorted().joined(separator: ",")))"
    ]
    var filterArguments: StatementArguments = []
    if !request.speakerID.isEmpty {
      conditions.append("(resource_type <> 2 OR resource_id IN (SELECT id FROM claim WHERE speaker_id = ?))")
      filterArguments += [request.speakerID]
    }
    if !request.includeRetracted {
      conditions.append("(resource_type <> 2 OR resource_id NOT IN (SELECT id FROM claim WHERE state = 2))")
    }
    // FTS5 sorts the matches by `rank` itself and the rest of the query (filters, snippets) runs only on
    // the rows it hands out in that order, until the limit is reached.
    let sql = """
      SELECT resource_type, resource_id, rank,
        snippet(search_index, 2, char(2), char(3), '…', 24), snippet(search_index, 3, char(2), char(3), '…', 24)
      FROM search_index
      WHERE search_index MATCH ? AND rank MATCH ? AND rowid >= ?
        AND \(conditions.joined(separator: " AND "))
      ORDER BY rank LIMIT ?
      """
    let filters = filterArguments
    return try await read { [rankedMatchLimit, commonRankedMatchLimit, commonPhraseShare] db in
      let rows: [Row]
      do {
        let (counts, entries) = try Self.phraseCounts(db, phrases: phrases)
        // Ranking every match of a very common word would cost time in proportion to the ledger: past
        // `rankedMatchLimit` matches, only that many of the most recent ones are ranked. When even the
        // rarest phrase is common, finding those matches means scanning many entries (an AND of common
        // words matches few of them), and a ranking of such words says little: fewer are ranked.
        let everyPhraseCommon = counts.allSatisfy { $0 >= commonPhraseShare * entries }
        let window = everyPhraseCommon ? min(commonRankedMatchLimit, rankedMatchLimit) : rankedMatchLimit
        var oldestRanked: Int64?
        if everyPhraseCommon {
          // Words that are each common can still be rare together, and then their window would reach
          // far back. Look among the newest `commonEntryRange` entries first; only if they hold fewer
          // matches than were asked for, look further.
          let lowest = Int64(entries) - Int64(Self.commonEntryRange)
          if let row = try Row.fetchOne(
            db.cachedStatement(
              sql: """
                SELECT count(*), min(rowid) FROM (SELECT rowid FROM search_index WHERE search_index MATCH ?
                  AND rowid >= ? ORDER BY rowid DESC LIMIT ?)
                """),
            arguments: [match, lowest, window])
          {
            let found: Int = row[0]
            if found == window {
              oldestRanked = row[1]
            } else if found >= limit || lowest <= 0 {
              oldestRanked = lowest
            }
          }
        }
        if oldestRanked == nil {
          oldestRanked =
            try Int64.fetchOne(
              db.cachedStatement(
                sql: "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?"),
              arguments: [match, window - 1]) ?? Int64.min
        }
        let rank = Self.rankFunction(counts: counts)
        rows = try Row.fetchAll(
          db.cachedStatement(sql: sql), arguments: [match, rank, oldestRanked ?? Int64.min] + filters + [limit])
      } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
        throw LedgerError.invalid("query", "cannot be searched: \(error.message ?? "syntax error")")
      }
      return try rows.map { row in
        var hit = SearchHit()
        hit.resourceType = ResourceType(rawValue: Int32(row[0] as Int64))
        hit.resourceID = row[1]
        hit.score = -((row[2] as Double?) ?? 0)
        let titleSnippet: String = row[3]
        let bodySnippet: String = row[4]
        let marked = titleSnippet.contains("\u{2}") || bodySnippet.isEmpty ? titleSnippet : bodySnippet
        (hit.snippet, hit.highlights) = SearchQuery.highlights(in: marked)
        if var resource = try Self.fetch(db, hit.resourceType, id: hit.resourceID) {
          if case .source(var source) = resource.kind {
            source.archivedText = ""
            resource.kind = .source(source)
          }
          hit.resource = resource
        }
        return hit
      }
    }
  }
}
