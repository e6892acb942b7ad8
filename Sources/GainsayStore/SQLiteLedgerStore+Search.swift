import Foundation
import GRDB
import GainsayCore
public import GainsayProto
import GainsayRanking

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
    "gainsay_rank("
      + (["0.0", "0.0", "10.0", "1.0"] + counts.map { String(format: "%.1f", $0) })
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
    // the rows it hands out in that order, until the limit is reached. Snippets are made in Swift over
    // a bounded prefix of each column (``SearchSnippet``): FTS5's snippet() is quadratic in how often a
    // word repeats and cannot be interrupted. One character more than the prefix is read, to tell
    // whether the text goes on.
    let sql = """
      SELECT resource_type, resource_id, rank,
        substr(title, 1, \(SearchSnippet.maximumBytes + 1)), substr(body, 1, \(SearchSnippet.maximumBytes + 1))
      FROM search_index
      WHERE search_index MATCH ? AND rank MATCH ? AND rowid >= ?
        AND \(conditions.joined(separator: " AND "))
      ORDER BY rank LIMIT ?
      """
    let filters = filterArguments
    let snippets = SearchSnippet(query: request.query)
    return try await read { [rankedMatchLimit, commonRankedMatchLimit, commonPhraseShare] db in
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
        // A row at a time: each holds up to a snippet's prefix of its title and body.
        let rows = try Row.fetchCursor(
          db.cachedStatement(sql: sql), arguments: [match, rank, oldestRanked ?? Int64.min] + filters + [limit])
        var hits: [SearchHit] = []
        while let row = try rows.next() {
          var hit = SearchHit()
          hit.resourceType = ResourceType(rawValue: Int32(row[0] as Int64))
          hit.resourceID = row[1]
          hit.score = -((row[2] as Double?) ?? 0)
          let title = snippets.snippet(of: row[3] as String)
          let body: String = row[4]
          let shown = title.matched || body.isEmpty ? title : snippets.snippet(of: body)
          (hit.snippet, hit.highlights) = (shown.text, shown.highlights)
          hits.append(hit)
        }
        // The resources, once the search's statement is done. (A cancelled search stops at the next
        // statement: GRDB refuses it.)
        for index in hits.indices {
          hits[index].resource = try Self.fetchListed(db, hits[index].resourceType, id: hits[index].resourceID)
        }
        return hits
      } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
        throw LedgerError.invalid("query", "cannot be searched: \(error.message ?? "syntax error")")
      }
    }
  }

  /// A resource as a search hit shows it: sources without their archived text, which is not read.
  static func fetchListed(_ db: Database, _ type: ResourceType, id: String) throws -> Resource? {
    guard type == .source else { return try fetch(db, type, id: id) }
    // `record` is stored without the archived text.
    return try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM source WHERE id = ?"), arguments: [id])
      .map { Resource(try Source(serializedBytes: $0)) }
  }
}
