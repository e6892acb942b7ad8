/// "Did you mean" for a mistyped command: `gainsay claims list` answers
/// ``unknown command "claims"; did you mean `gainsay claim list`?`` (exit 64), at any level of the tree.
///
/// Candidates are the subcommand names (and aliases) of the command the path stopped at, matched by
/// Damerau-Levenshtein distance with a threshold scaled to the word's length, or by prefix. A command with
/// a default subcommand takes positional arguments directly (`gainsay link CLAIM SOURCE`), so there a word
/// is only questioned when it is close to a subcommand's name and does not look like an id (`clm_…`).
enum CommandSuggestions {
  /// Throws a ``UsageProblem`` when the word after the command path is not a command.
  static func check(_ scan: GlobalOptions.Scan) throws {
    guard let word = scan.stopWord, !scan.node.children.isEmpty else { return }
    if scan.path.isEmpty && word == "help" { return }  // argument-parser's own `gainsay help COMMAND`
    let matches = closest(word, among: scan.node.children)
    if scan.node.defaultChild != nil && (matches.isEmpty || looksLikeID(word)) { return }
    let prefix = (["gainsay"] + scan.path).joined(separator: " ")
    guard !matches.isEmpty else {
      let names = scan.node.children.filter(\.isVisible).map(\.name)
      if scan.path.isEmpty {
        throw UsageProblem("unknown command \"\(word)\"; see `gainsay --help` for the commands")
      }
      throw UsageProblem("unknown command \"\(word)\"; `\(prefix)` has \(names.joined(separator: ", "))")
    }
    let suggestions = matches.prefix(3).map { "`\(prefix) \(completed($0, rest: scan.rest))`" }
    throw UsageProblem(
      "unknown command \"\(word)\"; did you mean \(suggestions.joined(separator: " or "))?")
  }

  /// The command's name followed by the rest of the command words, each corrected when close.
  static func completed(_ node: CommandTree, rest: ArraySlice<String>) -> String {
    var words = [node.name]
    var current = node
    for word in rest {
      guard !word.hasPrefix("-"), !current.children.isEmpty else { break }
      if let exact = current.child(named: word) {
        current = exact
      } else if let close = closest(word, among: current.children).first, !looksLikeID(word) {
        current = close
      } else {
        break
      }
      words.append(current.name)
    }
    return words.joined(separator: " ")
  }

  /// The visible commands whose name or alias is close to `word`, closest first.
  static func closest(_ word: String, among commands: [CommandTree]) -> [CommandTree] {
    let lower = word.lowercased()
    var scored: [(CommandTree, Int)] = []
    for command in commands where command.isVisible {
      let best = command.names.map { score(lower, $0.lowercased()) }.min() ?? Int.max
      if best != Int.max { scored.append((command, best)) }
    }
    return scored.sorted { $0.1 < $1.1 }.map(\.0)
  }

  /// A distance when `word` could be a mistyping of `name`, else `Int.max`. A prefix either way
  /// (`hist`, `claims`) counts as close; otherwise the edit distance must be within about a third of
  /// the word's length.
  static func score(_ word: String, _ name: String) -> Int {
    let distance = damerauLevenshtein(word, name)
    let threshold = max(1, min(3, (max(word.count, name.count) + 1) / 3))
    if distance <= threshold { return distance }
    if word.count >= 2 && name.hasPrefix(word) { return threshold + 1 }
    if name.count >= 3 && word.hasPrefix(name) && word.count - name.count <= 2 { return threshold + 1 }
    return Int.max
  }

  /// Whether `word` looks like a resource id (`clm_2b7…`, `src_…`) rather than a command.
  static func looksLikeID(_ word: String) -> Bool {
    guard let underscore = word.firstIndex(of: "_") else { return false }
    let kind = word[..<underscore]
    return (2...5).contains(kind.count) && kind.allSatisfy(\.isLetter) && word.index(after: underscore) < word.endIndex
  }

  /// The optimal-string-alignment Damerau-Levenshtein distance: insertions, deletions, substitutions
  /// and transpositions of neighbours each count 1.
  static func damerauLevenshtein(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { table[i][0] = i }
    for j in 0...b.count { table[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
        }
      }
    }
    return table[a.count][b.count]
  }
}
