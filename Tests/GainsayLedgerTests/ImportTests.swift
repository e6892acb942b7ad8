import Foundation
import GainsayProto
import GainsayRPC
import GainsayServer
import Testing

@testable import GainsayCore

/// Import sessions through the real RPC: dry runs, ratings with their reviewer, speaker details, and
/// exports merged into a ledger that already holds some of their records.
@Suite("imports")
struct ImportTests {
  static func row(
    _ line: Int64, _ text: String, speaker: String, said: String = "2016", rating: String = "", reviewer: String = "",
    details: Speaker? = nil
  ) -> ImportRecord {
    var claim = Claim()
    claim.text = text
    claim.saidOn = Make.date(said)
    var record = ImportRecord()
    record.line = line
    record.speakerName = speaker
    record.rating = rating
    record.reviewer = reviewer
    if let details { record.speakerDetails = details }
    var ledgerRecord = LedgerRecord()
    ledgerRecord.record = .claim(claim)
    record.record = ledgerRecord
    return record
  }

  /// Runs one import session of `records`; answers the outcomes and FinishImport's response.
  static func run(
    _ client: RPCClient, _ records: [ImportRecord], strict: Bool = false, dryRun: Bool = false, commit: Bool = true
  ) async throws -> ([ImportOutcome], FinishImportResponse) {
    var begin = BeginImportRequest()
    begin.strict = strict
    begin.dryRun = dryRun
    begin.origin = "test"
    let id = try await client.call(LedgerService.beginImport, begin).importID
    var request = ImportRecordsRequest()
    request.importID = id
    request.records = records
    let outcomes = try await client.call(LedgerService.importRecords, request).outcomes
    var finish = FinishImportRequest()
    finish.importID = id
    finish.commit = commit
    return (outcomes, try await client.call(LedgerService.finishImport, finish))
  }

  static func claims(_ client: RPCClient) async throws -> [Claim] {
    var request = ListClaimsRequest()
    request.pageSize = 1000
    return try await client.call(LedgerService.listClaims, request).claims
  }

  @Test("a dry run reports every outcome, de-duplicating within the file, and commits nothing")
  func dryRun() async throws {
    try await withLedgerDaemon { client, _ in
      let records = [
        Self.row(2, "Wisconsin is on pace to double layoffs", speaker: "Katrina Shankland", rating: "false"),
        Self.row(3, "Wisconsin is on pace to double layoffs!", speaker: "katrina shankland"),
        Self.row(4, "Off the scale", speaker: "Katrina Shankland", rating: "fake"),
        Self.row(5, "Another one", speaker: "Katrina Shankland"),
      ]
      let (outcomes, summary) = try await Self.run(client, records, dryRun: true)
      #expect(outcomes.map(\.result) == [.created, .unchanged, .rejected, .created])
      #expect(outcomes[2].error.contains("not on the rating scale"))
      #expect(!summary.committed)
      #expect((summary.created, summary.unchanged, summary.rejected) == (2, 1, 1))
      #expect(try await Self.claims(client).isEmpty)
      let speakers = try await client.call(LedgerService.listSpeakers, ListSpeakersRequest()).speakers
      #expect(speakers.isEmpty)
      // The same rows for real: what the dry run said.
      let (real, done) = try await Self.run(client, records)
      #expect(real.map(\.result) == outcomes.map(\.result))
      #expect(done.committed && done.created == 2)
    }
  }

  @Test("a rating with a reviewer is that fact-checker's verdict, recorded by the importing account")
  func reviewer() async throws {
    try await withLedgerDaemon { client, _ in
      let (outcomes, _) = try await Self.run(
        client,
        [
          Self.row(1, "Says the budget grew", speaker: "Some Official", rating: "Mostly False", reviewer: "PolitiFact"),
          Self.row(2, "Says the budget shrank", speaker: "Some Official", rating: "true"),
        ])
      var request = ListVerdictsRequest()
      request.claimID = outcomes[0].resourceID
      let theirs = try await client.call(LedgerService.listVerdicts, request).verdicts
      #expect(theirs.map(\.externalReviewer) == ["PolitiFact"])
      #expect(theirs.map(\.signedBy) == ["PolitiFact"])
      #expect(theirs.first?.rating == "mostly false" && theirs.first?.state == .active)
      #expect(theirs.first?.reviewer?.uid == getuid())
      request.claimID = outcomes[1].resourceID
      let mine = try await client.call(LedgerService.listVerdicts, request).verdicts
      #expect(mine.map(\.externalReviewer) == [""])
      #expect(mine.first?.signedBy.isEmpty == false && mine.first?.signedBy != "PolitiFact")
    }
  }

