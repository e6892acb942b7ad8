import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// Sending a parsed import to the daemon and saying what it did.
extension ImportCommand {
  /// What the daemon answered for the records sent so far.
  struct Answers {
    var rejected: [(Int64, String)] = []
    var warnings: [(Int64, String)] = []
  }

  func send(_ parsed: ParsedImport, session: Session, interruption: ImportInterruption) async throws {
    // An export is merged whole or not at all, and every problem in it is reported.
    let allOrNothing = strict || parsed.isExport
    var begin = BeginImportRequest()
    begin.strict = allOrNothing
    begin.dryRun = dryRun
    begin.origin = file == "-" ? "standard input" : (file as NSString).lastPathComponent
    begin.fileSha256 = parsed.fileSHA256
    let importID = try await session.call(LedgerService.beginImport, begin).importID
    let progress = Progress(total: parsed.records.count + parsed.errors.count)
    var answers = Answers(rejected: parsed.errors)
    if strict, !parsed.errors.isEmpty {
      var finish = FinishImportRequest()
      finish.importID = importID
      finish.commit = false
      _ = try await session.call(LedgerService.finishImport, finish)
      report(answers)
      throw CLIError(code: .invalidArgument, message: "\(parsed.errors.count) bad row(s); nothing imported (--strict)")
    }
    var done = parsed.errors.count
    var sent = 0
    interruption.update { $0.strict = allOrNothing || dryRun }
    for chunk in ImportChunks.split(parsed.records, maximumCount: chunkSize) {
      if interruption.requested { break }
      interruption.update { $0.inFlight = chunk.count }
      let outcomes = try await importChunk(chunk, importID: importID, session: session)
      interruption.update {
        $0.committed += chunk.count
        $0.inFlight = 0
      }
      for outcome in outcomes {
        if outcome.result == .rejected {
          answers.rejected.append((outcome.line, outcome.error))
        } else if !outcome.error.isEmpty {
          answers.warnings.append((outcome.line, outcome.error))
        }
      }
      sent += chunk.count
      done += chunk.count
      progress.update(done)
      // --strict stops at the first bad chunk; an export and a dry run are checked whole.
      if strict && !dryRun && !answers.rejected.isEmpty { break }
    }
    if interruption.requested && sent < parsed.records.count {
      progress.finish()
      try await stop(importID: importID, parsed: parsed, sent: sent, answers: answers, session: session)
    }
    var finish = FinishImportRequest()
    finish.importID = importID
    finish.commit = !(allOrNothing && !answers.rejected.isEmpty) && !dryRun
    let summary = try await session.call(LedgerService.finishImport, finish)
    progress.finish()
    report(answers)
    summarize(summary, parsed: parsed, allOrNothing: allOrNothing)
    if allOrNothing && !summary.committed && !dryRun {
      let why = strict ? "--strict" : "an export is merged whole or not at all"
      throw CLIError(
        code: .invalidArgument, message: "\(answers.rejected.count) bad record(s); nothing imported (\(why))")
    }
    // A dry run exits as the import would, so a script can gate on it.
    let bad = answers.rejected.count + parsed.errors.count
    if dryRun && (strict || parsed.isExport) && bad > 0 {
      let why = strict ? "--strict" : "an export is merged whole or not at all"
      throw CLIError(code: .invalidArgument, message: "\(bad) bad record(s); the import would import nothing (\(why))")
    }
  }

  /// Sends `records`, halving them while the daemon finds the request too complex to decode (many tiny
  /// records: the memory a request may take to decode grows with its size in bytes). Such a request is
  /// refused before any of it is read, so sending its halves imports nothing twice.
  private func importChunk(
    _ records: [ImportRecord], importID: String, session: Session
  ) async throws -> [ImportOutcome] {
    var request = ImportRecordsRequest()
    request.importID = importID
    request.records = records
    do {
      return try await session.call(LedgerService.importRecords, request).outcomes
    } catch let error as RPCError where error.reason == "REQUEST_TOO_COMPLEX" && records.count > 1 {
      let half = records.count / 2
      return try await importChunk(Array(records[..<half]), importID: importID, session: session)
        + importChunk(Array(records[half...]), importID: importID, session: session)
    }
  }

