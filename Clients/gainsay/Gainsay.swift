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
      // Before argument-parser: a mistyped command gets a suggestion, and global options given before
      // the command (`gainsay --json claim list`) move to where the command takes them.
      let scan = try GlobalOptions.scan(Array(CommandLine.arguments.dropFirst()))
      try CommandSuggestions.check(scan)
      var command = try parseAsRoot(try GlobalOptions.rewrite(scan))
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch let problem as UsageProblem {
      Output.error(problem.description)
      Glibc.exit(ExitCode.validationFailure.rawValue)
    } catch let error as CLIError {
      // Thrown before a connection was made (e.g. a file refused): one line and 64 + status, as always.
      Output.error(error.description)
      Glibc.exit(error.exitCode.rawValue)
    } catch {
      // As exit(withError:), with the USAGE synopsis wrapped to the terminal (argument-parser does not).
      let code = exitCode(for: error)
      let message = HelpText.wrappingUsage(fullMessage(for: error), width: HelpText.terminalWidth)
      if !message.isEmpty {
        if code == .success { print(message) } else { Output.error(message + "\n", newline: false) }
      }
      Glibc.exit(code.rawValue)
    }
  }

  static let configuration = CommandConfiguration(
    commandName: "gainsay",
    abstract: "Log what officials say and the reporting that contradicts it.",
    discussion: """
      Talks to gainsayd over its Unix socket. Commands that create something print just the new id, so `id=$(gainsay claim add …)` works. --json prints JSON (one object, or JSON Lines for lists and streams); --json, --socket and --timeout may come before or after the command. Errors go to standard error as one line; the exit status is 64 + the gRPC status code (69 NOT_FOUND, 71 PERMISSION_DENIED, 78 UNAVAILABLE when gainsayd is not running).

      EXAMPLES:
        # A claim, the reporting that contradicts it, and a verdict:
        gainsay speaker add 'Ramzan Kadyrov' --role 'Head of the Chechen Republic'
        gainsay claim add "We don't have any gays" --speaker 'Ramzan Kadyrov' \\
          --said 2017-07 --context 'HBO interview'
        gainsay source add --title 'Detentions in Chechnya' \\
          --outlet 'Novaya Gazeta' --published 2017-04-01 --text-file report.txt
        gainsay suggest CLAIM
        gainsay link CLAIM SOURCE --relation contradicts --quote 'a hundred men'
        gainsay verdict CLAIM --rating false --explanation 'Detentions documented'
        # Corrections keep the record, each with who, when and why:
        gainsay claim edit CLAIM --said 2017-07-14 --reason 'exact broadcast date'
        gainsay link list --claim CLAIM
        gainsay link withdraw LINK --reason 'the passage was misread'
        gainsay verdict withdraw VERDICT --reason 'rated before the evidence'
        gainsay source update SOURCE --text-file fixed.txt --reason 'pasted badly' \\
          --withdraw-broken-links
        gainsay speaker rename SPEAKER 'Ramzan Akhmadovich Kadyrov' --reason 'full'
        gainsay speaker merge DUPLICATE SPEAKER --reason 'entered twice'
        gainsay history CLAIM
        # Reading and sharing:
        gainsay --json claim list --contradicted
        gainsay search '"no gays" OR propaganda'
        gainsay report --speaker 'Ramzan Kadyrov' --format html --output report.html
      """,
    version: "0.1.0",
    subcommands: [
      Status.self, SpeakerCommand.self, ClaimCommand.self, SourceCommand.self, LinkCommand.self, VerdictCommand.self,
      SearchCommand.self, HistoryCommand.self, WatchCommand.self, ReportCommand.self, SuggestCommand.self,
      ImportCommand.self, ExportCommand.self, BackupCommand.self, RestoreCommand.self, CheckCommand.self, Describe.self,
      RelayCommand.self,
    ]
  )
}