  @Test("speaker details: a new speaker gets them, an existing one gains what it lacks, differences are warnings")
  func speakerDetails() async throws {
    try await withLedgerDaemon { client, _ in
      var details = Speaker()
      details.role = "State representative"
      details.affiliation = "republican"
      details.region = "Texas"
      let (created, _) = try await Self.run(
        client,
        [Self.row(1, "Says the Annies List group supports abortions", speaker: "dwayne-bohac", details: details)])
      #expect(created.map(\.result) == [.created])
      var get = GetSpeakerRequest()
      get.id = "dwayne-bohac"
      let bohac = try await client.call(LedgerService.getSpeaker, get)
      #expect(
        (bohac.role, bohac.affiliation, bohac.region, bohac.kind) == (
          "State representative", "republican", "Texas", .person
        ))

      var sparse = Make.speaker("Scott Surovell", country: "")
      sparse.speaker?.role = "State delegate"
      _ = try await client.call(LedgerService.createSpeaker, sparse)
      var more = Speaker()
      more.role = "Senator"
      more.country = "US"
      more.region = "Virginia"
      let (outcomes, summary) = try await Self.run(
        client,
        [
          Self.row(1, "Says the Annies List group supports abortions", speaker: "dwayne-bohac", details: details),
          Self.row(2, "When did the decline of coal start?", speaker: "Scott Surovell", details: more),
        ])
      #expect(outcomes.map(\.result) == [.unchanged, .created])
      #expect(
        outcomes[1].error.contains("has role \"State delegate\" in the ledger; the file's \"Senator\" was not applied"))
      #expect(summary.updated == 0 && summary.created == 1)
      get.id = "Scott Surovell"
      let surovell = try await client.call(LedgerService.getSpeaker, get)
      #expect((surovell.role, surovell.country, surovell.region) == ("State delegate", "US", "Virginia"))

      // A row whose claim is there already, but whose speaker gains a detail, is UPDATED.
      var party = Speaker()
      party.affiliation = "democrat"
      let (again, counts) = try await Self.run(
        client, [Self.row(1, "When did the decline of coal start?", speaker: "Scott Surovell", details: party)])
      #expect(again.map(\.result) == [.updated] && counts.updated == 1)

