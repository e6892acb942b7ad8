import Foundation
import GainsayCore
import Logging
import PostgresNIO
import Synchronization

/// SQL built piece by piece with numbered parameters: values are always bound, never written into the text.
struct SQL: @unchecked Sendable {
  // @unchecked: the values are the plain values bound (strings, integers, arrays, bytes).
  var text: String
  private var values: [any PostgresThrowingDynamicTypeEncodable] = []

  init(_ text: String = "") { self.text = text }

  static func += (sql: inout SQL, text: String) { sql.text += text }

  /// Appends `fragment`, each `?` in it a placeholder for the next of `values`, bound in order.
  mutating func add(_ fragment: String, _ values: any PostgresThrowingDynamicTypeEncodable...) {
    var remaining = values[...]
    for (index, piece) in fragment.split(separator: "?", omittingEmptySubsequences: false).enumerated() {
      if index > 0 {
        guard let value = remaining.popFirst() else { preconditionFailure("more ? than values in \(fragment)") }
        self.values.append(value)
        text += "$\(self.values.count)"
      }
      text += piece
    }
    precondition(remaining.isEmpty, "more values than ? in \(fragment)")
  }

  /// Appends a comma-separated list of placeholders for `values`.
  mutating func addList(_ values: [any PostgresThrowingDynamicTypeEncodable]) {
    for (index, value) in values.enumerated() {
      self.values.append(value)
      text += (index == 0 ? "" : ", ") + "$\(self.values.count)"
    }
  }

  /// Appends another piece of SQL, renumbering its placeholders after this one's.
  mutating func append(_ other: SQL) {
    var pieces = other.text.components(separatedBy: "$")
    var result = pieces.removeFirst()
    for piece in pieces {
      let digits = piece.prefix { $0.isNumber }
      guard let number = Int(digits) else {
        result += "$" + piece
        continue
      }
      result += "$\(number + values.count)" + piece.dropFirst(digits.count)
    }
    values += other.values
    text += result
  }

  var query: PostgresQuery {
    get throws {
      var binds = PostgresBindings(capacity: values.count)
      for value in values { try binds.append(value) }
      return PostgresQuery(unsafeSQL: text, binds: binds)
    }
  }
}

/// A connection leased for one call (and, in a transaction, for the whole transaction).
struct PGConnection: Sendable {
  let connection: PostgresConnection
  let logger: Logger
  /// Set when the lease closed the connection because its call was cancelled.
  let closing = ConnectionClosing()

  /// Every row of `query`: queries whose size is not bounded by their own LIMIT must not come here.
  func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
    var rows: [PostgresRow] = []
    for try await row in try await send(query) { rows.append(row) }
    return rows
  }

  /// Sends `query`, unless the connection has closed: postgres-nio (1.33) never answers a query written
  /// to a connection that is already closed (the server ended it, or a cancelled call closed it), so
  /// sending one would wait forever.
  private func send(_ query: PostgresQuery) async throws -> PostgresRowSequence {
    guard !closing.isClosed, !connection.isClosed else {
      throw LedgerError(.unavailable, "the connection to the ledger database closed; try again")
    }
    return try await connection.query(query, logger: logger)
  }

  func rows(_ sql: SQL) async throws -> [PostgresRow] { try await rows(try sql.query) }

  func one(_ query: PostgresQuery) async throws -> PostgresRow? {
    var first: PostgresRow?
    for try await row in try await send(query) where first == nil { first = row }
    return first
  }

  func run(_ query: PostgresQuery) async throws {
    for try await _ in try await send(query) {}
  }

  /// A stream of rows, for pages that stop reading once full.
  func stream(_ query: PostgresQuery) async throws -> PostgresRowSequence {
    try await send(query)
  }
}

/// Whether a lease closed its connection (a cancelled call): the close takes effect on the event loop a
/// moment later, and no query may be sent meanwhile.
final class ConnectionClosing: Sendable {
  private let closing = Mutex<EventLoopFuture<Void>?>(nil)

  var isClosed: Bool { closing.withLock { $0 != nil } }

  /// Marks the connection closed, then closes it.
  func close(_ connection: PostgresConnection) {
    closing.withLock { closing in
      guard closing == nil else { return }
      closing = connection.close()
    }
  }

  /// Returns once a close begun by ``close(_:)`` has completed: the pool must not get the connection back
  /// before, or it could lease it again to a call that would find it closed.
  func finished() async {
    guard let future = closing.withLock({ $0 }) else { return }
    try? await future.get()
  }
}

extension Array {
  /// The array in slices of at most `size` elements, for `= ANY($1)` lists of a bounded size.
  func batches(of size: Int = 1_000) -> [ArraySlice<Element>] {
    stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
  }
}
