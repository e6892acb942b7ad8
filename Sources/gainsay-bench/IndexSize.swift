import CSQLite
import Foundation

/// The size of a ledger's full-text index and of its database, read from a read-only connection beside
/// the running daemon: the bytes of each `search_index` shadow table from SQLite's `dbstat` (the pages
/// each b-tree holds, whatever their fill), the logical database (page count × page size, the WAL
/// included) and the files on disk.
struct IndexSize {
  /// The `search_index_*` tables and their bytes: `_data` and `_idx` are the inverted index, `_content`
  /// the stored text, `_docsize` the token counts, `_config` settings.
  let tables: [(name: String, bytes: Int64)]
  let databaseBytes: Int64
  let fileBytes: Int64
  /// The claims in the ledger and the rows of the search index (claims, speakers and sources).
  let claims: Int64
  let entries: Int64

  var searchIndexBytes: Int64 { tables.reduce(0) { $0 + $1.bytes } }
  var invertedIndexBytes: Int64 {
    tables.filter { $0.name == "search_index_data" || $0.name == "search_index_idx" }.reduce(0) { $0 + $1.bytes }
  }

  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  static func measure(databasePath: String) throws -> IndexSize {
    var opened: OpaquePointer?
    let status = sqlite3_open_v2(databasePath, &opened, SQLITE_OPEN_READONLY, nil)
    defer { sqlite3_close(opened) }
    guard status == SQLITE_OK, let connection = opened else {
      throw Failure(description: "cannot open \(databasePath): \(String(cString: sqlite3_errstr(status)))")
    }
    func rows(_ sql: String, _ argument: String? = nil) throws -> [(String, Int64)] {
      var statement: OpaquePointer?
      guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else {
        throw Failure(description: "index size: \(String(cString: sqlite3_errmsg(connection))) in \(sql)")
      }
      defer { sqlite3_finalize(statement) }
      if let argument {
        sqlite3_bind_text(statement, 1, argument, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
      }
      var result: [(String, Int64)] = []
      while true {
        let step = sqlite3_step(statement)
        if step == SQLITE_DONE { return result }
        guard step == SQLITE_ROW else {
          throw Failure(description: "index size: \(String(cString: sqlite3_errmsg(connection))) in \(sql)")
        }
        let text = sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? ""
        result.append((text, sqlite3_column_int64(statement, 1)))
      }
    }
    let names = try rows(
      "SELECT name, 0 FROM sqlite_schema WHERE substr(name, 1, 13) = 'search_index_' AND rootpage > 0 ORDER BY name")
    var tables: [(name: String, bytes: Int64)] = []
    for (name, _) in names {
      // With aggregate = 1 dbstat walks only the named b-tree; `pageno` is then its number of pages. (Its
      // `pgsize` sum overflows 32 bits in SQLite 3.40 past 2 GiB: it read -1,968 MiB at 10,000,000 claims.)
      let bytes =
        try rows(
          "SELECT name, pageno * (SELECT page_size FROM pragma_page_size) FROM dbstat WHERE name = ?1 AND aggregate = 1",
          name
        ).first?.1 ?? 0
      tables.append((name, bytes))
    }
    let pages = try rows("SELECT 'pages', page_count FROM pragma_page_count").first?.1 ?? 0
    let pageSize = try rows("SELECT 'size', page_size FROM pragma_page_size").first?.1 ?? 0
    let fileBytes = [databasePath, databasePath + "-wal"].reduce(Int64(0)) { total, path in
      let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
      return total + (size ?? 0)
    }
    let claims = try rows("SELECT 'claims', count(*) FROM claim").first?.1 ?? 0
    let entries = try rows("SELECT 'entries', count(*) FROM search_index_docsize").first?.1 ?? 0
    return IndexSize(
      tables: tables, databaseBytes: pages * pageSize, fileBytes: fileBytes, claims: claims, entries: entries)
  }

  /// The figures, in MiB.
  var figures: [Figure] {
    func mebibytes(_ bytes: Int64) -> Double { Double(bytes) / 1_048_576 }
    return [
      Figure(
        name: "search index (all search_index tables): \(claims) claims, \(entries) entries",
        value: mebibytes(searchIndexBytes),
        unit: "MiB", target: "—", met: true),
      Figure(
        name: "of it the inverted index (search_index_data and _idx)", value: mebibytes(invertedIndexBytes),
        unit: "MiB", target: "—", met: true),
      Figure(
        name: "database (page count × page size)", value: mebibytes(databaseBytes), unit: "MiB", target: "—",
        met: true),
      Figure(
        name: "database file and WAL on disk", value: mebibytes(fileBytes), unit: "MiB", target: "—", met: true),
    ]
  }

  /// One line per table in bytes, for standard error.
  var detail: String {
    tables.map { "\($0.name) \($0.bytes) bytes" }.joined(separator: ", ")
      + "; \(claims) claims, \(entries) entries; search_index total \(searchIndexBytes) bytes; database \(databaseBytes) bytes; files \(fileBytes) bytes"
  }
}
