import Foundation
import Glibc

/// How `gainsay` help text is written, so `gainsay COMMAND --help` reads cleanly at 80 columns (and in
/// the man page `Scripts/generate-cli-docs` makes).
///
/// argument-parser wraps `abstract`, `discussion` and each argument's `help` to the terminal's width
/// itself (`COLUMNS`, else the terminal, else 80): it keeps every line break it is given and breaks
/// longer lines at the last space that fits. So:
///
/// - **Prose is one unbroken line per paragraph.** Never break a sentence by hand: at any width but
///   the one it was broken for, a hand-broken line wraps mid-sentence. A multi-line string literal may
///   end a source line with `\` to continue the same output line. Separate paragraphs with a blank line.
/// - **Examples go last, in an `EXAMPLES:` section**: the line `EXAMPLES:`, then one command per line
///   indented two spaces, each under 80 columns (so never re-wrapped), a long command continued with ` \`
///   on lines indented four spaces, and `# a comment` lines to group them. Placeholders in capitals
///   (`CLAIM`, `SOURCE`, `LINK`).
/// - The abstract is one sentence; an argument's `help` is one short sentence or phrase.
///
/// ```swift
/// static let configuration = CommandConfiguration(
///   abstract: "Record a reviewed rating of a claim; prints the verdict's id.",
///   discussion: """
///     The rating must be on the newsroom's scale; see `gainsay verdict ratings`.
///
///     EXAMPLES:
///       gainsay verdict CLAIM --rating false --explanation 'Detentions are documented.'
///     """)
/// ```
///
/// argument-parser does not wrap the `USAGE:` synopsis, which lists every option; ``wrappingUsage(_:width:)``
/// wraps it (and the `Usage:` line of usage errors) when `gainsay` prints help or an error.
///
/// `Tests/shell/cli-front-tests.sh` runs `COLUMNS=80 gainsay … --help` for every command and subcommand
/// and fails on a line over 80 columns or a paragraph broken by hand.
enum HelpText {
  /// The widest help line, in columns: example lines must be shorter to stay unwrapped.
  static let width = 80

  /// The width argument-parser wraps help to: `COLUMNS`, else the terminal on standard output, else 80.
  static var terminalWidth: Int {
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 {
      return columns
    }
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return width
  }

  /// `text` with each `USAGE:` or `Usage:` line longer than `width` wrapped between options, never inside
  /// one (`[--speaker <speaker>]` stays whole), continuation lines indented under the command.
  static func wrappingUsage(_ text: String, width: Int) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      guard line.hasPrefix("USAGE: ") || line.hasPrefix("Usage: "), line.count > width else { return String(line) }
      var words: [String] = []
      var word = ""
      var depth = 0
      for character in line {
        if character == "[" || character == "<" { depth += 1 }
        if character == "]" || character == ">" { depth = max(0, depth - 1) }
        if character == " " && depth == 0 {
          words.append(word)
          word = ""
        } else {
          word.append(character)
        }
      }
      words.append(word)
      var lines: [String] = []
      var current = ""
      for word in words where !word.isEmpty {
        if current.isEmpty {
          current = word
        } else if current.count + 1 + word.count <= width {
          current += " " + word
        } else {
          lines.append(current)
          current = String(repeating: " ", count: 7) + word
        }
      }
      lines.append(current)
      return lines.joined(separator: "\n")
    }.joined(separator: "\n")
  }
}
