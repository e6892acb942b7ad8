import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Sources: their rows (the archived text in a column of its own), search entries and lists.
extension SQLiteLedgerStore {
  static func fetchSource(_ db: Database, id: String) throws -> Source? {
    try Row.fetchOne(
      db.cachedStatement(sql: "SELECT record, archived_text FROM source WHERE id = ?"), arguments: [id]
    ).map { row in
      var source = try Source(serializedBytes: row[0] as Data)
      source.archivedText = row[1]
      return source
    }
  }

  /// Writes a source's row and its search entry: title, outlet, authors and archived text.
  static func storeSource(_ db: Database, _ source: Source, fresh: Bool) throws {
    var record = source
    record.archivedText = ""
    try db.cachedStatement(
      sql: """
        INSERT INTO source(id, outlet, kind, record, archived_text) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET outlet = excluded.outlet, kind = excluded.kind, record = excluded.record,
          archived_text = excluded.archived_text
        """
    ).execute(
      arguments: [source.id, source.outlet, source.kind.rawValue, Data(record.serializedBytes()), source.archivedText])
    try index(
      db, .source, source.id, title: source.title,
      body: ([source.outlet] + source.authors + [source.archivedText]).joined(separator: "\n"), fresh: fresh)
  }

  public func listSources(
    outlet: String, kind: SourceKind, pageSize: Int, pageToken: String
  ) async throws -> Page<Source> {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    if !outlet.isEmpty {
      conditions.append("outlet = ? COLLATE NOCASE")
      arguments += [outlet]
    }
    if kind != .unspecified {
      conditions.append("kind = ?")
      arguments += [kind.rawValue]
    }
    let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    return try await page(
      sql: "SELECT record FROM source" + whereClause + " ORDER BY rowid", arguments: arguments, pageSize: pageSize,
      pageToken: pageToken
    ) { try Source(serializedBytes: $0[0] as Data) }
  }
}
