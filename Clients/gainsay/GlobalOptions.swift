/// Global options before the command, as git, docker and kubectl take them:
/// `gainsay --json claim list`, `gainsay --socket S status`, `gainsay --timeout=5 search x`,
/// `gainsay --host ssh://alice@newsroom claim list`.
///
/// The options live in ``ConnectionOptions``, which each command that talks to the daemon includes, so
/// argument-parser only takes them after the full command path. ``rewrite(_:)`` moves those found before
/// (or between the words of) the command path to just after it, before anything else, so a `--`
/// terminator stays after them. `--help`, `-h` and `--version` are left where they are.
enum GlobalOptions {
  /// Options that take no value.
  static let flags: Set<String> = ["--json"]
  /// Options that take a value, as `--socket V` or `--socket=V`.
  static let valued: [String] = ["--socket", "--timeout", "--host"]

  /// Where the command path ends, and the global options found on the way.
  struct Scan {
    /// The command words, e.g. `["claim", "list"]`.
    var path: [String] = []
    /// The command the path names.
    var node: CommandTree
    /// Global options (with their values) found among or before the command words, in order.
    var moved: [String] = []
    /// The first argument after the command path that is not a global option.
    var stop: Int
    /// Every argument but the program name.
    let arguments: [String]

    /// The word the path stopped at, unless it is an option or there is none.
    var stopWord: String? {
      guard stop < arguments.count, !arguments[stop].hasPrefix("-") else { return nil }
      return arguments[stop]
    }

    /// The arguments after ``stopWord``.
    var rest: ArraySlice<String> { arguments[min(stop + 1, arguments.count)...] }
  }

  /// Walks the command words from the root, taking global options (and their values) on the way, so a
  /// value that looks like a command (`--socket claim`) is never taken for one.
  static func scan(_ arguments: [String], root: CommandTree = .root) throws -> Scan {
    var scan = Scan(node: root, stop: 0, arguments: arguments)
    var index = 0
    while index < arguments.count {
      let word = arguments[index]
      if flags.contains(word) || valued.contains(where: { word.hasPrefix($0 + "=") }) {
        scan.moved.append(word)
        index += 1
      } else if valued.contains(word) {
        guard index + 1 < arguments.count else {
          throw UsageProblem("\(word) needs a value: `gainsay \(word) \(example(word)) COMMAND`")
        }
        scan.moved += [word, arguments[index + 1]]
        index += 2
      } else if let child = scan.node.child(named: word) {
        scan.path.append(word)
        scan.node = child
        index += 1
      } else {
        break
      }
    }
    scan.stop = index
    return scan
  }

  /// `arguments` with the global options of `scan` moved to just after the command path. Refuses, in one
  /// line, a command that takes no connection options.
  static func rewrite(_ scan: Scan) throws -> [String] {
    guard !scan.moved.isEmpty else { return scan.arguments }
    let remaining = scan.arguments[scan.stop...]
    let helpAsked = remaining.prefix { $0 != "--" }.contains { ["--help", "-h", "--version"].contains($0) }
    let target = scan.node.runnable
    if !helpAsked && !target.acceptsConnectionOptions {
      let option = optionName(scan.moved[0])
      let command = (["gainsay"] + scan.path).joined(separator: " ")
      if scan.path.isEmpty {
        throw UsageProblem(
          "\(option) needs a command after it, e.g. `gainsay \(option)\(valuePart(option)) claim list`")
      }
      if let child = target.children.first(where: \.runnable.acceptsConnectionOptions) {
        throw UsageProblem(
          "`\(command)` takes no \(option): name a subcommand, e.g. `\(command) \(child.name) \(option)\(valuePart(option))`"
        )
      }
      throw UsageProblem("`\(command)` takes no \(option): it does not talk to gainsayd")
    }
    return scan.path + scan.moved + remaining
  }

  /// `--socket` for `--socket=V`.
  static func optionName(_ word: String) -> String {
    String(word.split(separator: "=", maxSplits: 1).first ?? Substring(word))
  }

  private static func valuePart(_ option: String) -> String {
    valued.contains(option) ? " \(example(option))" : ""
  }

  private static func example(_ option: String) -> String {
    option == "--timeout" ? "SECONDS" : option == "--host" ? "ssh://HOST" : "PATH"
  }
}
