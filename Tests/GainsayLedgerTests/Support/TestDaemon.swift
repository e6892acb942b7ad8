import Foundation
import GainsayCore
import GainsayProto
import GainsayRPC
import GainsayServer
import GainsayTestSupport
import Logging

/// Runs the real ledger daemon (store, service, server) on temporary paths for `body`.
///
/// `policy` decides the role of the test process's own user: by default it owns the daemon (admin).
func withLedgerDaemon(
  policy: AccessPolicy = AccessPolicy(ownerUID: getuid()),
  dataDirectory: String? = nil,
  _ body: (_ client: RPCClient, _ daemon: LedgerDaemon) async throws -> Void
) async throws {
  let directory = try makeShortTempDirectory()
  defer { try? FileManager.default.removeItem(atPath: directory) }
  var configuration = DaemonConfiguration(
    socketPath: directory + "/l.sock", dataDirectory: dataDirectory ?? directory + "/data", policy: policy)
  configuration.ledger.publisher = "Test Newsroom"
  var logger = Logger(label: "test-ledger")
  logger.logLevel = .critical
  let daemon = try LedgerDaemon(configuration: configuration, logger: logger)
  // As gainsayd runs it: repeats of new claims are searched for in the background.
  let repeatSearch = Task { await daemon.ledger.searchRepeats(poll: nil) { _ in } }
  defer { repeatSearch.cancel() }
  try await withThrowingTaskGroup(of: Void.self) { group in
    let (listening, continuation) = AsyncStream<Void>.makeStream()
    group.addTask { try await daemon.server.run(onListening: { continuation.finish() }) }
    for await _ in listening {}
    let client = try await RPCClient.connect(socketPath: configuration.socketPath)
    do {
      try await body(client, daemon)
    } catch {
      await client.close()
      group.cancelAll()
      throw error
    }
    await client.close()
    daemon.server.beginGracefulShutdown()
    try await group.waitForAll()
  }
}

/// Builders for requests, so tests read like a journalist's steps.
enum Make {
  static func repeats(of claimID: String) -> ListClaimRepeatsRequest {
    var request = ListClaimRepeatsRequest()
    request.claimID = claimID
    return request
  }

  static func date(_ iso: String) -> PartialDate { PartialDate(iso: iso)! }

  static func speaker(_ name: String, aliases: [String] = [], country: String = "RU") -> CreateSpeakerRequest {
    var speaker = Speaker()
    speaker.name = name
    speaker.aliases = aliases
    speaker.country = country
    speaker.kind = .person
    var request = CreateSpeakerRequest()
    request.speaker = speaker
    return request
  }

  static func claim(
    _ text: String, speaker: String, said: String, context: String = "", topics: [String] = [], urls: [String] = []
  ) -> CreateClaimRequest {
    var claim = Claim()
    claim.text = text
    claim.speakerID = speaker
    claim.saidOn = date(said)
    claim.context = context
    claim.topics = topics
    claim.appearanceUrls = urls
    var request = CreateClaimRequest()
    request.claim = claim
    return request
  }

  static func source(
    _ title: String, outlet: String, text: String = "", url: String = "", published: String? = nil
  )
    -> CreateSourceRequest
  {
    var source = Source()
    source.title = title
    source.outlet = outlet
    source.archivedText = text
    source.url = url
    source.kind = .newsReport
    source.publishedOn = published.map(date)
    var request = CreateSourceRequest()
    request.source = source
    return request
  }

  static func link(
    _ claim: String, source: String? = nil, claimTarget: String? = nil, _ relation: Relation, quote: String = "",
    note: String = ""
  ) -> CreateLinkRequest {
    var link = Link()
    link.claimID = claim
    if let source { link.target = .sourceID(source) }
    if let claimTarget { link.target = .targetClaimID(claimTarget) }
    link.relation = relation
    if !quote.isEmpty {
      var text = TextQuote()
      text.exact = quote
      link.quote = text
    }
    link.note = note
    var request = CreateLinkRequest()
    request.link = link
    return request
  }

  static func verdict(_ claim: String, _ rating: String, _ explanation: String = "") -> CreateVerdictRequest {
    var verdict = Verdict()
    verdict.claimID = claim
    verdict.rating = rating
    verdict.explanation = explanation
    var request = CreateVerdictRequest()
    request.verdict = verdict
    return request
  }
}

/// The RPC error a call threw, or nil when it succeeded.
func rpcError(_ body: () async throws -> Void) async -> RPCError? {
  do {
    try await body()
    return nil
  } catch let error as RPCError {
    return error
  } catch {
    return RPCError(code: .unknown, message: "\(error)")
  }
}
