import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// A link with what it points at, looked up once: the source (title, outlet, url, date) or the other
/// claim (text, speaker). Shared by `claim show`, `link list|show` and `source show`.
struct Evidence {
  let link: Link
  /// The claim the link is from (`link.claimID`), if it was looked up and could be read.
  var claim: Claim?
  /// The source of a source link, if it could be read.
  let source: Source?
  /// The other claim of a claim-to-claim link (seen from `claim`), if it could be read.
  let otherClaim: Claim?
  /// The id of the other claim, seen from the claim the links were listed for.
  let otherClaimID: String

  /// The name of the speaker of the claim the link is from, or the claim's speaker id, or "".
  var speakerName: String {
    guard let claim else { return "" }
    return claim.speakerLabel
  }

  /// Whether the link is active (UNSPECIFIED in old records means active).
  var isActive: Bool { link.state != .withdrawn }

  /// Whether the link carries no quote at all.
  var isUnquoted: Bool { (link.quote?.exact ?? "").isEmpty }

  /// "active" or "withdrawn".
  var stateWord: String { isActive ? "active" : "withdrawn" }

  /// The target as people name it: `Outlet: Title` or `claim clm_… (Speaker)`.
  var targetDescription: String {
    switch link.target {
    case .sourceID(let id)?:
      guard let source else { return id }
      return source.outlet.isEmpty ? source.title : "\(source.outlet): \(source.title)"
    case .targetClaimID?:
      let speaker = otherClaim?.speakerLabel ?? ""
      return "claim \(otherClaimID)" + (speaker.isEmpty ? "" : " (\(speaker))")
    case nil:
      return "?"
    }
  }

  /// The quote in a table cell: cut short, or a marker when there is none (`unquoted`, for contradicts
  /// and supports links, which normally need one) or it could not be checked (`unverified`).
  var quoteCell: String {
    var cell = isUnquoted ? "" : "“" + Output.short(link.quote?.exact ?? "", 40) + "”"
    if isUnquoted && (link.relation == .contradicts || link.relation == .supports) { cell = "[unquoted]" }
    if link.unverified { cell += (cell.isEmpty ? "" : " ") + "[unverified]" }
    return cell
  }

  /// The link as one JSON object for `claim show --json`, with every key present (proto JSON names):
  /// id, relation, state, withdrawalReason, quote (exact, prefix, suffix, start, end; null without one),
  /// unquoted, unverified, note, createdBy, createTime, and `source` (id, title, outlet, url,
  /// publishedOn) or `claim` (id, text, speakerId, speakerName).
  var json: JSONValue {
    var fields: [(String, JSONValue)] = [
      ("id", .string(link.id)), ("claimId", .string(link.claimID)), ("relation", .string(link.relation.word)),
      ("state", .string(stateWord)), ("withdrawalReason", .string(link.withdrawalReason)),
    ]
    if let quote = link.quote, !quote.exact.isEmpty {
      fields.append(
        (
          "quote",
          .object([
            ("exact", .string(quote.exact)), ("prefix", .string(quote.prefix)), ("suffix", .string(quote.suffix)),
            ("start", .integer(quote.start)), ("end", .integer(quote.end)),
          ])
        ))
    } else {
      fields.append(("quote", .null))
    }
    fields += [
      ("unquoted", .bool(isUnquoted)), ("unverified", .bool(link.unverified)), ("note", .string(link.note)),
      ("createdBy", .string(link.createdBy?.userName ?? "")), ("createTime", .string(Output.time(link.createTime))),
    ]
    switch link.target {
    case .sourceID(let id)?:
      fields.append(
        (
          "source",
          .object([
            ("id", .string(id)), ("title", .string(source?.title ?? "")), ("outlet", .string(source?.outlet ?? "")),
            ("url", .string(source?.url ?? "")), ("publishedOn", .string(source?.publishedOn?.iso ?? "")),
          ])
        ))
    case .targetClaimID?:
      fields.append(
        (
          "claim",
          .object([
            ("id", .string(otherClaimID)), ("text", .string(otherClaim?.text ?? "")),
            ("speakerId", .string(otherClaim?.speakerID ?? "")),
            ("speakerName", .string(otherClaim?.speakerName ?? "")),
          ])
        ))
    case nil:
      break
    }
    return .object(fields)
  }
}

extension Session {
  /// Every link matching `request` (all pages).
  func allLinks(_ request: ListLinksRequest) async throws -> [Link] {
    var request = request
    request.pageSize = 1000
    var links: [Link] = []
    repeat {
      let page = try await call(LedgerService.listLinks, request)
      links += page.links
      request.pageToken = page.nextPageToken
    } while !request.pageToken.isEmpty
    return links
  }

  /// The links with their targets looked up (each source and claim read once). `seenFrom` is the claim
  /// the links were listed for: a link to it shows the claim it comes from as the other claim. With
  /// `withClaims`, the claim each link is from is looked up too (for its speaker's name).
  func evidence(_ links: [Link], seenFrom claimID: String = "", withClaims: Bool = false) async throws -> [Evidence] {
    var sources: [String: Source] = [:]
    var claims: [String: Claim] = [:]
    var result: [Evidence] = []
    func claim(_ id: String) async -> Claim? {
      if let known = claims[id] { return known }
      var get = GetClaimRequest()
      get.id = id
      claims[id] = try? await call(LedgerService.getClaim, get)
      return claims[id]
    }
    for link in links {
      var source: Source?
      var other: Claim?
      var otherID = ""
      switch link.target {
      case .sourceID(let id)?:
        if sources[id] == nil {
          var get = GetSourceRequest()
          get.id = id
          sources[id] = try? await call(LedgerService.getSource, get)
        }
        source = sources[id]
      case .targetClaimID(let id)?:
        otherID = id == claimID ? link.claimID : id
        other = await claim(otherID)
      case nil:
        break
      }
      let from = withClaims ? await claim(link.claimID) : nil
      result.append(Evidence(link: link, claim: from, source: source, otherClaim: other, otherClaimID: otherID))
    }
    return result
  }
}

extension Verdict {
  /// "active" or "withdrawn" (UNSPECIFIED in old records means active).
  var stateWord: String { state == .withdrawn ? "withdrawn" : "active" }

  /// The verdict as one JSON object with every key present, for `claim show --json`.
  var evidenceJSON: JSONValue {
    .object([
      ("id", .string(id)), ("rating", .string(rating)), ("ratingValue", .integer(Int64(ratingValue))),
      ("explanation", .string(explanation)), ("reviewer", .string(reviewer?.userName ?? "")),
      ("signedBy", .string(signedBy)), ("externalReviewer", .string(externalReviewer)),
      ("reviewUrl", .string(reviewURL)),
      ("createTime", .string(Output.time(createTime))), ("state", .string(stateWord)),
      ("withdrawalReason", .string(withdrawalReason)),
    ])
  }
}

extension Session {
  /// Every verdict on a claim, newest first; withdrawn ones too when `includingWithdrawn`.
  func verdicts(of claimID: String, includingWithdrawn: Bool) async throws -> [Verdict] {
    var request = ListVerdictsRequest()
    request.claimID = claimID
    request.includeWithdrawn = includingWithdrawn
    request.pageSize = 1000
    var verdicts: [Verdict] = []
    repeat {
      let page = try await call(LedgerService.listVerdicts, request)
      verdicts += page.verdicts
      request.pageToken = page.nextPageToken
    } while !request.pageToken.isEmpty
    return verdicts
  }
}
