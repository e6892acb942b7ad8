import Foundation
public import GainsayCore
public import GainsayProto
import GainsayStore
import PostgresNIO
import Synchronization

/// Ranked search over the search entries' lexemes (GIN), planned as the SQLite store plans it.
///
/// Ranking: among the most recent ``rankedMatchLimit`` matches (as in the SQLite store), by
/// `ts_rank_cd` with titles weighted 10 to 1 over bodies (weights A = 1.0, D = 0.1) and the document's
/// length normalisation 1 (rank / (1 + log(length))), ties most recent first; then the SQLite store's
/// order: the speakers the query names and their claims first, then hits agreeing with the query's
/// negations.
extension PostgresLedgerStore {
  /// Hits read beyond the limit, at most, for reranking by negation.
  static let rerankedExtra = 20
  static let rankExpression = "ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', e.lexemes, q.q, 1)"

  public func search(_ request: LedgerSearch) async throws -> [SearchHit] {
    let types = request.resourceTypes
    let limit = request.limit
    let polarity = SearchPolarity(query: request.query)
    let fetched = polarity.negates && !polarity.stems.isEmpty ? limit + min(limit, Self.rerankedExtra) : limit
    let boostSpeakers = request.speakerID.isEmpty && types.contains(.claim)
    let window = rankedMatchLimit
    return try await snapshot { db in
      let names = try await self.currentSpeakerNames(db)
      let named = PostgresSearchPlan.namedSpeakers(request.query, names: names)
      guard
        let plan = PostgresSearchPlan(
          query: request.query, names: { named.words[$0] ?? PostgresSearchPlan.NameMatch() })
      else {
        throw LedgerError.invalid("query", "has no words to search for")
      }
      let snippets = SearchSnippet(query: plan.snippetQuery)
      var filters = SQL()
      filters.add(" AND e.resource_type = ANY(?)", Set(types).map { Int64($0.rawValue) }.sorted())
      if !request.speakerID.isEmpty {
        filters.add(
          " AND (e.resource_type <> 2 OR EXISTS (SELECT 1 FROM claim c WHERE c.id = e.resource_id AND c.speaker_id = ?))",
          request.speakerID)
      }
      if !request.includeRetracted {
        filters +=
          " AND (e.resource_type <> 2 OR NOT EXISTS (SELECT 1 FROM claim c WHERE c.id = e.resource_id AND c.state = 2))"
      }
      let ranked = { (extra: SQL, limit: Int) async throws -> [SearchHit] in
        try await Self.rankedHits(
          db, plan, window: window, filters: filters, extra: extra, limit: limit, snippets: snippets,
          polarity: polarity)
      }
      var hits =
        types.contains(.speaker) ? try await Self.speakerHits(db, named.speakers.sorted(), plan, snippets) : []
      if boostSpeakers && !named.speakers.isEmpty {
        let found = Set(hits.map(\.resourceID))
        var extra = SQL()
        extra.add(
          " AND e.resource_type = 2 AND EXISTS (SELECT 1 FROM claim c WHERE c.id = e.resource_id AND c.speaker_id = ANY(?))",
          named.speakers.sorted())
        var claims = try await ranked(extra, fetched).filter { !found.contains($0.resourceID) }
        for index in claims.indices { claims[index].speakerNamed = true }
        hits += claims
      }
      if hits.count < fetched + named.speakers.count {
        let found = Set(hits.map(\.resourceID))
        hits += try await ranked(SQL(), fetched + hits.count).filter { !found.contains($0.resourceID) }
      }
      let best = hits.map(\.score).max() ?? 0
      for index in hits.indices where hits[index].resourceType == .speaker && hits[index].score == 0 {
        hits[index].score = best
      }
      func place(_ hit: SearchHit) -> Int { (hit.speakerNamed ? 0 : 2) + (hit.negationMismatch == .none ? 0 : 1) }
      let ordered = hits.indices.sorted { a, b in
        place(hits[a]) != place(hits[b]) ? place(hits[a]) < place(hits[b]) : a < b
      }
      var result = ordered.prefix(limit).map { hits[$0] }
      for index in result.indices {
        result[index].resource = try await Self.fetchListed(
          db, result[index].resourceType, id: result[index].resourceID)
      }
      return result
    }
  }

