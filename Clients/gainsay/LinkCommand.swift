import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay link [add] CLAIM TARGET --relation …`, `link withdraw|list|show`.
struct LinkCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "link",
    abstract: "Link claims to the evidence: add, withdraw, list and show links.",
    discussion: """
      A link says how a claim relates to a source (a report, a document) or to another claim, with the exact passage that is the evidence. Without a subcommand, `gainsay link CLAIM TARGET …` adds a link, as `gainsay link add` does.

      EXAMPLES:
        gainsay link clm_1 src_2 --relation contradicts --quote 'detained'
        gainsay link list --claim clm_1 --withdrawn
        gainsay link withdraw lnk_3 --reason 'quote from the wrong report'
      """,
    subcommands: [Add.self, Withdraw.self, List.self, Show.self],
    defaultSubcommand: Add.self)

  /// `gainsay link add CLAIM TARGET --relation …`.
  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Link a claim to a source or another claim; prints the new link's id.",
      discussion: """
        When the source has archived text, the quote must occur in it verbatim (line breaks and curly quotes included); if it occurs more than once, --occurrence picks which one, or --prefix and --suffix tell them apart. A contradicts or supports link to a source with archived text needs a quote unless you pass --no-quote. If the quote is not found, the error shows the closest passage and a command to use it.

        EXAMPLES:
          gainsay link add clm_1 src_2 --relation contradicts \\
            --quote 'more than a hundred men'
          gainsay link add clm_1 src_2 --relation supports --quote 'Putin' \\
            --occurrence 2
          gainsay link add clm_1 src_2 --relation contradicts --no-quote
          gainsay link add clm_1 clm_4 --relation repeats
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The claim.") var claim: String
    @Argument(help: "A source id (src_…) or another claim's id (clm_…).") var target: String
    @Option(help: "contradicts, supports, context or repeats.") var relation: String
    @Option(help: "The exact evidence passage.") var quote = ""
    @Option(help: "A few characters just before the passage, to tell repeats apart.") var prefix = ""
    @Option(help: "A few characters just after the passage.") var suffix = ""
    @Option(help: "Which occurrence of the passage (1 is the first) when it occurs more than once.")
    var occurrence: Int?
    @Flag(help: "Link without quoting the source (marked \"unquoted\" in reports).") var noQuote = false
    @Option(help: "Your note on the link.") var note = ""

    func validate() throws {
      if let occurrence, occurrence < 1 { throw ValidationError("--occurrence must be 1 or more") }
      if noQuote && !quote.isEmpty { throw ValidationError("--no-quote and --quote: give one of them") }
      if occurrence != nil && quote.isEmpty { throw ValidationError("--occurrence needs --quote") }
    }

    func run() async throws {
      let relationValue = try parseRelation(relation)
      try await connection.run { session in
        var link = Link()
        link.claimID = claim
        if target.hasPrefix("src_") {
          link.target = .sourceID(target)
        } else if target.hasPrefix("clm_") {
          link.target = .targetClaimID(target)
        } else {
          throw CLIError(
            code: .invalidArgument, message: "target: \"\(target)\" is neither a source (src_…) nor a claim (clm_…)")
        }
        link.relation = relationValue
        if !quote.isEmpty || !prefix.isEmpty || !suffix.isEmpty {
          var text = TextQuote()
          text.exact = quote
          text.prefix = prefix
          text.suffix = suffix
          link.quote = text
        }
        link.note = note
        var request = CreateLinkRequest()
        request.link = link
        request.occurrence = Int32(occurrence ?? 0)
        request.unquoted = noQuote
        let created = try await session.call(LedgerService.createLink, request)
        if created.unverified && !connection.json {
          Output.error("gainsay: note: the source has no archived text, so the quote is unverified")
        }
        if connection.json { Output.json(created) } else { Output.line(created.id) }
      }
    }
  }

  /// `gainsay link withdraw LINK --reason …`.
  struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Withdraw a link given in error; it is kept, with the reason, in its history.",
      discussion: """
        A withdrawn link no longer counts as evidence (reports and evidence counts leave it out) but `gainsay link list --withdrawn` and `gainsay history` still show it.

        EXAMPLES:
          gainsay link withdraw lnk_3 --reason 'the passage is about 2016'
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The link's id (lnk_…).") var link: String
    @Option(help: "Why (required; kept in the audit log).") var reason: String

    func validate() throws { try requireReason(reason) }

    func run() async throws {
      try await connection.run { session in
        var request = WithdrawLinkRequest()
        request.id = link
        request.reason = reason
        let withdrawn = try await session.call(LedgerService.withdrawLink, request)
        if connection.json { Output.json(withdrawn) } else { Output.line(withdrawn.id) }
      }
    }
  }

  /// `gainsay link list --claim C | --source S`.
  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the links of a claim or a source.",
      discussion: """
        A claim's links are those from it and those to it from other claims. SPEAKER is the speaker of the claim each link is from. QUOTE shows [unquoted] for a contradicts or supports link without a quote and [unverified] when the source had no archived text to check the quote against. --json prints one Link object per line (JSON Lines), with one key added: speakerName.

        EXAMPLES:
          gainsay link list --claim clm_1
          gainsay link list --source src_2 --withdrawn --json
        """)
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Links from or to this claim.") var claim: String?
    @Option(help: "Links to this source.") var source: String?
    @Flag(help: "Include withdrawn links.") var withdrawn = false

    func validate() throws {
      guard claim != nil || source != nil else { throw ValidationError("give --claim CLAIM or --source SOURCE") }
    }

    func run() async throws {
      try await connection.run { session in
        var request = ListLinksRequest()
        request.claimID = claim ?? ""
        request.sourceID = source ?? ""
        request.includeWithdrawn = withdrawn
        let evidence = try await session.evidence(
          try await session.allLinks(request), seenFrom: claim ?? "", withClaims: true)
        if connection.json {
          for item in evidence { Output.json(item.link, adding: [("speakerName", .string(item.speakerName))]) }
          return
        }
        Output.table(
          ["ID", "RELATION", "STATE", "CLAIM", "SPEAKER", "TARGET", "QUOTE"],
          evidence.map { item in
            [
              item.link.id, item.link.relation.word, item.stateWord, item.link.claimID,
              Output.short(item.speakerName, 32), Output.short(item.targetDescription, 40), item.quoteCell,
            ]
          })
      }
    }
  }

  /// `gainsay link show LINK`.
  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a link: its claim, target, quote and state.",
      discussion: """
        EXAMPLES:
          gainsay link show lnk_3
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The link's id (lnk_…).") var link: String

    func run() async throws {
      try await connection.run { session in
        var request = GetLinkRequest()
        request.id = link
        let found = try await session.call(LedgerService.getLink, request)
        if connection.json { return Output.json(found) }
        guard let item = try await session.evidence([found], seenFrom: found.claimID).first else { return }
        let quote = found.quote ?? TextQuote()
        let position = quote.end > quote.start ? "code points \(quote.start)–\(quote.end)" : ""
        Output.record([
          ("id", found.id), ("claim", found.claimID), ("relation", found.relation.word),
          ("target", item.targetDescription + (item.source.map { $0.url.isEmpty ? "" : " <\($0.url)>" } ?? "")),
          ("quote", item.isUnquoted ? (item.quoteCell.isEmpty ? "" : item.quoteCell) : "“\(quote.exact)”"),
          ("prefix", quote.prefix), ("suffix", quote.suffix), ("position", position),
          ("unverified", found.unverified ? Output.unverified : ""), ("note", found.note),
          ("state", item.isActive ? "active" : Output.red("withdrawn: \(found.withdrawalReason)")),
          ("by", found.createdBy?.userName ?? ""), ("added", Output.time(found.createTime)),
        ])
      }
    }
  }
}

/// A relation from its word: contradicts, supports, context or repeats.
func parseRelation(_ text: String) throws -> Relation {
  switch text.lowercased() {
  case "contradicts": .contradicts
  case "supports": .supports
  case "context": .context
  case "repeats": .repeats
  default: throw ValidationError("--relation: \"\(text)\" is not contradicts, supports, context or repeats")
  }
}

/// Refuses an empty or blank `--reason` before anything is sent.
func requireReason(_ reason: String) throws {
  if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
    throw ValidationError("--reason is empty: say why, e.g. --reason 'quote from the wrong report'")
  }
}

/// `--if-revision N`: a revision is 1 or more (`show` and `--json` print it).
func requireRevision(_ revision: Int32?) throws {
  if let revision, revision < 1 {
    throw ValidationError("--if-revision \(revision): give the revision you read (1 or more; `show` prints it)")
  }
}