      // A detail the ledger would refuse (a state as a country) rejects the row, naming the field.
      var bad = Speaker()
      bad.country = "Texas"
      let (refused, _) = try await Self.run(client, [Self.row(1, "New words", speaker: "Someone New", details: bad)])
      #expect(refused.first?.result == .rejected && refused.first?.error.contains("speaker_details.country") == true)
    }
  }

  @Test(
    "an existing speaker filled three times in one chunk, by a plain or a strict import, gains a revision per fill",
    arguments: [false, true])
  func speakerFilledTwice(strict: Bool) async throws {
    try await withLedgerDaemon { client, _ in
      var create = CreateSpeakerRequest()
      create.speaker = Speaker()
      create.speaker?.name = "Scott Surovell"
      let speaker = try await client.call(LedgerService.createSpeaker, create)
      var party = Speaker()
      party.affiliation = "Democrat"
      var role = Speaker()
      role.role = "State senator"
      var state = Speaker()
      state.region = "Virginia"
      let (outcomes, finish) = try await Self.run(
        client,
        [
          Self.row(1, "When did the decline of coal start?", speaker: "Scott Surovell", details: party),
          Self.row(2, "Coal jobs fell before the rules changed", speaker: "Scott Surovell", details: role),
          Self.row(3, "Virginia's coal output fell for decades", speaker: "Scott Surovell", details: state),
        ], strict: strict)
      #expect(outcomes.allSatisfy { $0.result == .created }, "\(outcomes.map(\.error))")
      #expect(finish.committed || !strict)
      var get = GetSpeakerRequest()
      get.id = speaker.id
      let filled = try await client.call(LedgerService.getSpeaker, get)
      #expect(filled.affiliation == "Democrat" && filled.role == "State senator" && filled.region == "Virginia")
      #expect(filled.revision == 4, "one revision per fill")
    }
  }

  @Test("a strict import checks every record and reports every problem, not just the first")
  func strictReportsAll() async throws {
    try await withLedgerDaemon { client, _ in
      let (outcomes, summary) = try await Self.run(
        client,
        [
          Self.row(1, "Fine", speaker: "A Speaker"), Self.row(2, "Bad", speaker: "A Speaker", rating: "fake"),
          Self.row(3, "", speaker: "A Speaker"), Self.row(4, "Fine too", speaker: "A Speaker"),
        ], strict: true)
      #expect(outcomes.map(\.result) == [.created, .rejected, .rejected, .created])
      #expect(!summary.committed && summary.created == 0 && summary.rejected == 2)
      #expect(try await Self.claims(client).isEmpty)
    }
  }

  /// Every record of the ledger's export, as import records, without revisions and audit events.
  static func exported(_ client: RPCClient) async throws -> [ImportRecord] {
    var records: [ImportRecord] = []
    for try await record in client.stream(LedgerService.export, ExportRequest()) {
      switch record.record {
      case .claimRevision?, .auditEvent?: continue
      default: break
      }
      var item = ImportRecord()
      item.line = Int64(records.count + 1)
      item.record = record
      records.append(item)
    }
    return records
  }

  @Test("an export merges into a ledger that holds some of it: the same unchanged, differing refused, all or nothing")
  func exportMerge() async throws {
    try await withLedgerDaemon { client, _ in
      let speaker = try await client.call(LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov"))
      let claim = try await client.call(
        LedgerService.createClaim, Make.claim("We don't have any gays", speaker: speaker.id, said: "2017-07")
      ).claim!
      var verdict = CreateVerdictRequest()
      verdict.verdict = Verdict()
      verdict.verdict!.claimID = claim.id
      verdict.verdict!.rating = "false"
      _ = try await client.call(LedgerService.createVerdict, verdict)
      let export = try await Self.exported(client)
      #expect(export.count == 3)

      // Into the ledger it came from: everything is there already.
      let (same, sameSummary) = try await Self.run(client, export, strict: true)
      #expect(same.allSatisfy { $0.result == .unchanged })
      #expect(sameSummary.committed && sameSummary.unchanged == 3)

      // Records with ids merge all or nothing: an ordinary (committing chunk by chunk) session refuses them.
      let (loose, _) = try await Self.run(client, export)
      #expect(loose.allSatisfy { $0.result == .rejected && $0.error.contains("all or nothing") })

      // A new record and a changed one: the change is reported, naming the field, and nothing commits.
      var changed = export
      guard case .claim(var edited)? = changed[1].record?.record else { throw LedgerError.invalid("test", "order") }
      edited.context = "HBO interview"
      changed[1].record?.record = .claim(edited)
      var fresh = Claim()
      fresh.id = ResourceID.make("clm")
      fresh.speakerID = speaker.id
      fresh.text = "Chechnya is a peaceful republic"
      fresh.saidOn = Make.date("2016")
      fresh.state = .active
      var freshRecord = ImportRecord()
      freshRecord.line = 4
      freshRecord.record = LedgerRecord()
      freshRecord.record?.record = .claim(fresh)
      let (outcomes, summary) = try await Self.run(client, changed + [freshRecord], strict: true)
      #expect(outcomes.map(\.result) == [.unchanged, .rejected, .unchanged, .created])
      #expect(outcomes[1].error.contains("context (none here, \"HBO interview\" in the file)"))
      #expect(!summary.committed)
      #expect(try await Self.claims(client).count == 1)

      // Without the change, the new record is created with its id.
      let (merged, mergedSummary) = try await Self.run(client, export + [freshRecord], strict: true)
      #expect(merged.last?.result == .created && merged.last?.resourceID == fresh.id)
      #expect(mergedSummary.committed && mergedSummary.created == 1)
      var get = GetClaimRequest()
      get.id = fresh.id
      #expect(try await client.call(LedgerService.getClaim, get).text == fresh.text)

      // Another speaker of the same name under another id: refused by name, and what refers to it too.
      var twin = Speaker()
      twin.id = ResourceID.make("spk")
      twin.name = "ramzan kadyrov"
      var twinClaim = fresh
      twinClaim.id = ResourceID.make("clm")
      twinClaim.speakerID = twin.id
      var first = ImportRecord()
      first.line = 1
      first.record = LedgerRecord()
      first.record?.record = .speaker(twin)
      var second = ImportRecord()
      second.line = 2
      second.record = LedgerRecord()
      second.record?.record = .claim(twinClaim)
      let (clash, _) = try await Self.run(client, [first, second], dryRun: true)
      #expect(clash.map(\.result) == [.rejected, .rejected])
      #expect(clash[0].error.contains("is already a name or alias of speaker \(speaker.id)"))
      #expect(clash[1].error.contains("speaker \(twin.id) is rejected (line 1)"))
    }
  }
}
