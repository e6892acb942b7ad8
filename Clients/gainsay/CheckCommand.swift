import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay check`: the full integrity check of the ledger's database, now (admin).
struct CheckCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check the ledger database's integrity now (admin; the full PRAGMA integrity_check).",
    discussion: """
      Minutes on a large ledger: raise --timeout (0 waits as long as it takes). The daemon serves \
      meanwhile. Damage found makes the ledger refuse writes until it is restored; this exits 79 \
      (DATA_LOSS) then. `gainsay status` shows the last check, and the one a daemon runs by itself \
      after an unclean stop.

      EXAMPLES:
        gainsay check --timeout 600
        gainsay --json check
      """)

  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    try await connection.run { session in
      let report = try await session.call(LedgerService.checkIntegrity, CheckIntegrityRequest())
      if connection.json {
        Output.jsonLine(IntegrityText.json(report).serialized())
      } else {
        Output.line(IntegrityText.summary(report))
        for problem in report.problems { Output.line("  \(problem)") }
      }
      if report.state == .damaged {
        throw CLIError(
          code: .dataLoss,
          message: "the ledger database is damaged: writes are refused; restore the latest backup (docs/OPERATIONS.md)")
      }
    }
  }
}

/// How the CLI words an ``IntegrityReport``.
enum IntegrityText {
  static func summary(_ report: IntegrityReport) -> String {
    let seconds = String(format: "%.1f", Double(report.durationMillis) / 1_000)
    switch report.state {
    case .sealed:
      return "ledger integrity: sealed at the last clean stop (no check needed at this start)"
    case .checking:
      return "ledger integrity: checking after an unclean stop, \(report.tablesChecked) of \(report.tablesTotal) tables (\(seconds) s so far)"
    case .checked:
      return "ledger integrity: sound (\(report.full ? "full check" : "\(report.tablesTotal) tables checked"), \(seconds) s)"
    case .damaged:
      return "ledger integrity: DAMAGED, writes refused; restore the latest backup (docs/OPERATIONS.md)"
    default:
      return "ledger integrity: not checked by the daemon (its database server checks it)"
    }
  }

  static func json(_ report: IntegrityReport) -> JSONValue {
    .object([
      ("state", .string(report.state.protoName)),
      ("tablesChecked", .integer(Int64(report.tablesChecked))),
      ("tablesTotal", .integer(Int64(report.tablesTotal))),
      ("problems", .array(report.problems.map { .string($0) })),
      ("writesRefused", .bool(report.writesRefused)),
      ("durationMillis", .integer(report.durationMillis)),
      ("full", .bool(report.full)),
    ])
  }
}
