import Foundation
import GRDB
public import GainsayCore
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

  /// Ranked search with the analysis of ``SearchPlan``: claims of the speakers the query names come
  /// first (``SpeakerNameKeys``), then hits in rank order, those whose negations disagree with the
  /// query's (``SearchPolarity``) after those that agree.
  public func search(_ request: LedgerSearch) async throws -> [SearchHit] {
    let types = request.resourceTypes
    let limit = request.limit
    var conditions = [
      "resource_type IN (\(Set(types).map { String($0.rawValue) }.sorted().joined(separator: ",")))"
    ]
    var filterArguments: StatementArguments = []
    if !request.speakerID.isEmpty {
      // Looked up claim by claim, for the rows FTS5 hands out: `resource_id IN (SELECT id …)` would first
      // collect every claim of the speaker (tens of thousands for a prolific one).
      conditions.append(
        "(resource_type <> 2 OR (SELECT speaker_id FROM claim WHERE claim.id = search_index.resource_id) = ?)")
      filterArguments += [request.speakerID]
    }
    if !request.includeRetracted {
      conditions.append("(resource_type <> 2 OR resource_id NOT IN (SELECT id FROM claim WHERE state = 2))")
    }
    let filters = (conditions: conditions, arguments: filterArguments)
    let polarity = SearchPolarity(query: request.query)
    // Hits that say the opposite of the query rank below the others: a few more are read than asked
    // for, so that reranking has something to bring up.
    // (Only for a query with a negation: one without reranks the hits that negate it among those asked for.)
    let fetched = polarity.negates && !polarity.stems.isEmpty ? limit + min(limit, Self.rerankedExtra) : limit
    let boostSpeakers = request.speakerID.isEmpty && types.contains(.claim)
    return try await read { [speakerNames] db in
      do {
        let names = try speakerNames.current(db)
        let named = Self.namedSpeakers(request.query, names: names)
        guard let plan = SearchPlan(query: request.query, names: { named.words[$0] ?? SearchPlan.NameMatch() }) else {
          throw LedgerError.invalid("query", "has no words to search for")
        }
        let window = try self.rankedWindow(db, plan, limit: fetched)
        // Snippets highlight what the plan matches: word forms, exact phrases, prefixes and names.
        let analysis = (snippets: SearchSnippet(fts5Phrases: plan.phrases), polarity: polarity)
        // The speakers the query names, first of all: their entries are among the oldest, which the
        // ranked window of a name held by thousands of claims would leave out.
        var hits =
          types.contains(.speaker)
          ? try Self.speakerHits(db, named.speakers.sorted(), matching: plan, analysis.snippets) : []
        // Then the claims of the speakers the query names.
        if boostSpeakers && !named.speakers.isEmpty {
          let found = Set(hits.map(\.resourceID))
          var claims = try Self.rankedHits(
            db, plan, window: window, analysis: analysis,
            conditions: filters.conditions + [
              "resource_type = 2 AND (SELECT speaker_id FROM claim WHERE claim.id = search_index.resource_id) IN "
                + "(\(Self.placeholders(named.speakers.count)))"
            ],
            arguments: filters.arguments + StatementArguments(named.speakers.sorted()), limit: fetched
          ).filter { !found.contains($0.resourceID) }
          for index in claims.indices { claims[index].speakerNamed = true }
          hits += claims
        }
        if hits.count < fetched + named.speakers.count {
          let found = Set(hits.map(\.resourceID))
          hits += try Self.rankedHits(
            db, plan, window: window, analysis: analysis, conditions: filters.conditions,
            arguments: filters.arguments, limit: fetched + hits.count
          ).filter { !found.contains($0.resourceID) }
        }
        // A named speaker's entry is not ranked: it scores as the best hit does.
        let best = hits.map(\.score).max() ?? 0
        for index in hits.indices where hits[index].resourceType == .speaker && hits[index].score == 0 {
          hits[index].score = best
        }
        // Named speakers and their claims first, then hits that agree with the query's negations; each in
        // rank order.
        func place(_ hit: SearchHit) -> Int { (hit.speakerNamed ? 0 : 2) + (hit.negationMismatch == .none ? 0 : 1) }
        let ordered = hits.indices.sorted { a, b in
          place(hits[a]) != place(hits[b]) ? place(hits[a]) < place(hits[b]) : a < b
        }
        var result = ordered.prefix(limit).map { hits[$0] }
        // The resources, once the search's statements are done. (A cancelled search stops at the next
        // statement: GRDB refuses it.)
        for index in result.indices {
          result[index].resource = try Self.fetchListed(db, result[index].resourceType, id: result[index].resourceID)
        }
        return result
      } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
        throw LedgerError.invalid("query", "cannot be searched: \(error.message ?? "syntax error")")
      }
    }
  }

  /// The search entries of `speakers` that match `plan` (so "Peskov budget" does not list Peskov), as hits
  /// marked as named by the query, with a snippet of their names.
  static func speakerHits(
    _ db: Database, _ speakers: [String], matching plan: SearchPlan, _ snippets: SearchSnippet
  ) throws -> [SearchHit] {
    try speakers.compactMap { id in
      guard
        let title = try String.fetchOne(
          db.cachedStatement(
            sql: """
              SELECT title FROM search_index WHERE search_index MATCH ? AND rowid =
                (SELECT entry FROM search_entry WHERE resource_type = 1 AND resource_id = ?)
              """), arguments: [plan.expression, id])
      else { return nil }
      var hit = SearchHit()
      hit.resourceType = .speaker
      hit.resourceID = id
      hit.speakerNamed = true
      let snippet = snippets.snippet(of: title)
      (hit.snippet, hit.highlights) = (snippet.text, snippet.highlights)
      return hit
    }
  }

  /// Hits read beyond the limit, at most, for reranking by negation.
  static let rerankedExtra = 20

  /// The speakers a query names, by any spelling of a name word: those named by the most words of the
  /// query (so "Dmitry Peskov" names Peskov, not every Dmitry), and each word's matched name keys.
  static func namedSpeakers(
    _ query: String, names: SpeakerNameKeys
  ) -> (speakers: Set<String>, words: [String: SearchPlan.NameMatch]) {
    var matched: [String: SearchPlan.NameMatch] = [:]
    var counts: [String: Int] = [:]
    for term in SearchQuery.terms(query) {
      guard case .word(let word) = term, !SearchPlan.isNegation(word), matched[word] == nil else { continue }
      let matches = names.matches(word)
      matched[word] = SearchPlan.NameMatch(
        keys: Array(Set(matches.map(\.key))).sorted(), isName: matches.contains { $0.distance == 0 })
      for speaker in Set(matches.map(\.speakerID)) { counts[speaker, default: 0] += 1 }
    }
    let most = counts.values.max() ?? 0
    return (Set(counts.filter { $0.value == most }.keys), matched)
  }

  /// The oldest entry a search ranks: past `rankedMatchLimit` matches, only the most recent are ranked
  /// (fewer when every phrase is common: a ranking of such words says little).
  func rankedWindow(_ db: Database, _ plan: SearchPlan, limit: Int) throws -> (oldest: Int64, rank: String) {
    let match = plan.expression
    // Only the phrases that stand for themselves are counted; every alternative takes its word's count.
    let counted = plan.phrases.indices.filter { plan.countedAs[$0] == $0 }
    var (counts, entries) = try Self.phraseCounts(db, phrases: counted.map { plan.phrases[$0] })
    let position = Dictionary(uniqueKeysWithValues: counted.enumerated().map { ($1, $0) })
    counts = plan.countedAs.map { counts[position[$0] ?? 0] }
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
    return (oldestRanked ?? Int64.min, Self.rankFunction(counts: counts))
  }

  /// The best `limit` matches of `plan` within `window`, meeting `conditions`, as hits with their snippets
  /// and how their negations compare with the query's (without their resources).
  ///
  /// FTS5 sorts the matches by `rank` itself and the rest of the query (filters) runs only on the rows it
  /// hands out in that order, until the limit is reached. Snippets are made in Swift over a bounded
  /// prefix of each column (``SearchSnippet``): FTS5's snippet() is quadratic in how often a word
  /// repeats and cannot be interrupted. One character more than the prefix is read, to tell whether
  /// the text goes on.
  static func rankedHits(
    _ db: Database, _ plan: SearchPlan, window: (oldest: Int64, rank: String),
    analysis: (snippets: SearchSnippet, polarity: SearchPolarity), conditions: [String],
    arguments: StatementArguments, limit: Int
  ) throws -> [SearchHit] {
    let sql = """
      SELECT resource_type, resource_id, rank,
        substr(title, 1, \(SearchSnippet.maximumBytes + 1)), substr(body, 1, \(SearchSnippet.maximumBytes + 1))
      FROM search_index
      WHERE search_index MATCH ? AND rank MATCH ? AND rowid >= ?
        AND \(conditions.joined(separator: " AND "))
      ORDER BY rank LIMIT ?
      """
    // A row at a time: each holds up to a snippet's prefix of its title and body.
    let rows = try Row.fetchCursor(
      db.cachedStatement(sql: sql), arguments: [plan.expression, window.rank, window.oldest] + arguments + [limit])
    var hits: [SearchHit] = []
    while let row = try rows.next() {
      var hit = SearchHit()
      hit.resourceType = ResourceType(rawValue: Int32(row[0] as Int64))
      hit.resourceID = row[1]
      hit.score = -((row[2] as Double?) ?? 0)
      let title: String = row[3]
      let body: String = row[4]
      let titleSnippet = analysis.snippets.snippet(of: title)
      let shown = titleSnippet.matched || body.isEmpty ? titleSnippet : analysis.snippets.snippet(of: body)
      (hit.snippet, hit.highlights) = (shown.text, shown.highlights)
      // A claim says what its text says; a source, what the passage shown says.
      if hit.resourceType == .claim {
        hit.negationMismatch = analysis.polarity.mismatch(in: title)
      } else if hit.resourceType == .source {
        hit.negationMismatch = analysis.polarity.mismatch(in: shown.text)
      }
      hits.append(hit)
    }
    return hits
  }

  /// A resource as a search hit shows it: sources without their archived text, which is not read.
  static func fetchListed(_ db: Database, _ type: ResourceType, id: String) throws -> Resource? {
    guard type == .source else { return try fetch(db, type, id: id) }
    // `record` is stored without the archived text.
    return try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM source WHERE id = ?"), arguments: [id])
      .map { Resource(try Source(serializedBytes: $0)) }
  }
}
