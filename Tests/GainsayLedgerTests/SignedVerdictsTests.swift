import Foundation
import GainsayCore
import GainsayProto
import GainsayServer
import GainsayTestSupport
import Testing

@testable import GainsayStore

/// Verdicts are signed by people and fact-checkers, not Unix accounts; the fields a publishable record
/// needs (review URLs, external ids, regions) are validated like every other field.
@Suite("signed verdicts and publishable fields")
struct SignedVerdictsTests {
  static let alice = CallerIdentity(uid: 1000, gid: 1000, userName: "alice", role: .editor)
  static let bob = CallerIdentity(uid: 1001, gid: 1001, userName: "bob", role: .editor)
  static let admin = CallerIdentity(uid: 0, gid: 0, userName: "root", role: .admin)

  func withLedger(
    _ configuration: LedgerConfiguration = LedgerConfiguration(reviewers: ["alice": "Alice Example"]),
    _ body: (Ledger) async throws -> Void
  ) async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    try await body(Ledger(store: store, configuration: configuration))
  }

  func claim(in ledger: Ledger) async throws -> Claim {
    let speaker = try await ledger.createSpeaker(Make.speaker("Ramzan Kadyrov"), caller: Self.alice)
    let response = try await ledger.createClaim(
      Make.claim("We don't have any gays", speaker: speaker.id, said: "2017-07"), caller: Self.alice)
    return try #require(response.claim)
  }

  @Test("a verdict is signed with the reviewer's display name, else the user name; records keep neither")
  func signedByDisplayName() async throws {
    try await withLedger { ledger in
      let claim = try await claim(in: ledger)
      let byAlice = try await ledger.createVerdict(Make.verdict(claim.id, "false"), caller: Self.alice)
      #expect(byAlice.signedBy == "Alice Example")
      #expect(byAlice.reviewer?.userName == "alice")
      let byBob = try await ledger.createVerdict(Make.verdict(claim.id, "pants on fire"), caller: Self.bob)
      #expect(byBob.signedBy == "bob")

      var list = ListVerdictsRequest()
      list.claimID = claim.id
      let listed = try await ledger.listVerdicts(list, caller: Self.alice).verdicts
      #expect(listed.map(\.signedBy) == ["bob", "Alice Example"])

      var withdraw = WithdrawVerdictRequest()
      withdraw.id = byBob.id
      withdraw.reason = "given in error"
      #expect(try await ledger.withdrawVerdict(withdraw, caller: Self.alice).signedBy == "bob")

      // The signature is the config's, applied on read: an export shows it, the audit log holds none, and
      // the export still restores (the verifier compares records without it).
      var export = ExportRequest()
      export.includeAuditEvents = true
      var records: [LedgerRecord] = []
      try await ledger.export(export, caller: Self.admin) { records.append($0) }
      var signatures: [String] = []
      for record in records {
        switch record.record {
        case .verdict(let verdict)?:
          signatures.append(verdict.signedBy)
        case .auditEvent(let event)?:
          if case .verdict(let verdict)? = event.after?.kind { #expect(verdict.signedBy.isEmpty) }
        default: break
        }
      }
      #expect(signatures.sorted() == ["Alice Example", "bob"])
      try await TransferRoundTrip.restoresCleanly(ledger)

      // Merged into another newsroom's ledger, a verdict keeps the name it was signed with.
      try await withLedger(LedgerConfiguration()) { other in
        var begin = BeginImportRequest()
        begin.strict = true
        let session = try await other.beginImport(begin, caller: Self.alice).importID
        var chunk = ImportRecordsRequest()
        chunk.importID = session
        for record in records {
          switch record.record {
          case .claimRevision?, .auditEvent?: continue
          default: break
          }
          var item = ImportRecord()
          item.line = Int64(chunk.records.count + 1)
          item.record = record
          chunk.records.append(item)
        }
        let outcomes = try await other.importRecords(chunk, caller: Self.alice).outcomes
        #expect(outcomes.allSatisfy { $0.result == .created }, "\(outcomes.map(\.error))")
        var finish = FinishImportRequest()
        finish.importID = session
        finish.commit = true
        #expect(try await other.finishImport(finish, caller: Self.alice).committed)
        var list = ListVerdictsRequest()
        list.claimID = claim.id
        list.includeWithdrawn = true
        let merged = try await other.listVerdicts(list, caller: Self.alice).verdicts
        #expect(merged.map(\.externalReviewer).sorted() == ["Alice Example", "bob"])
        #expect(merged.map(\.signedBy).sorted() == ["Alice Example", "bob"])
      }
    }
  }

  @Test("a rating from another fact-checker is signed with its name; its review URL is checked")
  func externalReviewerAndReviewURL() async throws {
    try await withLedger { ledger in
      let claim = try await claim(in: ledger)
      var request = Make.verdict(claim.id, "false", "No such purge was ever denied by evidence.")
      request.verdict?.externalReviewer = "PolitiFact"
      request.verdict?.reviewURL = "https://www.politifact.com/factchecks/2017/jul/14/example/"
      let verdict = try await ledger.createVerdict(request, caller: Self.alice)
      #expect(verdict.signedBy == "PolitiFact")
      #expect(verdict.reviewer?.userName == "alice")
      #expect(verdict.reviewURL == "https://www.politifact.com/factchecks/2017/jul/14/example/")

      for bad in ["javascript:alert(1)", "ftp://example.org/x", "not a url", "https://"] {
        var hostile = Make.verdict(claim.id, "false")
        hostile.verdict?.reviewURL = bad
        let error = await RequestBoundsTests.refusal { _ = try await ledger.createVerdict(hostile, caller: Self.alice) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == "verdict.review_url")
      }
      var long = Make.verdict(claim.id, "false")
      long.verdict?.externalReviewer = String(repeating: "P", count: 201)
      let error = await RequestBoundsTests.refusal { _ = try await ledger.createVerdict(long, caller: Self.alice) }
      #expect(error?.field == "verdict.external_reviewer")
    }
  }

  @Test("a ClaimReview report needs the newsroom's name and address, from the config or the request")
  func claimReviewNeedsPublisher() async throws {
    try await withLedger(LedgerConfiguration()) { ledger in
      let claim = try await claim(in: ledger)
      _ = try await ledger.createVerdict(Make.verdict(claim.id, "false"), caller: Self.alice)
      var request = GenerateReportRequest()
      request.claimIds = [claim.id]
      request.format = .claimreview
      let error = await RequestBoundsTests.refusal { _ = try await ledger.generateReport(request, caller: Self.alice) }
      #expect(error?.code == .failedPrecondition)
      #expect(error?.message.contains("\"publisher\" and \"publisherURL\"") == true)
      #expect(error?.message.contains("--publisher-url") == true)

      request.publisher = "The Daily Example"
      let urlMissing = await RequestBoundsTests.refusal { _ = try await ledger.generateReport(request, caller: Self.alice) }
      #expect(urlMissing?.code == .failedPrecondition)
      #expect(urlMissing?.field == "publisher_url")
      #expect(urlMissing?.message.contains("\"publisherURL\" is not set") == false)
      #expect(urlMissing?.message.contains("publisherURL is not set") == true)

      request.publisherURL = "javascript:alert(1)"
      #expect(await RequestBoundsTests.refusal { _ = try await ledger.generateReport(request, caller: Self.alice) }?.code
        == .invalidArgument)
      request.publisherURL = "https://daily.example"
      let (header, chunks) = try await ledger.generateReport(request, caller: Self.alice)
      #expect(header.contentType == "application/ld+json")
      #expect(String(decoding: chunks.joined(), as: UTF8.self).contains("The Daily Example"))

      // Other formats need no publisher.
      request = GenerateReportRequest()
      request.claimIds = [claim.id]
      request.format = .markdown
      #expect(try await ledger.generateReport(request, caller: Self.alice).0.contentType.hasPrefix("text/markdown"))
    }
  }

  @Test("external ids and regions are validated, kept and changed by their update masks")
  func externalIDAndRegion() async throws {
    try await withLedger { ledger in
      var speakerRequest = Make.speaker("Rick Perry", country: "US")
      speakerRequest.speaker?.region = "Texas"
      let speaker = try await ledger.createSpeaker(speakerRequest, caller: Self.alice)
      #expect(speaker.region == "Texas")
      var claimRequest = Make.claim("\"I didn't endorse\" the federal stimulus bill.", speaker: speaker.id, said: "2010")
      claimRequest.claim?.externalID = "2635.json"
      let claim = try #require(try await ledger.createClaim(claimRequest, caller: Self.alice).claim)
      #expect(claim.externalID == "2635.json")

      var update = UpdateClaimRequest()
      update.claim = Claim()
      update.claim?.id = claim.id
      update.claim?.externalID = "liar-2635"
      update.updateMask = FieldMask()
      update.updateMask?.paths = ["external_id"]
      update.reason = "the data set's own id"
      let updated = try await ledger.updateClaim(update, caller: Self.alice)
      #expect(updated.externalID == "liar-2635")
      #expect(updated.text == claim.text)

      var speakerUpdate = UpdateSpeakerRequest()
      speakerUpdate.speaker = Speaker()
      speakerUpdate.speaker?.id = speaker.id
      speakerUpdate.speaker?.region = "Chechnya\nRepublic"
      speakerUpdate.updateMask = FieldMask()
      speakerUpdate.updateMask?.paths = ["region"]
      let error = await RequestBoundsTests.refusal { _ = try await ledger.updateSpeaker(speakerUpdate, caller: Self.alice) }
      #expect(error?.field == "speaker.region")
      speakerUpdate.speaker?.region = String(repeating: "r", count: 101)
      #expect(await RequestBoundsTests.refusal { _ = try await ledger.updateSpeaker(speakerUpdate, caller: Self.alice) }?.field
        == "speaker.region")

      var tooLong = Make.claim("Another statement", speaker: speaker.id, said: "2011")
      tooLong.claim?.externalID = String(repeating: "x", count: 201)
      #expect(await RequestBoundsTests.refusal { _ = try await ledger.createClaim(tooLong, caller: Self.alice) }?.field
        == "claim.external_id")
    }
  }

  @Test("the config's reviewers are read, and a bad entry stops the daemon naming it")
  func reviewersConfig() throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/config.json"
    var configuration = DaemonConfiguration(socketPath: directory + "/s", dataDirectory: directory, policy: .init(ownerUID: 0))
    try Data(#"{"reviewers": {"alice": "Alice Example"}, "publisherURL": "https://daily.example"}"#.utf8)
      .write(to: URL(fileURLWithPath: path))
    try configuration.apply(configFile: path)
    #expect(configuration.ledger.reviewers == ["alice": "Alice Example"])
    #expect(configuration.ledger.publisherURL == "https://daily.example")

    for (bad, expected) in [
      (#"{"reviewers": {"alice": "  "}}"#, "reviewers: \"alice\" needs a display name"),
      (#"{"reviewers": {"alice": 7}}"#, "reviewers.alice has the wrong type"),
      (#"{"publisherURL": "daily.example"}"#, "publisherURL \"daily.example\" is not an http or https URL"),
    ] {
      try Data(bad.utf8).write(to: URL(fileURLWithPath: path))
      var fresh = DaemonConfiguration(socketPath: directory + "/s", dataDirectory: directory, policy: .init(ownerUID: 0))
      do {
        try fresh.apply(configFile: path)
        Issue.record("\(bad) was accepted")
      } catch let error as ConfigurationError {
        #expect(error.description.contains(expected), "\(error.description)")
      }
    }
  }
}
