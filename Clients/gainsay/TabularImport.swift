import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// CSV (RFC 4180) and TSV with a column mapping.
struct TabularImport {
  let separator: Character
  let columns: String?
  let map: String?
  let ratingMap: String?
  let topicSeparator: String
  let defaultDate: PartialDate?

  static let fields = ["text", "speaker", "said", "context", "topics", "url", "lang", "rating"]

  static func pairs(_ text: String?, option: String) throws -> [String: String] {
    guard let text, !text.isEmpty else { return [:] }
    var result: [String: String] = [:]
    for pair in text.split(separator: ",") {
      let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw ValidationError("\(option): \"\(pair)\" is not NAME=VALUE")
      }
      result[parts[0].lowercased()] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
    return result
  }

  func parse(_ data: Data) throws -> ParsedImport {
    var rows = Self.rows(data, separator: separator)
    var header: [String]
    if let columns {
      header = columns.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
    } else {
      guard !rows.isEmpty, case .success(let names) = rows[0].cells else {
        throw ValidationError("the file has no header row; give --columns")
      }
      header = names.map { $0.trimmingCharacters(in: .whitespaces) }
      rows.removeFirst()
    }
    let mapping = try Self.pairs(map, option: "--map")
    for field in mapping.keys where !Self.fields.contains(field) {
      throw ValidationError("--map: \"\(field)\" is not one of \(Self.fields.joined(separator: ", "))")
    }
    var index: [String: Int] = [:]
    for field in Self.fields {
      let column = mapping[field] ?? field
      if let position = header.firstIndex(where: { $0.lowercased() == column.lowercased() }) {
        index[field] = position
      } else if mapping[field] != nil {
        throw ValidationError("--map: no column \"\(column)\" (columns: \(header.joined(separator: ", ")))")
      }
    }
    guard index["text"] != nil, index["speaker"] != nil else {
      throw ValidationError(
        "map the text and speaker fields to columns with --map (columns: \(header.joined(separator: ", ")))")
    }
    guard index["said"] != nil || defaultDate != nil else {
      throw ValidationError("map the said field to a column with --map, or give --said for every row")
    }
    let ratings = try Self.pairs(ratingMap, option: "--rating-map")
    var parsed = ParsedImport()
    for row in rows {
      let cells: [String]
      switch row.cells {
      case .failure(let problem):
        parsed.errors.append((row.line, problem))
        continue
      case .success(let values): cells = values
      }
      if cells.count == 1 && cells[0].isEmpty { continue }  // a blank line
      guard cells.count == header.count else {
        parsed.errors.append((row.line, "\(cells.count) columns where the header has \(header.count)"))
        continue
      }
      func cell(_ field: String) -> String {
        index[field].map { cells[$0].trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
      }
      var claim = Claim()
      claim.text = cell("text")
      claim.context = cell("context")
      claim.language = cell("lang")
      if !cell("url").isEmpty { claim.appearanceUrls = [cell("url")] }
      claim.topics = cell("topics").components(separatedBy: topicSeparator).map {
        $0.trimmingCharacters(in: .whitespaces)
      }.filter { !$0.isEmpty }
      let dateText = cell("said")
      if dateText.isEmpty {
        claim.saidOn = defaultDate
      } else if let date = PartialDate(iso: dateText) {
        claim.saidOn = date
      } else {
        parsed.errors.append((row.line, "said: \"\(dateText)\" is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"))
        continue
      }
      var record = ImportRecord()
      record.line = row.line
      record.speakerName = cell("speaker")
      let label = cell("rating")
      record.rating = ratings[label.lowercased()] ?? label
      var ledgerRecord = LedgerRecord()
      ledgerRecord.record = .claim(claim)
      record.record = ledgerRecord
      parsed.records.append(record)
    }
    return parsed
  }

  struct Row {
    enum Cells {
      case success([String])
      case failure(String)
    }
    let line: Int64
    let cells: Cells
  }

  /// Splits CSV/TSV text into rows of cells: quoted cells may hold separators, quotes ("") and line
  /// breaks. A row that is not valid UTF-8 is reported rather than guessed at.
  static func rows(_ data: Data, separator: Character) -> [Row] {
    let separatorByte = separator.asciiValue!
    var rows: [Row] = []
    var cells: [String] = []
    var cell: [UInt8] = []
    var quoted = false
    var line: Int64 = 1
    var rowLine: Int64 = 1
    var invalid = false
    let bytes = [UInt8](data)
    var index = 0
    func endCell() {
      if let text = String(validating: cell, as: UTF8.self) { cells.append(text) } else { invalid = true }
      cell.removeAll(keepingCapacity: true)
    }
    func endRow() {
      endCell()
      rows.append(Row(line: rowLine, cells: invalid ? .failure("not valid UTF-8 text") : .success(cells)))
      cells.removeAll(keepingCapacity: true)
      invalid = false
    }
    while index < bytes.count {
      let byte = bytes[index]
      if quoted {
        if byte == UInt8(ascii: "\"") {
          if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
            cell.append(byte)
            index += 1
          } else {
            quoted = false
          }
        } else {
          if byte == UInt8(ascii: "\n") { line += 1 }
          cell.append(byte)
        }
      } else if byte == UInt8(ascii: "\"") && cell.isEmpty {
        quoted = true
      } else if byte == separatorByte {
        endCell()
      } else if byte == UInt8(ascii: "\n") {
        endRow()
        line += 1
        rowLine = line
      } else if byte != UInt8(ascii: "\r") {
        cell.append(byte)
      }
      index += 1
    }
    if !cell.isEmpty || !cells.isEmpty { endRow() }
    return rows
  }
}
