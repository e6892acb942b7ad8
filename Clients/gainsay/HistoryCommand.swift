import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay history ID`.
struct HistoryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history", abstract: "Every change to a speaker, claim, source, link or verdict: who, when, why.")
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "The resource's id.") var id: String

  func run() async throws {
    try await connection.run { session in
      var request = ListAuditEventsRequest()
      request.resourceID = id
      // The daemon answers a page at a time (at most 10,000 events): read on until a page is short.
      request.limit = 10_000
      var rows: [[String]] = []
      var received = 0
      repeat {
        received = 0
        for try await event in session.stream(LedgerService.listAuditEvents, request) {
          received += 1
          request.afterSequence = event.sequence
          if connection.json {
            Output.json(event)
          } else {
            rows.append([
              String(event.sequence), Output.time(event.time), event.actor?.userName ?? "",
              event.action.protoName.replacingOccurrences(of: "AUDIT_ACTION_", with: "").lowercased(),
              event.method.split(separator: "/").last.map(String.init) ?? "", event.reason,
            ])
          }
        }
      } while received == Int(request.limit)
      if !connection.json {
        guard !rows.isEmpty else { throw CLIError(code: .notFound, message: "no history for \"\(id)\"") }
        Output.table(["SEQ", "TIME", "USER", "ACTION", "METHOD", "REASON"], rows)
      }
    }
  }
}
