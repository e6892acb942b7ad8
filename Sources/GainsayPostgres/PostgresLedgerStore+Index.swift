import Foundation
import GainsayCore
import GainsayProto
import PostgresNIO

/// The search entries: each resource's lexemes (``SearchLexemes``), and the start of its title and body.
extension PostgresLedgerStore {
  /// How much of a title or body is kept for snippets and negation checks (the SQLite store reads as
  /// much of its columns for them).
  static let snippetCharacters = 256 * 1024 + 1

  /// Writes (or rewrites) the search entry of a resource; a rewrite makes it the most recent.
  static func index(_ db: PGConnection, _ type: ResourceType, _ id: String, title: String, body: String) async throws {
    let (vector, written) = SearchLexemes.vector(title: title, body: body)
    // The words as written, for "did you mean" (SQLite reads them from its FTS5 vocabulary): the first
    // thousand go in the same statement as the entry, one round trip for most writes.
    let words = written.filter { $0.utf8.count <= 200 }.sorted()
    var batches = words.batches(of: 1_000).map { Array($0) }[...]
    let first = batches.popFirst() ?? []
    try await db.run(
      """
      WITH entry AS (
        INSERT INTO search_entry(resource_type, resource_id, title, body, lexemes)
        VALUES (\(Int(type.rawValue)), \(id), \(String(title.prefix(snippetCharacters))),
          \(String(body.prefix(snippetCharacters))), \(vector)::tsvector)
        ON CONFLICT (resource_type, resource_id) DO UPDATE SET title = excluded.title, body = excluded.body,
          lexemes = excluded.lexemes, seq = nextval('search_entry_seq'))
      INSERT INTO search_word(word) SELECT unnest(\(first)::text[]) ON CONFLICT DO NOTHING
      """)
    for batch in batches {
      try await db.run("INSERT INTO search_word(word) SELECT unnest(\(batch)::text[]) ON CONFLICT DO NOTHING")
    }
  }

  /// Removes the search entry of a resource, if it has one.
  static func unindex(_ db: PGConnection, _ type: ResourceType, _ id: String) async throws {
    try await db.run("DELETE FROM search_entry WHERE resource_type = \(Int(type.rawValue)) AND resource_id = \(id)")
  }
}
