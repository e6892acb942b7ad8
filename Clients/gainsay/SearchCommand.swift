import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay search QUERY`.
struct SearchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "search",
    abstract: "Search claims, speakers and sources, best match first.",
    discussion: """
      Type words as you would say them, in Russian or English: every form of a word matches \
      (Россия finds "Россией", sanction finds "sanctions"), case, ё and accents do not matter, and \
      a speaker's name matches in any script or common spelling (Кадыров, Kadyrov, Kadirov), with \
      that speaker's claims first. "Exact phrases" match the words as written; prefix* matches \
      words beginning so; OR between words takes either. A negation in the query (не, not, \
      don't, never…) ranks the hits that share it first; a hit that lacks it, or that negates what \
      the query states, is marked. A search that finds nothing suggests the closest words and \
      speaker names. Claims show who said them. At most \(maximumLimit) results (--limit). See \
      docs/SEARCH.md.

      EXAMPLES:
        gainsay search '"no gays" OR propaganda'
        gainsay search 'санкции не работают'
        gainsay search 'detain*' --type source --limit 100
        gainsay search gays --speaker 'Ramzan Kadyrov'
      """)
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "What to look for.") var query: String
  @Option(help: "At most this many results.") var limit = 20
  @Option(help: "Only claim, speaker or source (repeatable).") var type: [String] = []
  @Option(help: "Only this speaker's claims (id, name or alias).") var speaker: String?

  /// The most results the daemon returns for one search (`SearchRequest.limit`).
  static let maximumLimit = 1_000

  func validate() throws {
    guard limit > 0 else { throw ValidationError("--limit must be positive") }
    guard limit <= Self.maximumLimit else {
      throw ValidationError(
        "--limit \(limit) is over the most gainsayd returns, \(Self.maximumLimit): give --limit \(Self.maximumLimit) "
          + "or less and narrow the query (--type, --speaker)")
    }
  }

  func run() async throws {
    let types = try type.map { name -> ResourceType in
      switch name.lowercased() {
      case "claim": .claim
      case "speaker": .speaker
      case "source": .source
      default: throw ValidationError("--type: \"\(name)\" is not claim, speaker or source")
      }
    }
    try await connection.run { session in
      var request = SearchRequest()
      request.query = query
      request.limit = Int32(limit)
      request.resourceTypes = types
      if let speaker { request.speakerID = try await session.speakerID(speaker) }
      var found = 0
      for try await hit in session.stream(LedgerService.search, request) {
        found += 1
        if connection.json {
          Output.json(hit)
          continue
        }
        let kind = hit.resourceType.protoName.replacingOccurrences(of: "RESOURCE_TYPE_", with: "").lowercased()
        Output.line(
          "\(Output.dim(kind.padding(toLength: 7, withPad: " ", startingAt: 0))) \(hit.resourceID)  "
            + Self.speaker(of: hit) + Self.marked(hit) + Self.negationNote(hit))
      }
      if found == 0 {
        var suggest = SuggestSearchRequest()
        suggest.query = query
        let suggestion = try await session.call(LedgerService.suggestSearch, suggest)
        for line in Self.didYouMean(query, suggestion) { Output.error(line) }
      }
    }
  }

  /// What a search that found nothing may have meant, for stderr: the query with its words corrected,
  /// and the speakers whose names are closest.
  static func didYouMean(_ query: String, _ suggestion: SuggestSearchResponse) -> [String] {
    /// Single-quoted for a POSIX shell (an apostrophe as `'\''`); `--` first when it starts with a dash.
    func quoted(_ text: String) -> String {
      (text.hasPrefix("-") ? "-- " : "") + "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
    var lines = ["nothing matches \(quoted(query))"]
    if !suggestion.query.isEmpty {
      lines.append("did you mean: gainsay search \(quoted(suggestion.query))")
    }
    for word in suggestion.words where word.alternatives.count > 1 {
      lines.append(
        "  \(Output.visible(word.word)): \(word.alternatives.map { Output.visible($0) }.joined(separator: ", "))")
    }
    if !suggestion.speakers.isEmpty {
      lines.append(
        "speakers with a name like it: "
          + suggestion.speakers.map { "\(Output.visible($0.name)) (\($0.id))" }.joined(separator: ", "))
    }
    return lines
  }

  /// A note after a hit whose negation disagrees with the query's.
  static func negationNote(_ hit: SearchHit) -> String {
    switch hit.negationMismatch {
    case .missing: "  " + Output.dim("[lacks the query's negation]")
    case .added: "  " + Output.dim("[negated]")
    default: ""
    }
  }

  /// `Name: ` for a claim's speaker, shown as ``Output/visible(_:keepingLineBreaks:)``: the name the
  /// daemon sends with the claim, or the speaker's id from a daemon that does not send it yet.
  static func speaker(of hit: SearchHit) -> String {
    guard case .claim(let claim)? = hit.resource?.kind else { return "" }
    let name = claim.speakerLabel
    return name.isEmpty ? "" : Output.visible(name.replacingOccurrences(of: "\n", with: " ")) + ": "
  }

  /// The snippet on one line with its matches in bold on a terminal, its text shown as
  /// ``Output/visible(_:keepingLineBreaks:)``.
  static func marked(_ hit: SearchHit) -> String {
    func flat(_ text: String) -> String { Output.visible(text.replacingOccurrences(of: "\n", with: " ")) }
    guard Output.colour else { return flat(hit.snippet) }
    let bytes = Array(hit.snippet.utf8)
    var out = ""
    var position = 0
    for span in hit.highlights
    where Int(span.start) >= position && span.start <= span.end && Int(span.end) <= bytes.count {
      out += flat(String(decoding: bytes[position..<Int(span.start)], as: UTF8.self))
      out += Output.bold(flat(String(decoding: bytes[Int(span.start)..<Int(span.end)], as: UTF8.self)))
      position = Int(span.end)
    }
    return out + flat(String(decoding: bytes[position...], as: UTF8.self))
  }
}

/// `gainsay watch`.
struct WatchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "watch", abstract: "Print changes to the ledger as they happen, until interrupted.",
    discussion: """
      Each change is one line (with --json, one JSON object) as soon as the daemon commits it: sequence \
      number, time, who, what. With --after, the changes since that sequence number come first, so a \
      script that stopped can pick up where it left off.

      With --confirm-subscription the first line says the watch is in place (text: "subscribed after \
      sequence N"; JSON: {"sequence": "N", "subscribed": true}): every change committed after that line \
      is printed, so a script can wait for it before it makes the change it wants to see.

      EXAMPLES:
        gainsay watch --type claim --type verdict
        gainsay --json watch --after 1200 | jq .resourceId
        gainsay --json watch --confirm-subscription | head -n 2
      """)
  @OptionGroup var connection: ConnectionOptions
  @Option(help: "Only speaker, claim, source, link or verdict changes (repeatable).") var type: [String] = []
  @Option(help: "First replay the changes after this sequence number.") var after: Int64 = 0
  @Flag(help: "First print a line once the watch is in place (after any replay).")
  var confirmSubscription = false

  func run() async throws {
    let types = try type.map { name -> ResourceType in
      switch name.lowercased() {
      case "speaker": .speaker
      case "claim": .claim
      case "source": .source
      case "link": .link
      case "verdict": .verdict
      default: throw ValidationError("--type: \"\(name)\" is not speaker, claim, source, link or verdict")
      }
    }
    var options = connection
    options.timeout = 0  // a watch has no deadline
    try await options.run { session in
      var request = WatchRequest()
      request.resourceTypes = types
      request.afterSequence = after
      request.confirmSubscription = confirmSubscription
      for try await change in session.stream(LedgerService.watch, request) {
        if connection.json {
          Output.json(change)
        } else if change.subscribed {
          Output.line("subscribed after sequence \(change.sequence)")
        } else {
          let kind = change.resourceType.protoName.replacingOccurrences(of: "RESOURCE_TYPE_", with: "").lowercased()
          let action = change.action.protoName.replacingOccurrences(of: "AUDIT_ACTION_", with: "").lowercased()
          Output.line(
            "\(change.sequence)  \(Output.time(change.time))  \(change.actor?.userName ?? "")  \(action) \(kind) \(change.resourceID)"
          )
        }
      }
    }
  }
}
