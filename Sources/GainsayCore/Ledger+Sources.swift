import Foundation
public import GainsayProto

/// Sources: the reports and documents that bear on claims, with their archived text.
extension Ledger {
  public func createSource(_ request: CreateSourceRequest, caller: CallerIdentity) async throws -> Source {
    try require(.editor, caller, to: "recording a source")
    guard let input = request.source else { throw LedgerError.invalid("source", "is required") }
    var source = try validatedWithText(input)
    source.id = ResourceID.make("src")
    source.createTime = timestamp
    source.updateTime = source.createTime
    source.revision = 1
    try await commit(source, draft(caller, "CreateSource", .create))
    // As GetSource's default view: the text stays out of the reply (its size and hash identify it), so
    // the reply of a text near the frame limit cannot outgrow it after the write committed.
    source.archivedText = ""
    return source
  }

  /// A new source as every way into the ledger takes it (`source.…` in errors): its fields, its archived
  /// text (at most 3,000,000 characters) and that text's size and hash.
  func validatedWithText(_ input: Source) throws -> Source {
    var source = try validated(input, field: "source")
    source.archivedText = try Validate.text(
      input.archivedText, field: "source.archived_text", required: false, maximum: 3_000_000)
    Self.seal(&source)
    return source
  }

  static func seal(_ source: inout Source) {
    source.archivedTextSize = Int64(source.archivedText.utf8.count)
    source.archivedTextSha256 = source.archivedText.isEmpty ? "" : SHA256.hexDigest(source.archivedText.utf8)
  }

  func validated(_ input: Source, field: String) throws -> Source {
    var source = Source()
    source.title = try Validate.line(input.title, field: field + ".title", required: true, maximum: 500)
    source.outlet = try Validate.line(input.outlet, field: field + ".outlet", required: true)
    source.authors = try input.authors.enumerated().map { index, author in
      try Validate.line(author, field: "\(field).authors[\(index)]", required: true)
    }
    guard source.authors.count <= 50 else { throw LedgerError.invalid(field + ".authors", "has more than 50 authors") }
    source.url = try Validate.url(input.url, field: field + ".url")
    source.publishedOn = try Validate.date(
      input.publishedOn, field: field + ".published_on", required: false, today: today)
    if case .unrecognized(let value) = input.kind {
      throw LedgerError.invalid(field + ".kind", "\(value) is not a source kind")
    }
    source.kind = input.kind
    source.language = try Validate.language(input.language, field: field + ".language")
    return source
  }

  public func getSource(_ request: GetSourceRequest, caller: CallerIdentity) async throws -> Source {
    try require(.reader, caller, to: "reading sources")
    let id = try Validate.id(request.id, field: "id")
    guard var source = try await store.get(Source.self, id: id) else {
      throw LedgerError.notFound("source", id, field: "id")
    }
    if request.view != .full { source.archivedText = "" }
    return source
  }

  public func listSources(_ request: ListSourcesRequest, caller: CallerIdentity) async throws -> ListSourcesResponse {
    try require(.reader, caller, to: "reading sources")
    if case .unrecognized(let value) = request.kind {
      throw LedgerError.invalid("kind", "\(value) is not a source kind")
    }
    let page = try await store.listSources(
      outlet: try Validate.line(request.outlet, field: "outlet", required: false), kind: request.kind,
      pageSize: try Self.pageSize(request.pageSize), pageToken: request.pageToken)
    var response = ListSourcesResponse()
    let sent = try fitted(page, pageToken: request.pageToken)
    response.sources = sent.items
    response.nextPageToken = sent.nextPageToken
    return response
  }

  private static let sourceFields: Set<String> = [
    "title", "outlet", "authors", "url", "published_on", "kind", "language", "archived_text",
  ]

  public func updateSource(_ request: UpdateSourceRequest, caller: CallerIdentity) async throws -> Source {
    try require(.editor, caller, to: "changing a source")
    guard let input = request.source else { throw LedgerError.invalid("source", "is required") }
    let id = try Validate.id(input.id, field: "source.id")
    let paths = try Self.maskPaths(request.updateMask, allowed: Self.sourceFields, defaultAll: false)
    let reason = try Validate.text(request.reason, field: "reason", required: false, maximum: 2_000)
    let expected = try Self.expectedRevision(request.expectedRevision)
    let archivedText = try Validate.text(
      input.archivedText, field: "source.archived_text", required: false, maximum: 3_000_000)
    let time = timestamp
    let rules = self
    // Links whose passage the new text no longer holds: refused (in the write transaction, naming them),
    // or withdrawn there with this reason.
    let withdrawal =
      request.withdrawBrokenLinks
      ? "the passage no longer occurs in the updated text of \(id)" + (reason.isEmpty ? "" : ": \(reason)") : nil
    // The store checks `expected` against the source's revision before the change, in its transaction.
    let (source, events) = try await store.updateSource(
      id: id, expectedRevision: expected, audit: draft(caller, "UpdateSource", .update, reason: reason),
      withdrawingBrokenLinks: withdrawal
    ) { source in
      var merged = source
      for path in paths {
        switch path {
        case "title": merged.title = input.title
        case "outlet": merged.outlet = input.outlet
        case "authors": merged.authors = input.authors
        case "url": merged.url = input.url
        case "published_on": merged.publishedOn = input.publishedOn
        case "kind": merged.kind = input.kind
        case "language": merged.language = input.language
        default: merged.archivedText = archivedText
        }
      }
      var updated = try rules.validated(merged, field: "source")
      updated.archivedText = merged.archivedText
      Self.seal(&updated)
      updated.id = id
      updated.createTime = source.createTime
      updated.updateTime = time
      updated.revision = source.revision + 1
      return updated
    }
    published(events)
    var result = source
    result.archivedText = ""
    return result
  }
}
