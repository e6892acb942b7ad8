import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay restore FILE`: an export, with its ids, revisions and audit history, into an empty ledger.
struct RestoreCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "restore",
    abstract: "Restore an export (`gainsay export --audit`) into an empty ledger (admin).",
    discussion: """
      The records keep their ids, revisions and audit history, so the daemon trusts none of it: it stages \
      the whole file, verifies every invariant (audit sequences 1..N in time order, contiguous revisions, \
      every evidence passage present in its source's archived text, well-formed ids, no time in the \
      future, a history for every record that ends in its restored state) and commits everything in one \
      transaction, or nothing. Exporting again gives the same file, byte for byte.

      EXAMPLES:
        gainsay export --audit --output ledger.jsonl     # on the old ledger
        gainsay restore ledger.jsonl                     # into the new, empty one
      """)
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "The export (JSON Lines), or - for standard input.") var file: String

  func run() async throws {
    let data: Data
    if file == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      guard let contents = FileManager.default.contents(atPath: file) else {
        throw CLIError(code: .notFound, message: "cannot read \(file)")
      }
      data = contents
    }
    let parsed = JSONLinesImport.parse(data)
    if let (line, problem) = parsed.errors.first {
      throw CLIError(code: .invalidArgument, message: "\(file) line \(line): \(problem); nothing restored")
    }
    guard !parsed.records.isEmpty else {
      throw CLIError(code: .invalidArgument, message: "\(file) holds no records; nothing restored")
    }
    var options = connection
    options.timeout = max(connection.timeout, 3600)
    try await options.run { session in
      var begin = BeginImportRequest()
      begin.restore = true
      begin.origin = file == "-" ? "standard input" : (file as NSString).lastPathComponent
      let importID = try await session.call(LedgerService.beginImport, begin).importID
      for chunk in ImportChunks.split(parsed.records, maximumCount: 1_000) {
        var request = ImportRecordsRequest()
        request.importID = importID
        request.records = chunk
        let response = try await session.call(LedgerService.importRecords, request)
        if let bad = response.outcomes.first(where: { $0.result == .rejected }) {
          throw CLIError(code: .invalidArgument, message: "\(file) line \(bad.line): \(bad.error); nothing restored")
        }
      }
      var finish = FinishImportRequest()
      finish.importID = importID
      finish.commit = true
      let summary = try await session.call(LedgerService.finishImport, finish)
      if connection.json {
        return Output.line(
          JSONValue.object([("restored", .integer(summary.created)), ("committed", .bool(summary.committed))])
            .serialized())
      }
      Output.line("restored \(summary.created) records from \(file)")
    }
  }
}