  /// The counts, on standard output; what was left out and whose the ratings are, on standard error.
  private func summarize(_ summary: FinishImportResponse, parsed: ParsedImport, allOrNothing: Bool) {
    let rejected = summary.rejected + Int64(parsed.errors.count)
    if connection.json {
      Output.line(
        JSONValue.object([
          ("created", .integer(summary.created)), ("updated", .integer(summary.updated)),
          ("unchanged", .integer(summary.unchanged)), ("rejected", .integer(rejected)),
          ("committed", .bool(summary.committed)), ("dryRun", .bool(dryRun)),
          ("unmappedColumns", .array(parsed.unmappedColumns.map { .string($0) })),
          ("ownRatings", .integer(Int64(parsed.ownRatings))),
          ("leftOutHistory", .integer(Int64(parsed.leftOutHistory))),
        ]).serialized())
    } else if dryRun {
      Output.line(
        "dry run, nothing committed: would create \(summary.created), would update \(summary.updated), "
          + "unchanged \(summary.unchanged), would reject \(rejected)")
    } else {
      let counts =
        "created \(summary.created), updated \(summary.updated), unchanged \(summary.unchanged), rejected \(rejected)"
      let why = strict ? "--strict" : "an export is merged whole or not at all"
      Output.line(summary.committed ? "imported: \(counts)" : "nothing imported (\(why)): \(counts)")
    }
    if !parsed.unmappedColumns.isEmpty {
      Output.error(
        "gainsay: columns not imported: \(parsed.unmappedColumns.joined(separator: ", ")) (map one with "
          + "--map FIELD=COLUMN; fields: \(TabularImport.fields.joined(separator: ", ")))")
    }
    if parsed.ownRatings > 0 {
      Output.error(
        "gainsay: \(ImportInterruption.grouped(parsed.ownRatings)) rating(s) had no reviewer: the verdicts made "
          + "from them \(dryRun ? "would be" : "are") recorded as your own verdicts; if a fact-checker gave them, import with "
          + "--reviewer NAME or map a reviewer column")
    }
    if parsed.leftOutHistory > 0 {
      Output.error(
        "gainsay: left out \(ImportInterruption.grouped(parsed.leftOutHistory)) revisions and audit events: an "
          + "import brings the export's records, not their history (`gainsay restore` keeps it, into an empty ledger)")
    }
  }

  /// After the first Ctrl-C: closes the session (abandoning a strict import), reports the bad rows seen
  /// so far, says what is in the ledger and how to resume, and exits 130.
  private func stop(
    importID: String, parsed: ParsedImport, sent: Int, answers: Answers, session: Session
  ) async throws -> Never {
    let allOrNothing = strict || parsed.isExport || dryRun
    var finish = FinishImportRequest()
    finish.importID = importID
    finish.commit = !allOrNothing
    let summary = try await session.call(LedgerService.finishImport, finish)
    report(answers)
    let total = ImportInterruption.grouped(parsed.records.count)
    let message: String
    if allOrNothing || !summary.committed {
      let why =
        dryRun
        ? "a dry run commits nothing" : strict ? "--strict imports all rows or none" : "an export is merged whole"
      message = "nothing committed (\(why)); run the same command again to import"
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

  /// Bad rows and warnings, by line, at most 1,000 of each.
  func report(_ answers: Answers) {
    for (line, error) in answers.rejected.sorted(by: { $0.0 < $1.0 }).prefix(1_000) {
      Output.error("gainsay: line \(line): \(error)")
    }
    if answers.rejected.count > 1_000 { Output.error("gainsay: … and \(answers.rejected.count - 1_000) more bad rows") }
    for (line, warning) in answers.warnings.sorted(by: { $0.0 < $1.0 }).prefix(1_000) {
      Output.error("gainsay: line \(line): warning: \(warning)")
    }
    if answers.warnings.count > 1_000 {
      Output.error("gainsay: … and \(answers.warnings.count - 1_000) more warnings")
    }
  }
}
