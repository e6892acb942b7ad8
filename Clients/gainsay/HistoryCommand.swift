import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay history ID`.
struct HistoryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history",
    abstract: "Every change to a speaker, claim, source, link or verdict: what, who, when, why.",
    discussion: """
      Shows the resource's audit events in sequence order, each with what changed field by field (text: "old" → "new", state: active → withdrawn, nested fields such as quote.exact), the user, the time and the reason. A claim's history also holds the events of its links (from it and to it) and of its verdicts, withdrawn ones included; a source's holds the events of the links to it; a speaker's holds the merges of duplicates into it.

      --json prints the AuditEvent objects as JSON Lines, in sequence order, with one key added to each: "changes", a list of {"field", "before", "after"} (null for an unset field), as the text shows them.

      EXAMPLES:
        gainsay history clm_1
        gainsay history spk_1 --json
      """)
  @OptionGroup var connection: ConnectionOptions
  @Argument(help: "The resource's id (spk_…, clm_…, src_…, lnk_… or vrd_…).") var id: String

  func run() async throws {
    try await connection.run { session in
      var events: [AuditEvent] = []
      for resource in try await relatedResources(session) {
        events += try await session.auditEvents(of: resource)
      }
      // A speaker that absorbed duplicates: each duplicate's MERGE event (the merge's own record).
      for event in events where event.method.hasSuffix("/MergeSpeakers") && event.resourceID == id {
        for duplicate in event.relatedIds where duplicate.hasPrefix("spk_") && duplicate != id {
          events += try await session.auditEvents(of: duplicate).filter { $0.action == .merge }
        }
      }
      // A resource reached twice (a link from the claim to itself) would repeat its events.
      var seen = Set<Int64>()
      events = events.filter { seen.insert($0.sequence).inserted }.sorted { $0.sequence < $1.sequence }
      guard !events.isEmpty else { throw CLIError(code: .notFound, message: "no history for \"\(id)\"") }
      if connection.json {
        for event in events { Output.json(event, adding: [("changes", .array(AuditDiff.changes(event).map(\.json)))]) }
        return
      }
      for (index, event) in events.enumerated() {
        if index > 0 { Output.line() }
        show(event)
      }
    }
  }

  /// The resource and those whose history belongs with it: a claim's links and verdicts, a source's
  /// links.
  private func relatedResources(_ session: Session) async throws -> [String] {
    var ids = [id]
    if id.hasPrefix("clm_") || id.hasPrefix("src_") {
      var links = ListLinksRequest()
      if id.hasPrefix("clm_") { links.claimID = id } else { links.sourceID = id }
      links.includeWithdrawn = true
      ids += try await session.allLinks(links).map(\.id)
    }
    if id.hasPrefix("clm_") {
      ids += try await session.verdicts(of: id, includingWithdrawn: true).map(\.id)
    }
    return ids
  }

  /// One event: a heading line, then the reason and the changes indented.
  private func show(_ event: AuditEvent) {
    let action = event.action.protoName.replacingOccurrences(of: "AUDIT_ACTION_", with: "").lowercased()
    let type =
      event.importChunk != nil
      ? "chunk" : event.resourceType.protoName.replacingOccurrences(of: "RESOURCE_TYPE_", with: "").lowercased()
    let method = event.method.split(separator: "/").last.map(String.init) ?? ""
    Output.line(
      Output.bold("#\(event.sequence) \(action) \(type) \(event.resourceID)")
        + "  \(Output.time(event.time))  \(event.actor?.userName ?? "?")" + (method.isEmpty ? "" : "  (\(method))"))
    if let chunk = event.importChunk {
      // One event for every record an import chunk created: where they came from, and how many.
      let hash = chunk.fileSha256.isEmpty ? "" : " (sha256 \(chunk.fileSha256))"
      Output.line("    from: \(chunk.origin)\(hash), lines \(chunk.firstLine)–\(chunk.lastLine)")
      Output.line("    created \(event.relatedIds.count) records")
      return
    }
    if !event.reason.isEmpty { Output.line("    why: \(event.reason)") }
    if event.action == .create || event.action == .import {
      for line in summary(event.after) { Output.line("    \(line)") }
    } else if event.action == .repeatsFound {
      for found in event.repeats {
        Output.line("    resembles \(found.claimID) (\(Output.similar(found.similarity)))")
      }
      return
    } else {
      for change in AuditDiff.changes(event) { Output.line("    \(change.description)") }
    }
    if !event.relatedIds.isEmpty { Output.line("    related: \(event.relatedIds.joined(separator: " "))") }
  }

  /// A created resource's key fields, one short line each.
  private func summary(_ resource: Resource?) -> [String] {
    switch resource?.kind {
    case .speaker(let speaker)?:
      return ["name: \"\(speaker.name)\""] + (speaker.aliases.isEmpty ? [] : ["aliases: \(speaker.aliases)"])
    case .claim(let claim)?:
      return [
        "text: \"\(Output.short(claim.text, 100))\"", "speaker: \(claim.speakerID)",
        "said: \(claim.saidOn?.iso ?? "")",
      ]
    case .source(let source)?:
      return [
        "title: \"\(Output.short(source.title, 100))\"", "outlet: \"\(source.outlet)\"",
        source.archivedTextSize > 0 ? "archived text: \(source.archivedTextSize) bytes" : "no archived text",
      ]
    case .link(let link)?:
      var target = ""
      switch link.target {
      case .sourceID(let id)?: target = id
      case .targetClaimID(let id)?: target = id
      case nil: break
      }
      let quote = link.quote?.exact ?? ""
      return [
        "\(link.claimID) \(link.relation.word) \(target)",
        quote.isEmpty ? "unquoted" : "quote: \"\(Output.short(quote, 100))\"",
      ]
    case .verdict(let verdict)?:
      return ["\(verdict.claimID) rated \"\(verdict.rating)\""]
        + (verdict.explanation.isEmpty ? [] : ["explanation: \"\(Output.short(verdict.explanation, 100))\""])
    case nil:
      return []
    }
  }
}

extension Session {
  /// Every audit event about one resource, oldest first. The daemon answers a page at a time (at most
  /// 10,000 events): read on from the last sequence until a page is short.
  func auditEvents(of resourceID: String) async throws -> [AuditEvent] {
    var request = ListAuditEventsRequest()
    request.resourceID = resourceID
    request.limit = 10_000
    var events: [AuditEvent] = []
    var received = 0
    repeat {
      received = 0
      for try await event in stream(LedgerService.listAuditEvents, request) {
        received += 1
        request.afterSequence = event.sequence
        events.append(event)
      }
    } while received == Int(request.limit)
    return events
  }
}
