import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Reads: a resource by id (each resource's own file knows its row), and pages of lists.
extension SQLiteLedgerStore {
  public func get<R: StoredRecord>(_ type: R.Type, id: String) async throws -> R? {
    try await read { db in try Self.fetch(db, R.resourceType, id: id).map(R.unwrapped) }
  }

  static func fetch(_ db: Database, _ type: ResourceType, id: String) throws -> Resource? {
    switch type {
    case .speaker: return try fetchSpeaker(db, id: id).map(Resource.init)
    case .claim: return try fetchClaim(db, id: id).map(Resource.init)
    case .source: return try fetchSource(db, id: id).map(Resource.init)
    case .link: return try fetchLink(db, id: id).map(Resource.init)
    case .verdict: return try fetchVerdict(db, id: id).map(Resource.init)
    default: return nil
    }
  }

  /// Runs a paged query: `sql` must end before ORDER BY/LIMIT; the page token is an offset.
  ///
  /// A page holds up to `pageSize` items, fewer when their encoding would pass ``PageBudget/bytes``
  /// (always at least one); rows are read one at a time and no further than needed.
  func page<Element: ProtoMessage>(
    sql: String,
    arguments: StatementArguments,
    pageSize: Int,
    pageToken: String,
    decode: @escaping @Sendable (Row) throws -> Element
  ) async throws -> Page<Element> {
    let offset = try PageToken.offset(pageToken)
    return try await read { db in
      let rows = try Row.fetchCursor(db, sql: sql + " LIMIT ? OFFSET ?", arguments: arguments + [pageSize + 1, offset])
      var items: [Element] = []
      var bytes = 0
      while let row = try rows.next() {
        guard items.count < pageSize else {
          return Page(items: items, nextPageToken: PageToken.make(offset: offset + items.count))
        }
        // The stored record's bytes (what the item encodes to, but for what a claim gains when read);
        // nothing encoded twice.
        let size = PageBudget.itemSize(recordBytes: (row[0] as Data?)?.count ?? 0)
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
