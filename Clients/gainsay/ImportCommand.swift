import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay import FILE`.
struct ImportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Bring a spreadsheet of claims, a ClaimReview feed or an export into the ledger.",
    discussion: """
      CSV and TSV need a column mapping, from their header row or --columns:
        gainsay import liar.tsv --columns id,label,statement,subjects,speaker,job,state,party,c1,c2,c3,c4,c5,context \\
          --map text=statement,speaker=speaker,context=context,rating=label,topics=subjects --topic-separator , \\
          --said 2007 --rating-map barely-true="mostly false",pants-fire="pants on fire"
      Fields: text (required), speaker (required), said (YYYY, YYYY-MM or YYYY-MM-DD), context, topics, url,
      lang, rating. JSON Lines in the export format re-create an export exactly; ClaimReview JSON-LD may be
      one object, an array, or a DataFeed. Records go to the daemon in chunks; bad rows are reported with
      their line number and the rest imported, unless --strict (then nothing is committed). Re-importing
      the same file creates no duplicates.
      """)
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "The file, or - for standard input.") var file: String
  @Option(help: "csv, tsv, jsonl or claimreview (default: from the file name).") var format: String?
  @Option(help: "Column names for a file without a header row, comma-separated.") var columns: String?
  @Option(help: "FIELD=COLUMN pairs, comma-separated (default: columns named like the fields).") var map: String?
  @Option(help: "LABEL=RATING pairs mapping the file's labels to the rating scale.") var ratingMap: String?
  @Option(help: "What separates topics in the topics column.") var topicSeparator = ";"
  @Option(help: "The date for rows without one (YYYY, YYYY-MM or YYYY-MM-DD).") var said: String?
  @Flag(help: "Abort at the first bad row and commit nothing.") var strict = false
  @Option(help: "Records per chunk sent to the daemon.") var chunkSize = 500

  func run() async throws {
    guard (1...1_000).contains(chunkSize) else { throw ValidationError("--chunk-size must be 1 to 1000") }
    let data: Data
    if file == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      guard let contents = FileManager.default.contents(atPath: file) else {
        throw ValidationError("cannot read \(file)")
      }
      data = contents
    }
    let kind = format?.lowercased() ?? Self.guessFormat(file)
    let defaultDate = try said.map { try parseDate($0, option: "--said") }
    let parsed: ParsedImport
    switch kind {
    case "csv", "tsv":
      parsed = try TabularImport(
        separator: kind == "tsv" ? "\t" : ",", columns: columns, map: map, ratingMap: ratingMap,
        topicSeparator: topicSeparator, defaultDate: defaultDate
      ).parse(data)
    case "jsonl": parsed = JSONLinesImport.parse(data)
    case "claimreview":
      parsed = try ClaimReviewImport.parse(data, ratingMap: try TabularImport.pairs(ratingMap, option: "--rating-map"))
    default: throw ValidationError("--format: \"\(kind)\" is not csv, tsv, jsonl or claimreview")
    }
    var options = connection
    options.timeout = max(connection.timeout, 300)
    try await options.run { session in
      try await send(parsed, session: session)
    }
  }

  static func guessFormat(_ file: String) -> String {
    let lower = file.lowercased()
    if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return "tsv" }
    if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return "jsonl" }
    if lower.hasSuffix(".json") || lower.hasSuffix(".jsonld") { return "claimreview" }
    return "csv"
  }

  private func send(_ parsed: ParsedImport, session: Session) async throws {
    var begin = BeginImportRequest()
    begin.strict = strict
    begin.origin = file == "-" ? "standard input" : (file as NSString).lastPathComponent
    let importID = try await session.call(LedgerService.beginImport, begin).importID
    let progress = Progress(total: parsed.records.count + parsed.errors.count)
    var rejected = parsed.errors
    if strict, !parsed.errors.isEmpty {
      var finish = FinishImportRequest()
      finish.importID = importID
      finish.commit = false
      _ = try await session.call(LedgerService.finishImport, finish)
      report(rejected)
      throw CLIError(code: .invalidArgument, message: "\(parsed.errors.count) bad row(s); nothing imported (--strict)")
    }
    var done = parsed.errors.count
    for start in stride(from: 0, to: parsed.records.count, by: chunkSize) {
      var request = ImportRecordsRequest()
      request.importID = importID
      request.records = Array(parsed.records[start..<min(start + chunkSize, parsed.records.count)])
      let response = try await session.call(LedgerService.importRecords, request)
      for outcome in response.outcomes where outcome.result == .rejected {
        rejected.append((outcome.line, outcome.error))
      }
      done += request.records.count
      progress.update(done)
      if strict && !rejected.isEmpty { break }
    }
    var finish = FinishImportRequest()
    finish.importID = importID
    finish.commit = !(strict && !rejected.isEmpty)
    let summary = try await session.call(LedgerService.finishImport, finish)
    progress.finish()
    report(rejected)
    let counts =
      "created \(summary.created), unchanged \(summary.unchanged), rejected \(summary.rejected + Int64(parsed.errors.count))"
    if connection.json {
      Output.line(
        JSONValue.object([
          ("created", .integer(summary.created)), ("unchanged", .integer(summary.unchanged)),
          ("rejected", .integer(summary.rejected + Int64(parsed.errors.count))),
          ("committed", .bool(summary.committed)),
        ]).serialized())
    } else {
      Output.line(summary.committed ? "imported: \(counts)" : "nothing imported (--strict): \(counts)")
    }
    if strict && !summary.committed {
      throw CLIError(code: .invalidArgument, message: "\(rejected.count) bad row(s); nothing imported (--strict)")
    }
  }

  private func report(_ rejected: [(Int64, String)]) {
    for (line, error) in rejected.sorted(by: { $0.0 < $1.0 }).prefix(1_000) {
      Output.error("gainsay: line \(line): \(error)")
    }
    if rejected.count > 1_000 { Output.error("gainsay: … and \(rejected.count - 1_000) more bad rows") }
  }
}

/// Records ready to send, and the rows that could not even be read, by line.
struct ParsedImport {
  var records: [ImportRecord] = []
  var errors: [(Int64, String)] = []
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

/// JSON Lines in the export format: one LedgerRecord per line.
enum JSONLinesImport {
  static func parse(_ data: Data) -> ParsedImport {
    var parsed = ParsedImport()
    var number: Int64 = 0
    for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      number += 1
      guard let text = String(validating: line, as: UTF8.self) else {
        parsed.errors.append((number, "not valid UTF-8 text"))
        continue
      }
      if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      do {
        var record = ImportRecord()
        record.line = number
        record.record = try LedgerRecord(jsonText: text)
        parsed.records.append(record)
      } catch {
        parsed.errors.append((number, "not a LedgerRecord: \(error)"))
      }
    }
    return parsed
  }
}

/// schema.org ClaimReview JSON-LD: one object, an array, or a DataFeed of them.
enum ClaimReviewImport {
  static func parse(_ data: Data, ratingMap: [String: String]) throws -> ParsedImport {
    guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("the file is not UTF-8 text") }
    let root: JSONValue
    do { root = try JSONValue.parse(text) } catch { throw ValidationError("not JSON: \(error)") }
    var reviews: [JSONValue] = []
    func collect(_ value: JSONValue) {
      switch value {
      case .array(let items): items.forEach(collect)
      case .object(let fields):
        let type = fields.first { $0.0 == "@type" }?.1
        if case .string("ClaimReview") = type {
          reviews.append(value)
        } else if let elements = fields.first(where: { $0.0 == "dataFeedElement" })?.1 {
          collect(elements)
        } else if let item = fields.first(where: { $0.0 == "item" })?.1 {
          collect(item)
        }
      default: break
      }
    }
    collect(root)
    var parsed = ParsedImport()
    for (index, review) in reviews.enumerated() {
      let line = Int64(index + 1)
      func string(_ value: JSONValue?, _ keys: String...) -> String {
        var current = value
        for key in keys {
          guard case .object(let fields)? = current else { return "" }
          current = fields.first { $0.0 == key }?.1
        }
        if case .string(let text)? = current { return text }
        return ""
      }
      var claim = Claim()
      claim.text = string(review, "claimReviewed")
      let said = string(review, "itemReviewed", "datePublished")
      let dateOnly = String(said.prefix(10))
      claim.saidOn =
        PartialDate(iso: dateOnly) ?? PartialDate(iso: String(said.prefix(7))) ?? PartialDate(
          iso: String(said.prefix(4)))
        ?? PartialDate(iso: String(string(review, "datePublished").prefix(10)))
      let appearance = string(review, "itemReviewed", "firstAppearance", "url")
      if !appearance.isEmpty { claim.appearanceUrls = [appearance] }
      let speaker = string(review, "itemReviewed", "author", "name")
      guard !claim.text.isEmpty, !speaker.isEmpty, claim.saidOn != nil else {
        parsed.errors.append(
          (line, "ClaimReview #\(index + 1) lacks claimReviewed, itemReviewed.author.name or a date"))
        continue
      }
      var record = ImportRecord()
      record.line = line
      record.speakerName = speaker
      let label = string(review, "reviewRating", "alternateName")
      record.rating = ratingMap[label.lowercased()] ?? label
      var ledgerRecord = LedgerRecord()
      ledgerRecord.record = .claim(claim)
      record.record = ledgerRecord
      parsed.records.append(record)
    }
    return parsed
  }
}