  /// The entries of `speakers` that match `plan`, as hits the query names, with a snippet of their names.
  static func speakerHits(
    _ db: PGConnection, _ speakers: [String], _ plan: PostgresSearchPlan, _ snippets: SearchSnippet
  ) async throws -> [SearchHit] {
    var hits: [SearchHit] = []
    for id in speakers {
      guard
        let title = try await db.one(
          """
          SELECT title FROM search_entry
          WHERE resource_type = 1 AND resource_id = \(id) AND lexemes @@ \(plan.tsquery)::tsquery
          """)?.decode(String.self)
      else { continue }
      var hit = SearchHit()
      hit.resourceType = .speaker
      hit.resourceID = id
      hit.speakerNamed = true
      let snippet = snippets.snippet(of: title)
      (hit.snippet, hit.highlights) = (snippet.text, snippet.highlights)
      hits.append(hit)
    }
    return hits
  }

  /// The best `limit` matches of `plan` among its most recent `window` matches, meeting the filters.
  static func rankedHits(
    _ db: PGConnection, _ plan: PostgresSearchPlan, window: Int, filters: SQL, extra: SQL, limit: Int,
    snippets: SearchSnippet, polarity: SearchPolarity
  ) async throws -> [SearchHit] {
    var sql = SQL()
    sql.add(
      """
      WITH q AS (SELECT ?::tsquery AS q),
      recent AS (SELECT e.* FROM search_entry e, q WHERE e.lexemes @@ q.q ORDER BY e.seq DESC LIMIT ?)
      SELECT e.resource_type, e.resource_id, \(rankExpression)::float8 AS score, e.title, e.body
      FROM recent e, q WHERE true
      """, plan.tsquery, Int64(window))
    sql.append(filters)
    sql.append(extra)
    sql.add(" ORDER BY score DESC, e.seq LIMIT ?", Int64(limit))
    var hits: [SearchHit] = []
    for row in try await db.rows(sql) {
      let (type, id, score, title, body) = try row.decode((Int64, String, Double, String, String).self)
      var hit = SearchHit()
      hit.resourceType = ResourceType(rawValue: Int32(type))
      hit.resourceID = id
      hit.score = score
      let titleSnippet = snippets.snippet(of: title)
      let shown = titleSnippet.matched || body.isEmpty ? titleSnippet : snippets.snippet(of: body)
      (hit.snippet, hit.highlights) = (shown.text, shown.highlights)
      if hit.resourceType == .claim {
        hit.negationMismatch = polarity.mismatch(in: title)
      } else if hit.resourceType == .source {
        hit.negationMismatch = polarity.mismatch(in: shown.text)
      }
      hits.append(hit)
    }
    return hits
  }

  /// A resource as a search hit shows it: sources without their archived text.
  static func fetchListed(_ db: PGConnection, _ type: ResourceType, id: String) async throws -> Resource? {
    guard type == .source else { return try await fetch(db, type, id: id) }
    return try await db.one("SELECT record FROM source WHERE id = \(id)").map {
      Resource(try Source(serializedBytes: try $0.decode(Data.self)))
    }
  }

  /// The speakers' names by name key, loaded again when `speaker_names_version` has moved.
  func currentSpeakerNames(_ db: PGConnection) async throws -> SpeakerNameKeys {
    let version = try await db.one("SELECT version FROM speaker_names_version")?.decode(Int64.self) ?? 0
    if let names = speakerNames.withLock({ $0 }), names.version == version { return names }
    var names: [(speakerID: String, name: String)] = []
    for try await row in try await db.stream("SELECT speaker_id, name FROM speaker_name") {
      let (id, name) = try row.decode((String, String).self)
      names.append((id, name))
    }
    let loaded = SpeakerNameKeys(version: version, names: names)
    speakerNames.withLock { $0 = loaded }
    return loaded
  }
}
