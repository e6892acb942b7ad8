import Foundation
import GainsayProto
import GainsayRPC
import Glibc

/// Records ready to send, the rows that could not even be read (by line), and what the file holds that
/// the import will not bring in.
struct ParsedImport {
  var records: [ImportRecord] = []
  /// The SHA-256 of the file as read (hex).
  var fileSHA256 = ""
  var errors: [(Int64, String)] = []
  /// Columns of a CSV or TSV no field is mapped to, by name.
  var unmappedColumns: [String] = []
  /// The rating labels rows give (after --rating-map), with the lines that give each.
  var labels: [String: [Int64]] = [:]
  /// An export's revisions and audit events, left out: an import brings records, not their history.
  var leftOutHistory = 0

  /// Whether the file is an export (records with ids), merged all or nothing.
  var isExport: Bool { leftOutHistory > 0 || records.contains(where: \.isFromExport) }

  /// Rows with a rating and no reviewer: their ratings become the importing user's own verdicts.
  var ownRatings: Int { records.filter { !$0.rating.isEmpty && $0.reviewer.isEmpty }.count }
}

/// A progress line on a terminal: rows, rows per second, time left.
final class Progress {
  private let total: Int
  private let start = Date()
  private let enabled = isatty(2) == 1

  init(total: Int) { self.total = total }

  func update(_ done: Int) {
    guard enabled, total > 0 else { return }
    let elapsed = max(Date().timeIntervalSince(start), 0.001)
    let rate = Double(done) / elapsed
    let left = rate > 0 ? Int(Double(total - done) / rate) : 0
    let width = 30
    let filled = width * done / total
    let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    Output.error(
      "\u{1B}[2K\r\(bar) \(done)/\(total) rows  \(Int(rate)) rows/s  ETA \(left / 60):\(String(format: "%02d", left % 60))",
      newline: false)
  }

  func finish() {
    if enabled && total > 0 { Output.error("") }
  }
}

extension ImportRecord {
  /// Whether the record can only come from an export: it carries an id, or it is a revision, link,
  /// verdict or audit event.
  var isFromExport: Bool {
    switch record?.record {
    case .speaker(let value)?: !value.id.isEmpty
    case .source(let value)?: !value.id.isEmpty
    case .claim(let value)?: !value.id.isEmpty
    case .claimRevision?, .link?, .verdict?, .auditEvent?: true
    case nil: false
    }
  }
}

/// Records cut into the chunks ImportRecords takes: at most `maximumCount` records and about
/// ``maximumBytes`` encoded bytes each (a source can hold megabytes of text; a request frame at most 4 MiB).
enum ImportChunks {
  static let maximumBytes = 2 << 20

  static func split(_ records: [ImportRecord], maximumCount: Int) -> [[ImportRecord]] {
    var chunks: [[ImportRecord]] = []
    var current: [ImportRecord] = []
    var bytes = 0
    for record in records {
      let size = record.serializedBytes().count + 8
      if !current.isEmpty && (current.count == maximumCount || bytes + size > maximumBytes) {
        chunks.append(current)
        current = []
        bytes = 0
      }
      current.append(record)
      bytes += size
    }
    if !current.isEmpty { chunks.append(current) }
    return chunks
  }
}
