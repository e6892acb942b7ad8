import ArgumentParser
import Foundation
import Glibc

/// `gainsay`: the journalists' command-line client.
@main
struct Gainsay: AsyncParsableCommand {
  static func main() async {
    // A closed pipe is reported by write(2) as EPIPE, which Output handles, rather than killing us.
    signal(SIGPIPE, SIG_IGN)
    do {
      var command = try parseAsRoot()
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch let error as CLIError {
      // Thrown before a connection was made (e.g. a file refused): one line and 64 + status, as always.
      Output.error(error.description)
      Glibc.exit(error.exitCode.rawValue)
    } catch {
      exit(withError: error)
    }
  }

  static let configuration = CommandConfiguration(
    commandName: "gainsay",
    abstract: "Log what officials say and the reporting that contradicts it.",
    discussion: """
      Talks to gainsayd over its Unix socket. Commands that create something print just the new id,
      so `id=$(gainsay claim add …)` works; --json prints JSON (one object, or JSON Lines for lists and
      streams). Errors go to standard error as one line; the exit status is 64 + the gRPC status code
      (69 NOT_FOUND, 71 PERMISSION_DENIED, 78 UNAVAILABLE when gainsayd is not running).
      """,
    version: "0.1.0",
    subcommands: [
      Status.self, SpeakerCommand.self, ClaimCommand.self, SourceCommand.self, LinkCommand.self, VerdictCommand.self,
      SearchCommand.self, HistoryCommand.self, WatchCommand.self, ReportCommand.self, SuggestCommand.self,
      ImportCommand.self, ExportCommand.self, BackupCommand.self, RestoreCommand.self, Describe.self,
    ]
  )
}
