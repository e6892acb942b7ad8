import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay suggest CLAIM`.
struct SuggestCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "suggest",
    abstract: "Sources whose archived text most likely addresses a claim, with the passage to quote.")
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "The claim.") var claim: String
  @Option(help: "At most this many suggestions.") var limit = 10

  func run() async throws {
    guard limit > 0 else { throw ValidationError("--limit must be positive") }
    try await connection.run { session in
      var request = SuggestEvidenceRequest()
      request.claimID = claim
      request.limit = Int32(limit)
      var any = false
      for try await suggestion in session.stream(LedgerService.suggestEvidence, request) {
        any = true
        if connection.json {
          Output.json(suggestion)
          continue
        }
        let source = suggestion.source ?? Source()
        Output.line("\(Output.bold(source.id))  \(source.outlet): \(source.title)")
        if let passage = suggestion.passage, !passage.exact.isEmpty {
          Output.line("    “\(passage.exact)”")
          let quoted = passage.exact.replacingOccurrences(of: "'", with: "'\\''")
          Output.line(Output.dim("    gainsay link \(claim) \(source.id) --relation contradicts --quote '\(quoted)'"))
        }
      }
      if !any && !connection.json { Output.error("gainsay: no source in the ledger seems to address \(claim)") }
    }
  }
}

/// `gainsay export`.
struct ExportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract:
      "Everything in the ledger as JSON Lines: speakers, sources with archived text, claims with revisions, links, verdicts.",
    discussion: "One LedgerRecord per line in the proto3 JSON mapping, e.g. {\"speaker\": {…}}.")
  @OptionGroup var connection: ConnectionOptions
  @Flag(help: "Include the audit log.") var audit = false
  @Option(help: "Write to this file instead of standard output.") var output: String?

  func run() async throws {
    var options = connection
    options.timeout = max(connection.timeout, 600)
    try await options.run { session in
      var request = ExportRequest()
      request.includeAuditEvents = audit
      var lines: [String] = []
      var count = 0
      for try await record in session.stream(LedgerService.export, request) {
        count += 1
        if output == nil {
          Output.line(record.jsonValue.serialized())
        } else {
          lines.append(record.jsonValue.serialized())
        }
      }
      if let output {
        let text = lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        do {
          try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
          throw CLIError(code: .unavailable, message: "cannot write \(output): \(error.localizedDescription)")
        }
        Output.error("gainsay: exported \(count) records to \(output)")
      }
    }
  }
}

/// `gainsay backup PATH`.
struct BackupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Have the daemon write a consistent copy of the ledger to PATH while it keeps serving (admin).",
    discussion: "PATH is on the daemon's machine, absolute, and must not exist. See docs/OPERATIONS.md to restore.")
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "Where the copy goes.") var path: String

  func run() async throws {
    let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    var options = connection
    options.timeout = max(connection.timeout, 3600)
    try await options.run { session in
      var request = BackupRequest()
      request.path = absolute
      let response = try await session.call(LedgerService.backup, request)
      if connection.json { return Output.json(response) }
      Output.line("\(response.path)  \(response.sizeBytes) bytes, audit log up to \(response.lastSequence)")
    }
  }
}
