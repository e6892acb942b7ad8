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
      CSV and TSV need a column mapping, from their header row or --columns and --map. The claim's fields: \
      text (required), speaker (required), said (YYYY, YYYY-MM or YYYY-MM-DD), context, topics, url, lang, \
      external_id (the record's id in the file); its rating: rating, reviewer, explanation, review_url (the published fact-check); its speaker's: role, \
      affiliation, country (an ISO 3166-1 code such as US), region (a state or province, such as Texas). \
      Columns mapped to no field are listed in the summary. The format comes from --format, else the file \
      name: .tsv or .tab is TSV, .jsonl or .ndjson JSON Lines, .json or .jsonld ClaimReview, anything else \
      CSV. TSV has no quoting: a field is everything between two tabs, quote marks included. CSV follows \
      RFC 4180: a field with a quote mark, comma or line break is quoted whole, with quote marks doubled; \
      a quote mark anywhere else is an error on its line, never silently dropped.

      A rating from a file was given by a fact-checker: name it with --reviewer (or map a reviewer column) \
      and the verdict is that reviewer's, recorded by you. A rating without a reviewer is recorded as your \
      own verdict, and the summary says how many were. Before anything is sent, the file's rating labels \
      are checked against the ledger's scale: labels the scale lacks are listed and nothing is imported, \
      unless --allow-unmapped-labels (those rows are then rejected). A speaker the import creates gets the \
      row's role, affiliation, country and region; an existing speaker gains those it lacks (counted as \
      updated), and a value that differs from the ledger's is reported as a warning, not applied.

      Every record is created as the Create methods create it: validated, with you as its actor and the \
      daemon's clock. Records go to the daemon in chunks, each committed as it arrives; bad rows are \
      reported with their line number and the rest imported, unless --strict (then nothing is committed). \
      --dry-run checks every row as the import would, against the ledger and the rest of the file, \
      commits nothing, and exits as the import would (67 when --strict or an export would import \
      nothing). Re-importing the same file creates no duplicates: a claim already in the ledger \
      (same speaker, date and text) is counted as unchanged, so an interrupted import (Ctrl-C) resumes by \
      running the same command again.

      An export (`gainsay export`, records with ids) is merged whole or not at all: records the ledger \
      already holds, the same, are unchanged; a record whose id the ledger holds with other content, a new \
      speaker whose name another speaker has, or a new claim another claim already records, is reported \
      by line with what differs, and then nothing is imported. Its revisions and audit events are left out \
      (an import brings records, not their history); `gainsay restore FILE` keeps them, into an empty \
      ledger.

      EXAMPLES:
        gainsay import claims.csv --said 2024
        gainsay import claims.csv --said 2024 --dry-run
        # LIAR (no header row): name the columns, map every field and label
        cols=id,label,statement,subjects,speaker,job,state,party
        cols=$cols,barely_true_count,false_count,half_true_count
        cols=$cols,mostly_true_count,pants_fire_count,context
        gainsay import train.tsv --columns "$cols" --said 2007 \\
          --map text=statement,speaker=speaker,rating=label,topics=subjects \\
          --map external_id=id,role=job,affiliation=party,region=state \\
          --map context=context --topic-separator , --reviewer PolitiFact \\
          --rating-map true=true,mostly-true="mostly true" \\
          --rating-map half-true="half true",barely-true="mostly false" \\
          --rating-map false=false,pants-fire="pants on fire"
        gainsay import reviews.json --format claimreview
        gainsay import ledger.jsonl      # an export of another ledger
      """)
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "The file, or - for standard input.") var file: String
  @Option(help: "csv, tsv, jsonl or claimreview (default: from the file name).") var format: String?
  @Option(help: "Column names for a file without a header row, comma-separated.") var columns: String?
  @Option(help: "FIELD=COLUMN pairs, comma-separated; may repeat (default: columns named like the fields).")
  var map: [String] = []
  @Option(help: "LABEL=RATING pairs mapping the file's labels to the rating scale; may repeat.")
  var ratingMap: [String] = []
  @Option(help: "The fact-checker that gave the file's ratings, e.g. PolitiFact.") var reviewer: String?
  @Flag(help: "Import even if some rating labels are not on the scale (their rows are rejected).")
  var allowUnmappedLabels = false
  @Option(help: "What separates topics in the topics column.") var topicSeparator = ";"
  @Option(help: "The date for rows without one (YYYY, YYYY-MM or YYYY-MM-DD).") var said: String?
  @Flag(help: "Commit nothing if any row is bad (every row is still checked and reported).") var strict = false
  @Flag(help: "Check every row as the import would and report what it would do; commit nothing.")
  var dryRun = false
  @Option(help: "Records per chunk sent to the daemon.") var chunkSize = 500

  func validate() throws {
    guard (1...1_000).contains(chunkSize) else { throw ValidationError("--chunk-size must be 1 to 1000") }
    if let reviewer, reviewer.trimmingCharacters(in: .whitespaces).isEmpty {
      throw ValidationError("--reviewer: give the fact-checker's name, e.g. --reviewer PolitiFact")
    }
  }

  func run() async throws {
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
      try await checkLabels(parsed, session: session)
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
    let ratings = ratingMap.joined(separator: ",")
    var parsed: ParsedImport
    switch kind {
    case "csv", "tsv":
      parsed = try TabularImport(
        dialect: kind == "tsv" ? .tsv : .csv, columns: columns, map: map.joined(separator: ","), ratingMap: ratings,
        topicSeparator: topicSeparator, defaultDate: defaultDate, reviewer: reviewer
      ).parse(data)
    case "jsonl":
      parsed = JSONLinesImport.parse(data, leavingOutHistory: true)
    case "claimreview":
      parsed = try ClaimReviewImport.parse(
        data, ratingMap: try TabularImport.pairs(ratings, option: "--rating-map"), reviewer: reviewer)
    default: throw ValidationError("--format: \"\(kind)\" is not csv, tsv, jsonl or claimreview")
    }
    // Kept in each chunk's audit event, so the ledger says exactly which file its records came from.
    parsed.fileSHA256 = SHA256.hexDigest(data)
    return parsed
  }

  static func guessFormat(_ file: String) -> String {
    let lower = file.lowercased()
    if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return "tsv" }
    if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return "jsonl" }
    if lower.hasSuffix(".json") || lower.hasSuffix(".jsonld") { return "claimreview" }
    return "csv"
  }

  /// Refuses, before anything is sent, a file whose rating labels the ledger's scale lacks, listing them.
  private func checkLabels(_ parsed: ParsedImport, session: Session) async throws {
    guard !parsed.labels.isEmpty else { return }
    let scale = try await session.call(LedgerService.getRatingScale, GetRatingScaleRequest())
    let known = Set(scale.ratings.map { $0.label.lowercased() })
    let missing = parsed.labels.filter { !known.contains($0.key.lowercased()) }.sorted { $0.key < $1.key }
    guard !missing.isEmpty else { return }
    let listed = missing.map { label, lines in
      "\"\(label)\" (\(ImportInterruption.grouped(lines.count)) row\(lines.count == 1 ? "" : "s"), first line \(lines.min()!))"
    }.joined(separator: ", ")
    let ratings = scale.ratings.map { "\"\($0.label)\"" }.joined(separator: ", ")
    let rows = ImportInterruption.grouped(missing.reduce(0) { $0 + $1.value.count })
    if allowUnmappedLabels {
      Output.error("gainsay: warning: labels not on the rating scale, their \(rows) rows will be rejected: \(listed)")
      return
    }
    throw CLIError(
      code: .failedPrecondition,
      message: "the file's rating labels \(listed) are not on the rating scale (\(ratings)); map them with "
        + "--rating-map LABEL=RATING, or pass --allow-unmapped-labels to import the rest and reject those "
        + "\(rows) rows; nothing imported")
  }
}
