import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// CSV (RFC 4180) and TSV (no quoting) with a column mapping.
struct TabularImport {
  enum Dialect {
    /// Comma-separated, RFC 4180 quoting; a bad quote is an error on its line.
    case csv
    /// Tab-separated, no quoting: a field is everything between tabs.
    case tsv
  }

  let dialect: Dialect
  let columns: String?
  let map: String?
  let ratingMap: String?
  let topicSeparator: String
  let defaultDate: PartialDate?
  /// Who gave the ratings, for rows without a reviewer column (or with it empty).
  let reviewer: String?

  /// The fields a column can be mapped to: the claim's, its rating and reviewer, and its speaker's details.
  static let fields = [
    "text", "speaker", "said", "context", "topics", "url", "lang", "rating", "reviewer", "explanation",
    "review_url", "external_id", "role", "affiliation", "country", "region",
  ]

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
    var rows = dialect == .tsv ? TSVRows.rows(data) : CSVRows.rows(data)
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
    let used = Set(index.values)
    parsed.unmappedColumns = header.enumerated().filter { !used.contains($0.offset) }.map(\.element)
    let kind = dialect == .tsv ? "fields" : "columns"
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
        let hint = dialect == .tsv ? " (TSV has no quoting: every tab ends a field)" : ""
        parsed.errors.append((row.line, "\(cells.count) \(kind) where the header has \(header.count)\(hint)"))
        continue
      }
      func cell(_ field: String) -> String {
        index[field].map { cells[$0].trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
      }
      var claim = Claim()
      claim.text = cell("text")
      claim.context = cell("context")
      claim.language = cell("lang")
      if !cell("external_id").isEmpty { claim.externalID = cell("external_id") }
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
      if !record.rating.isEmpty {
        record.reviewer = cell("reviewer").isEmpty ? (reviewer ?? "") : cell("reviewer")
        record.ratingExplanation = cell("explanation")
        record.reviewURL = cell("review_url")
        parsed.labels[record.rating, default: []].append(row.line)
      }
      var details = Speaker()
      details.role = cell("role")
      details.affiliation = cell("affiliation")
      details.country = cell("country")
      details.region = cell("region")
      if !(details.role.isEmpty && details.affiliation.isEmpty && details.country.isEmpty && details.region.isEmpty) {
        record.speakerDetails = details
      }
      var ledgerRecord = LedgerRecord()
      ledgerRecord.record = .claim(claim)
      record.record = ledgerRecord
      parsed.records.append(record)
    }
    return parsed
  }
}
