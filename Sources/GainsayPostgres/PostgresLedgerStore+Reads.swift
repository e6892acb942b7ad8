import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Reads: a resource by id (each resource's own file knows its row), and pages of lists with the SQLite
/// store's orders, byte budget and page tokens.
extension PostgresLedgerStore {
  public func get<R: StoredRecord>(_ type: R.Type, id: String) async throws -> R? {
    try await read { db in try await Self.fetch(db, R.resourceType, id: id).map(R.unwrapped) }
  }

  /// A resource by id, sources with their archived text; `forUpdate` locks its row to the transaction's end.
  static func fetch(
    _ db: PGConnection, _ type: ResourceType, id: String, forUpdate: Bool = false
  ) async throws -> Resource? {
    let lock = forUpdate ? " FOR UPDATE" : ""
    switch type {
    case .speaker: return try await fetchSpeaker(db, id: id, lock: lock).map(Resource.init)
    case .claim: return try await fetchClaim(db, id: id, forUpdate: forUpdate).map(Resource.init)
    case .source: return try await fetchSource(db, id: id, lock: lock).map(Resource.init)
    case .link: return try await fetchLink(db, id: id, lock: lock).map(Resource.init)
    case .verdict: return try await fetchVerdict(db, id: id, lock: lock).map(Resource.init)
    default: return nil
    }
  }

  /// Runs a paged query (`sql` must end before LIMIT); the page token is an offset (``PageToken``), and a
  /// page stops short of ``PageBudget/bytes``.
  func page<Element: Sendable>(
    _ sql: SQL, pageSize: Int, pageToken: String, decode: @escaping @Sendable (PostgresRow) throws -> Element
  ) async throws -> Page<Element> {
    let offset = try PageToken.offset(pageToken)
    var sql = sql
    sql.add(" LIMIT ? OFFSET ?", Int64(pageSize + 1), Int64(offset))
    let query = try sql.query
    return try await read { db in
      var items: [Element] = []
      var bytes = 0
      for try await row in try await db.stream(query) {
        guard items.count < pageSize else {
          return Page(items: items, nextPageToken: PageToken.make(offset: offset + items.count))
        }
        let size = PageBudget.itemSize(recordBytes: try row.decode(Data.self).count)
        let item = try decode(row)
        guard items.isEmpty || bytes + size <= PageBudget.bytes else {
          return Page(items: items, nextPageToken: PageToken.make(offset: offset + items.count))
        }
        bytes += size
        items.append(item)
      }
      return Page(items: items, nextPageToken: "")
    }
  }
}
