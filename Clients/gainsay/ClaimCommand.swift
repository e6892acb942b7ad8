import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay claim add|show|list|edit|retract`.
struct ClaimCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "claim", abstract: "What officials said, verbatim.",
    discussion: """
      A claim is corrected with `gainsay claim edit` (each change kept as a revision with its reason) or withdrawn from the record with `gainsay claim retract`; `gainsay history CLAIM` shows every change, with those of its links and verdicts.

      EXAMPLES:
        gainsay claim add "We don't have any gays" --speaker Kadyrov --said 2017-07
        gainsay claim show clm_1 --json
        gainsay claim list --speaker 'Ramzan Kadyrov'
      """,
    subcommands: [Add.self, Show.self, List.self, Edit.self, Retract.self])

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Log a claim; prints the new id.",
      discussion: """
        Claims already logged with the same or nearly the same words (of any speaker) are named in a note on standard error: the daemon searches for near repeats just after the claim is stored, and `claim add` waits up to 200 ms for that search (`gainsay claim show` lists what it found later).

        --speaker takes an id, a name or an alias; a close misspelling of one speaker's name is taken to mean them, with a note. --add-speaker adds the speaker when nobody has that name, but refuses (exit 70) when someone has a close name, in case it is a misspelling: pass their id, or --new to add the new speaker anyway.

        EXAMPLES:
          gainsay claim add "We don't have any gays" --speaker Kadyrov \\
            --said 2017-07 --context 'HBO interview'
          gainsay claim add - --speaker 'Alvi Karimov' --add-speaker --said 2017 <q.txt
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The verbatim quote, or - to read it from standard input.") var text: String
    @Option(help: "Who said it: an id, exact name or alias.") var speaker: String
    @Option(help: "When: YYYY, YYYY-MM or YYYY-MM-DD.") var said: String
    @Option(help: "Where and how it was said.") var context = ""
    @Option(help: "Where it appeared (repeatable; first appearance first).") var url: [String] = []
    @Option(help: "A topic (repeatable).") var topic: [String] = []
    @Option(help: "Language of the quote, e.g. en or ru.") var lang = ""
    @Option(help: "sourced, disputed or misattributed.") var attribution: String?
    @Option(help: "The claim's id in the data it came from, e.g. 2635.json.") var externalID = ""
    @Flag(help: "Add the speaker first if no speaker has that name or alias.") var addSpeaker = false
    @Flag(help: "With --add-speaker: add them even if their name is close to an existing speaker's.")
    var new = false

    func validate() throws {
      if new && !addSpeaker { throw ValidationError("--new goes with --add-speaker") }
    }

    func run() async throws {
      let date = try parseDate(said, option: "--said")
      let quote = try readArgument(text)
      let attributionStatus = try attribution.map(parseAttribution)
      try await connection.run { session in
        var claim = Claim()
        claim.text = quote
        claim.speakerID =
          try await addSpeaker
          ? session.speakerIDAddingIfMissing(speaker, allowingNew: new) : session.speakerID(speaker, addable: true)
        claim.saidOn = date
        claim.context = context
        claim.appearanceUrls = url
        claim.topics = topic
        claim.language = lang
        claim.attribution = attributionStatus ?? .unspecified
        claim.externalID = externalID
        var request = CreateClaimRequest()
        request.claim = claim
        let response = try await session.call(LedgerService.createClaim, request)
        let id = response.claim?.id ?? ""
        var similar = response.similarClaims
        // Near repeats are searched for after the reply: wait briefly for them, so a person sees the note.
        var repeats = ListClaimRepeatsRequest()
        repeats.claimID = id
        repeats.waitMs = 200
        if let found = try? await session.call(LedgerService.listClaimRepeats, repeats) {
          let known = Set(similar.compactMap { $0.claim?.id })
          similar += found.similarClaims.filter { !known.contains($0.claim?.id ?? "") }
        }
        for entry in similar {
          Output.error(
            "gainsay: note: already logged as \(entry.claim?.id ?? "?") (\(Output.similar(entry.similarity))); "
              + "consider: gainsay link \(id) \(entry.claim?.id ?? "") --relation repeats")
        }
        if connection.json { Output.json(response.claim ?? Claim()) } else { Output.line(response.claim?.id ?? "") }
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List claims, newest statement first.",
      discussion: """
        --json prints one Claim object per line (JSON Lines), with the speaker's current name in speakerName.

        EXAMPLES:
          gainsay claim list --speaker Kadyrov --contradicted
          gainsay claim list --since 2017 --until 2017-06 --json
        """)
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this speaker's claims (id, name or alias).") var speaker: String?
    @Option(help: "Only claims with this topic.") var topic = ""
    @Option(help: "Said on or after (YYYY, YYYY-MM or YYYY-MM-DD).") var since: String?
    @Option(help: "Said on or before.") var until: String?
    @Flag(help: "Only claims with contradicting evidence.") var contradicted = false
    @Flag(help: "Retracted claims instead of active ones.") var retracted = false
    @Option(help: "At most this many claims.") var limit: Int?

    func run() async throws {
      if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
      let from = try since.map { try parseDate($0, option: "--since") }
      let to = try until.map { try parseDate($0, option: "--until") }
      try await connection.run { session in
        var request = ListClaimsRequest()
        if let speaker { request.speakerID = try await session.speakerID(speaker) }
        request.topic = topic
        request.saidFrom = from
        request.saidUntil = to
        request.hasContradictingEvidence = contradicted
        request.state = retracted ? .retracted : .active
        request.pageSize = Int32(min(limit ?? 1000, 1000))
        var claims: [Claim] = []
        repeat {
          let page = try await session.call(LedgerService.listClaims, request)
          claims += page.claims
          request.pageToken = page.nextPageToken
        } while !request.pageToken.isEmpty && claims.count < (limit ?? .max)
        if let limit { claims = Array(claims.prefix(limit)) }
        if connection.json { return claims.forEach { Output.json($0) } }
        Output.table(
          ["ID", "SAID", "SPEAKER", "CONTRA", "RATING", "QUOTE"],
          claims.map { claim in
            [
              claim.id, claim.saidOn?.iso ?? "",
              Output.short(claim.speakerLabel, 24),
              String(claim.evidence?.contradicting ?? 0), claim.latestRating, Output.short(claim.text),
            ]
          })
      }
    }
  }

  struct Edit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Correct a claim; the previous version is kept as a revision.",
      discussion: """
        Only the options given change. `gainsay history CLAIM` shows each correction field by field with its reason.

        --if-revision N makes the edit apply only to revision N, the one you read (`gainsay claim show` prints it): if anyone changed the claim since, nothing changes and the error names both revisions (exit 73).

        EXAMPLES:
          gainsay claim edit clm_1 --said 2017-07-14 --reason 'date of the broadcast'
          gainsay claim edit clm_1 --context 'HBO, July 2017' --if-revision 2 \\
            --reason 'programme named'
          gainsay claim edit clm_1 --speaker 'Ramzan Kadyrov' --reason 'misattributed'
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The claim's id.") var id: String
    @Option(help: "Why (required; kept with the revision).") var reason: String
    @Option(help: "The corrected quote, or - for standard input.") var text: String?
    @Option(help: "Another speaker (id, name or alias).") var speaker: String?
    @Option(help: "When: YYYY, YYYY-MM or YYYY-MM-DD.") var said: String?
    @Option(help: "Where and how it was said.") var context: String?
    @Option(help: "Where it appeared (repeatable; replaces the list).") var url: [String] = []
    @Option(help: "A topic (repeatable; replaces the list).") var topic: [String] = []
    @Option(help: "Language of the quote.") var lang: String?
    @Option(help: "sourced, disputed or misattributed.") var attribution: String?
    @Option(help: "The claim's id in the data it came from (empty to clear).") var externalID: String?
    @Option(help: "Change only revision N, the one you read; refused if the claim changed since.")
    var ifRevision: Int32?

    func validate() throws {
      try requireReason(reason)
      try requireRevision(ifRevision)
    }

    func run() async throws {
      let date = try said.map { try parseDate($0, option: "--said") }
      let quote = try text.map(readArgument)
      let attributionStatus = try attribution.map(parseAttribution)
      try await connection.run { session in
        var claim = Claim()
        claim.id = id
        var mask = FieldMask()
        if let quote { claim.text = quote; mask.paths.append("text") }
        if let speaker {
          claim.speakerID = try await session.speakerID(speaker, guessing: false); mask.paths.append("speaker_id")
        }
        if let date { claim.saidOn = date; mask.paths.append("said_on") }
        if let context { claim.context = context; mask.paths.append("context") }
        if !url.isEmpty { claim.appearanceUrls = url; mask.paths.append("appearance_urls") }
        if !topic.isEmpty { claim.topics = topic; mask.paths.append("topics") }
        if let lang { claim.language = lang; mask.paths.append("language") }
        if let attributionStatus { claim.attribution = attributionStatus; mask.paths.append("attribution") }
        if let externalID { claim.externalID = externalID; mask.paths.append("external_id") }
        guard !mask.paths.isEmpty else {
          throw CLIError(code: .invalidArgument, message: "nothing to change: give at least one option")
        }
        var request = UpdateClaimRequest()
        request.claim = claim
        request.updateMask = mask
        request.reason = reason
        request.expectedRevision = ifRevision ?? 0
        let updated = try await session.call(LedgerService.updateClaim, request)
        if connection.json { Output.json(updated) } else { Output.line(updated.id) }
      }
    }
  }

  struct Retract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Withdraw a claim from the record; it is kept with its history.",
      discussion: """
        EXAMPLES:
          gainsay claim retract clm_1 --reason 'logged twice'
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The claim's id.") var id: String
    @Option(help: "Why (required; kept in the audit log).") var reason: String

    func validate() throws { try requireReason(reason) }

    func run() async throws {
      try await connection.run { session in
        var request = RetractClaimRequest()
        request.id = id
        request.reason = reason
        let retracted = try await session.call(LedgerService.retractClaim, request)
        if connection.json { Output.json(retracted) } else { Output.line(retracted.id) }
      }
    }
  }
}

func parseAttribution(_ text: String) throws -> AttributionStatus {
  switch text.lowercased() {
  case "sourced": .sourced
  case "disputed": .disputed
  case "misattributed": .misattributed
  default: throw ValidationError("--attribution: \"\(text)\" is not sourced, disputed or misattributed")
  }
}
