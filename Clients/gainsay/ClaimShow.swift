import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

extension ClaimCommand {
  /// `gainsay claim show ID`: the claim with the whole evidence, its links and its verdicts.
  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a claim with its evidence and verdicts.",
      discussion: """
        Shows the claim's active links (from it, and to it from other claims) with their quotes, and its active verdicts with their explanations; --withdrawn adds the withdrawn ones. A contradicts or supports link without a quote is marked [unquoted].

        --json prints one object: the claim's fields (proto JSON names, e.g. speakerName) plus "links", each with id, relation, state, withdrawalReason, quote (exact, prefix, suffix, start, end; null when unquoted), unquoted, unverified, note, createdBy, createTime and either "source" (id, title, outlet, url, publishedOn) or "claim" (id, text, speakerId, speakerName), and "repeats" (claims found to resemble it after it was logged, best first), each with id, similarity (0..1), text, speakerId, speakerName and state; and "verdicts", each with id, rating, ratingValue, explanation, reviewer (the Unix account that recorded it), signedBy (the name it is signed with), externalReviewer, reviewUrl, createTime, state and withdrawalReason.

        EXAMPLES:
          gainsay claim show clm_1
          gainsay claim show clm_1 --withdrawn --json
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The claim's id.") var id: String
    @Flag(help: "Include withdrawn links and verdicts.") var withdrawn = false

    func run() async throws {
      try await connection.run { session in
        var request = GetClaimRequest()
        request.id = id
        let claim = try await session.call(LedgerService.getClaim, request)
        var links = ListLinksRequest()
        links.claimID = claim.id
        links.includeWithdrawn = withdrawn
        let evidence = try await session.evidence(try await session.allLinks(links), seenFrom: claim.id)
        let verdicts = try await session.verdicts(of: claim.id, includingWithdrawn: withdrawn)
        var repeatsRequest = ListClaimRepeatsRequest()
        repeatsRequest.claimID = claim.id
        let repeats = try await session.call(LedgerService.listClaimRepeats, repeatsRequest).similarClaims
        if connection.json {
          return Output.json(
            claim,
            adding: [
              ("links", .array(evidence.map(\.json))), ("verdicts", .array(verdicts.map(\.evidenceJSON))),
              ("repeats", .array(repeats.map(\.repeatJSON))),
            ])
        }
        show(claim, evidence, verdicts, repeats)
      }
    }

    private func show(_ claim: Claim, _ evidence: [Evidence], _ verdicts: [Verdict], _ repeats: [SimilarClaim]) {
      Output.line(Output.bold("“\(claim.text)”"))
      Output.record([
        ("id", claim.id), ("speaker", claim.speakerLabel),
        ("said", claim.saidOn?.iso ?? ""), ("context", claim.context),
        ("appeared", claim.appearanceUrls.joined(separator: " ")), ("topics", claim.topics.joined(separator: ", ")),
        ("language", claim.language), ("external id", claim.externalID),
        ("state", claim.state == .retracted ? Output.red("retracted: \(claim.retractionReason)") : "active"),
        ("revision", String(claim.revision)), ("rating", claim.latestRating),
      ])
      if !evidence.isEmpty { Output.line() }
      for item in evidence {
        let link = item.link
        var target = item.targetDescription
        if let url = item.source?.url, !url.isEmpty { target += " <\(url)>" }
        let relation = link.relation == .contradicts ? Output.red(link.relation.word) : link.relation.word
        var marks = ""
        if item.isUnquoted && (link.relation == .contradicts || link.relation == .supports) { marks += " [unquoted]" }
        if link.unverified { marks += " " + Output.unverified }
        if !item.isActive { marks += " " + Output.red("[withdrawn: \(link.withdrawalReason)]") }
        Output.line("\(relation) \(Output.dim(link.id)) \(target)\(marks)")
        if let quote = link.quote?.exact, !quote.isEmpty { Output.line("    “\(quote)”") }
        if !link.note.isEmpty { Output.line("    note: \(link.note)") }
      }
      if !verdicts.isEmpty { Output.line() }
      for verdict in verdicts {
        let state = verdict.state == .withdrawn ? " " + Output.red("[withdrawn: \(verdict.withdrawalReason)]") : ""
        Output.line(
          "verdict \(Output.dim(verdict.id)) \(Output.bold(verdict.rating)) by \(verdict.signedBy)"
            + " \(Output.time(verdict.createTime))\(state)")
        if !verdict.explanation.isEmpty { Output.line("    \(verdict.explanation)") }
        if !verdict.reviewURL.isEmpty { Output.line("    published: <\(verdict.reviewURL)>") }
      }
      if !repeats.isEmpty { Output.line() }
      for entry in repeats {
        let other = entry.claim ?? Claim()
        let state = other.state == .retracted ? " " + Output.red("[retracted]") : ""
        Output.line(
          "resembles \(Output.dim(other.id)) (\(Output.similar(entry.similarity))) \(other.speakerLabel)\(state)")
        Output.line("    “\(Output.short(other.text, 160))”")
      }
    }
  }
}

extension SimilarClaim {
  /// A repeat as `claim show --json` lists it.
  var repeatJSON: JSONValue {
    let other = claim ?? Claim()
    return .object([
      ("id", .string(other.id)), ("similarity", .number(similarity)), ("text", .string(other.text)),
      ("speakerId", .string(other.speakerID)), ("speakerName", .string(other.speakerName)),
      ("state", .string(other.state == .retracted ? "retracted" : "active")),
    ])
  }
}
