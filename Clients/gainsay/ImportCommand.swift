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
      CSV and TSV need a column mapping, from their header row or --columns and --map. The fields: text \
      (required), speaker (required), said (YYYY, YYYY-MM or YYYY-MM-DD), context, topics, url, lang, rating. \
      JSON Lines hold one LedgerRecord per line (speakers, sources and claims without ids); ClaimReview \
      JSON-LD may be one object, an array, or a DataFeed.

      Every record is created as the Create methods create it: validated, with you as its actor and the \
      daemon's clock. Records go to the daemon in chunks, each committed as it arrives; bad rows are \
      reported with their line number and the rest imported, unless --strict (then nothing is committed). \
      Re-importing the same file creates no duplicates: a claim already in the ledger (same speaker, date \
      and text) is counted as unchanged, so an interrupted import (Ctrl-C) resumes by running the same \
      command again. An export (records with ids, revisions and audit history) is not imported but \
      restored: `gainsay restore FILE`.

      EXAMPLES:
        gainsay import claims.csv --said 2024
        # LIAR (no header row): name the columns, map the fields and labels
        cols=id,label,statement,subjects,speaker,job,state,party
        cols=$cols,c1,c2,c3,c4,c5,context
        gainsay import liar.tsv --columns "$cols" --said 2007 \\
          --map text=statement,speaker=speaker,rating=label,topics=subjects \\
          --topic-separator , \\
          --rating-map barely-true="mostly false",pants-fire="pants on fire"
        gainsay import reviews.json --format claimreview
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
    let interruption = ImportInterruption()
    defer { interruption.uninstall() }
    let parsed = try parse()
    if interruption.requested {
      Output.error("gainsay: interrupted before anything was sent: nothing committed")
      throw ExitCode(130)
    }
    var options = connection
    options.timeout = max(connection.timeout, 300)
    try await options.run { session in
      try await send(parsed, session: session, interruption: interruption)
    }
  }

  /// Reads and parses the file in its format.
  private func parse() throws -> ParsedImport {
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
    case "jsonl":
      parsed = JSONLinesImport.parse(data)
      if let line = parsed.records.first(where: \.isFromExport)?.line {
        throw CLIError(
          code: .failedPrecondition,
          message: "\(file) line \(line) carries an id: the file is an export; restore it with `gainsay restore "
            + "\(file)` (admin, into an empty ledger)")
      }
    case "claimreview":
      parsed = try ClaimReviewImport.parse(data, ratingMap: try TabularImport.pairs(ratingMap, option: "--rating-map"))
    default: throw ValidationError("--format: \"\(kind)\" is not csv, tsv, jsonl or claimreview")
    }
    return parsed
  }

  static func guessFormat(_ file: String) -> String {
    let lower = file.lowercased()
    if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return "tsv" }
    if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return "jsonl" }
    if lower.hasSuffix(".json") || lower.hasSuffix(".jsonld") { return "claimreview" }
    return "csv"
  }

  private func send(_ parsed: ParsedImport, session: Session, interruption: ImportInterruption) async throws {
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
    var sent = 0
    interruption.update { $0.strict = strict }
    for chunk in ImportChunks.split(parsed.records, maximumCount: chunkSize) {
      if interruption.requested { break }
      var request = ImportRecordsRequest()
      request.importID = importID
      request.records = chunk
      interruption.update { $0.inFlight = chunk.count }
      let response = try await session.call(LedgerService.importRecords, request)
      interruption.update {
        $0.committed += chunk.count
        $0.inFlight = 0
      }
      for outcome in response.outcomes where outcome.result == .rejected {
        rejected.append((outcome.line, outcome.error))
      }
      sent += chunk.count
      done += request.records.count
      progress.update(done)
      if strict && !rejected.isEmpty { break }
    }
    if interruption.requested && sent < parsed.records.count {
      progress.finish()
      try await stop(importID: importID, parsed: parsed, sent: sent, rejected: rejected, session: session)
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

  /// After the first Ctrl-C: closes the session (abandoning a strict import), reports the bad rows seen
  /// so far, says what is in the ledger and how to resume, and exits 130.
  private func stop(
    importID: String, parsed: ParsedImport, sent: Int, rejected: [(Int64, String)], session: Session
  ) async throws -> Never {
    var finish = FinishImportRequest()
    finish.importID = importID
    finish.commit = !strict
    let summary = try await session.call(LedgerService.finishImport, finish)
    report(rejected)
    let total = ImportInterruption.grouped(parsed.records.count)
    let message: String
    if strict || !summary.committed {
      message = "nothing committed (--strict imports all rows or none); run the same command again to import"
    } else if sent == 0 {
      message = "0 of \(total) rows committed; run the same command again to import"
    } else {
      let lastLine = parsed.records[sent - 1].line
      let origin = file == "-" ? "standard input" : file
      let count = ImportInterruption.grouped(sent)
      message =
        "\(count) of \(total) rows committed (rows 1–\(count), up to line "
        + "\(ImportInterruption.grouped(Int(lastLine))) of \(origin): \(ImportInterruption.grouped(Int(summary.created))) "
        + "created, \(ImportInterruption.grouped(Int(summary.unchanged))) unchanged, "
        + "\(ImportInterruption.grouped(Int(summary.rejected))) rejected); run the same command again to resume — "
        + "rows already in the ledger (same speaker, date and text) are skipped as unchanged"
    }
    Output.error("gainsay: interrupted: " + message)
    throw ExitCode(130)
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
