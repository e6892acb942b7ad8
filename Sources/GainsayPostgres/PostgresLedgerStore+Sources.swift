import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Sources: their rows (the archived text in a column of its own), search entries and lists.
extension PostgresLedgerStore {
  /// A source with its archived text; `lock` is empty or " FOR UPDATE".
  static func fetchSource(_ db: PGConnection, id: String, lock: String = "") async throws -> Source? {
    var sql = SQL()
    sql.add("SELECT record, archived_text FROM source WHERE id = ?" + lock, id)
    return try await db.one(sql.query).map { row in
      let (record, text) = try row.decode((Data, String).self)
      var source = try Source(serializedBytes: record)
      source.archivedText = text
      return source
    }
  }

  /// Writes a source's row and its search entry: title, outlet, authors and archived text.
  static func storeSource(_ db: PGConnection, _ source: Source) async throws {
    var record = source
    record.archivedText = ""
    try await db.run(
      """
      INSERT INTO source(id, outlet, kind, record, archived_text)
      VALUES (\(source.id), \(source.outlet), \(Int(source.kind.rawValue)), \(Data(record.serializedBytes())),
        \(source.archivedText))
      ON CONFLICT (id) DO UPDATE SET outlet = excluded.outlet, kind = excluded.kind, record = excluded.record,
        archived_text = excluded.archived_text
      """)
    try await index(
      db, .source, source.id, title: source.title,
      body: ([source.outlet] + source.authors + [source.archivedText]).joined(separator: "\n"))
  }

  public func listSources(
    outlet: String, kind: SourceKind, pageSize: Int, pageToken: String
  ) async throws -> Page<Source> {
    var sql = SQL("SELECT record FROM source WHERE true")
    if !outlet.isEmpty { sql.add(" AND lower(outlet) = lower(?)", outlet) }
    if kind != .unspecified { sql.add(" AND kind = ?", Int(kind.rawValue)) }
    sql += " ORDER BY seq"
    return try await page(sql, pageSize: pageSize, pageToken: pageToken) {
      try Source(serializedBytes: try $0.decode(Data.self))
    }
  }
}
