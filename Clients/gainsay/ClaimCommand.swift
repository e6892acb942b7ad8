import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay claim add|show|list|edit|retract`.
struct ClaimCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "claim", abstract: "What officials said, verbatim.",
    subcommands: [Add.self, Show.self, List.self, Edit.self, Retract.self])

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Log a claim; prints the new id.",
      discussion:
        "Example: gainsay claim add \"We don't have any gays\" --speaker 'Ramzan Kadyrov' --said 2017-07 --context 'HBO interview'"
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The verbatim quote, or - to read it from standard input.") var text: String
    @Option(help: "Who said it: an id, exact name or alias.") var speaker: String
    @Option(help: "When: YYYY, YYYY-MM or YYYY-MM-DD.") var said: String
    @Option(help: "Where and how it was said.") var context = ""
    @Option(help: "Where it appeared (repeatable; first appearance first).") var url: [String] = []
    @Option(help: "A topic (repeatable).") var topic: [String] = []
    @Option(help: "Language of the quote, e.g. en or ru.") var lang = ""
    @Option(help: "sourced, disputed or misattributed.") var attribution: String?
    @Flag(help: "Add the speaker first if no speaker has that name or alias.") var addSpeaker = false

    func run() async throws {
      let date = try parseDate(said, option: "--said")
      let quote = try readArgument(text)
      let attributionStatus = try attribution.map(parseAttribution)
      try await connection.run { session in
        var claim = Claim()
        claim.text = quote
        claim.speakerID =
          try await addSpeaker ? session.speakerID(speaker, creatingIfMissing: true) : session.speakerID(speaker)
        claim.saidOn = date
        claim.context = context
        claim.appearanceUrls = url
        claim.topics = topic
        claim.language = lang
        claim.attribution = attributionStatus ?? .unspecified
        var request = CreateClaimRequest()
        request.claim = claim
        let response = try await session.call(LedgerService.createClaim, request)
        for similar in response.similarClaims {
          Output.error(
            "gainsay: note: already logged as \(similar.claim?.id ?? "?") (\(Int(similar.similarity * 100))% similar); "
              + "consider: gainsay link \(response.claim?.id ?? "") \(similar.claim?.id ?? "") --relation repeats")
        }
        if connection.json { Output.json(response.claim ?? Claim()) } else { Output.line(response.claim?.id ?? "") }
      }
    }
  }

  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a claim with its evidence.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The claim's id.") var id: String

    func run() async throws {
      try await connection.run { session in
        var request = GetClaimRequest()
        request.id = id
        let claim = try await session.call(LedgerService.getClaim, request)
        if connection.json { return Output.json(claim) }
        var speaker = GetSpeakerRequest()
        speaker.id = claim.speakerID
        let who = (try? await session.call(LedgerService.getSpeaker, speaker).name) ?? claim.speakerID
        Output.line(Output.bold("“\(claim.text)”"))
        Output.record([
          ("id", claim.id), ("speaker", who), ("said", claim.saidOn?.iso ?? ""), ("context", claim.context),
          ("appeared", claim.appearanceUrls.joined(separator: " ")), ("topics", claim.topics.joined(separator: ", ")),
          ("language", claim.language),
          ("state", claim.state == .retracted ? Output.red("retracted: \(claim.retractionReason)") : "active"),
          ("revision", String(claim.revision)), ("rating", claim.latestRating),
        ])
        var links = ListLinksRequest()
        links.claimID = claim.id
        links.pageSize = 1000
        let found = try await session.call(LedgerService.listLinks, links).links
        guard !found.isEmpty else { return }
        Output.line()
        for link in found {
          let target: String
          switch link.target {
          case .sourceID(let sourceID)?:
            var get = GetSourceRequest()
            get.id = sourceID
            let source = try? await session.call(LedgerService.getSource, get)
            target = source.map { "\($0.outlet): \($0.title)" + ($0.url.isEmpty ? "" : " <\($0.url)>") } ?? sourceID
          case .targetClaimID(let other)?:
            target = other == claim.id ? "claim \(link.claimID)" : "claim \(other)"
          case nil:
            target = "?"
          }
          let relation = link.relation == .contradicts ? Output.red(link.relation.word) : link.relation.word
          Output.line("\(relation) \(Output.dim(link.id)) \(target)" + (link.unverified ? " " + Output.unverified : ""))
          if let quote = link.quote?.exact, !quote.isEmpty { Output.line("    “\(quote)”") }
        }
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List claims, newest statement first.")
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
          ["ID", "SAID", "CONTRA", "RATING", "QUOTE"],
          claims.map { claim in
            [
              claim.id, claim.saidOn?.iso ?? "", String(claim.evidence?.contradicting ?? 0), claim.latestRating,
              Output.short(claim.text),
            ]
          })
      }
    }
  }

  struct Edit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Correct a claim; the previous version is kept as a revision.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The claim's id.") var id: String
    @Option(help: "Why (kept with the revision).") var reason: String
    @Option(help: "The corrected quote, or - for standard input.") var text: String?
    @Option(help: "Another speaker (id, name or alias).") var speaker: String?
    @Option(help: "When: YYYY, YYYY-MM or YYYY-MM-DD.") var said: String?
    @Option(help: "Where and how it was said.") var context: String?
    @Option(help: "Where it appeared (repeatable; replaces the list).") var url: [String] = []
    @Option(help: "A topic (repeatable; replaces the list).") var topic: [String] = []
    @Option(help: "Language of the quote.") var lang: String?
    @Option(help: "sourced, disputed or misattributed.") var attribution: String?

    func run() async throws {
      let date = try said.map { try parseDate($0, option: "--said") }
      let quote = try text.map(readArgument)
      let attributionStatus = try attribution.map(parseAttribution)
      try await connection.run { session in
        var claim = Claim()
        claim.id = id
        var mask = FieldMask()
        if let quote { claim.text = quote; mask.paths.append("text") }
        if let speaker { claim.speakerID = try await session.speakerID(speaker); mask.paths.append("speaker_id") }
        if let date { claim.saidOn = date; mask.paths.append("said_on") }
        if let context { claim.context = context; mask.paths.append("context") }
        if !url.isEmpty { claim.appearanceUrls = url; mask.paths.append("appearance_urls") }
        if !topic.isEmpty { claim.topics = topic; mask.paths.append("topics") }
        if let lang { claim.language = lang; mask.paths.append("language") }
        if let attributionStatus { claim.attribution = attributionStatus; mask.paths.append("attribution") }
        guard !mask.paths.isEmpty else {
          throw CLIError(code: .invalidArgument, message: "nothing to change: give at least one option")
        }
        var request = UpdateClaimRequest()
        request.claim = claim
        request.updateMask = mask
        request.reason = reason
        let updated = try await session.call(LedgerService.updateClaim, request)
        if connection.json { Output.json(updated) } else { Output.line(updated.id) }
      }
    }
  }

  struct Retract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Withdraw a claim from the record; it is kept with its history.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The claim's id.") var id: String
    @Option(help: "Why.") var reason: String

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
