import Foundation
import GainsayCore
import GainsayProto
import GainsayRPC
import GainsayServer
import GainsayStore
import GainsayTestSupport
import Testing

/// Records the server decides (ids, actors, times, sequences, evidence anchors) are never taken from a
/// client: imports create, restores verify, and evidence stays anchored in its source's text.
@Suite("trusted records")
struct TrustedRecordTests {
  static let editor = CallerIdentity(uid: 1001, gid: 1001, userName: "editor", role: .editor)
  static let admin = CallerIdentity(uid: 0, gid: 0, userName: "root", role: .admin)

  /// A ledger in a temporary folder for `body`.
  func withLedger(_ body: (Ledger, SQLiteLedgerStore) async throws -> Void) async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    try await body(Ledger(store: store), store)
  }

  /// A new claim by a new speaker, recorded by the editor.
  static func claim(_ text: String, by name: String, said: String, in ledger: Ledger) async throws -> Claim {
    let speaker = try await ledger.createSpeaker(Make.speaker(name), caller: editor)
    return try await ledger.createClaim(Make.claim(text, speaker: speaker.id, said: said), caller: editor).claim!
  }

  /// An UpdateSource request changing one field of `id`.
  static func sourceUpdate(_ id: String, _ field: String, _ change: (inout Source) -> Void) -> UpdateSourceRequest {
    var source = Source()
    source.id = id
    change(&source)
    var update = UpdateSourceRequest()
    update.source = source
    update.updateMask = FieldMask(paths: [field])
    return update
  }

  /// Imports `records` in one session and commits it; with `restore`, as a restore of an export.
  func importing(
    _ records: [LedgerRecord], into ledger: Ledger, as caller: CallerIdentity, restore: Bool = false
  ) async throws
    -> [ImportOutcome]
  {
    var begin = BeginImportRequest()
    begin.restore = restore
    let session = try await ledger.beginImport(begin, caller: caller).importID
    var request = ImportRecordsRequest()
    request.importID = session
    request.records = records.enumerated().map { index, record in
      var item = ImportRecord()
      item.line = Int64(index + 1)
      item.record = record
      return item
    }
    let outcomes = try await ledger.importRecords(request, caller: caller).outcomes
    var finish = FinishImportRequest()
    finish.importID = session
    finish.commit = true
    _ = try await ledger.finishImport(finish, caller: caller)
    return outcomes
  }

  @Test("an import refuses records that carry ids, revisions, links, verdicts and audit events")
  func importRefusesServerFields() async throws {
    try await withLedger { ledger, store in
      var speaker = Speaker()
      speaker.id = "spk_0000000000aaaaaa"
      speaker.name = "Forged Speaker"
      var event = AuditEvent()
      event.sequence = Int64.max
      event.resourceID = "spk_0000000000aaaaaa"
      var verdict = Verdict()
      verdict.id = "vrd_0000000000aaaaaa"
      verdict.claimID = "clm_0000000000aaaaaa"
      verdict.rating = "false"
      var records: [LedgerRecord] = []
      for kind: LedgerRecord.Record in [.speaker(speaker), .auditEvent(event), .verdict(verdict)] {
        var record = LedgerRecord()
        record.record = kind
        records.append(record)
      }
      let outcomes = try await importing(records, into: ledger, as: Self.editor)
      #expect(outcomes.allSatisfy { $0.result == .rejected && $0.error.contains("gainsay restore") })
      #expect(try await store.lastSequence() == 0)
      // The ledger still numbers its own events from 1.
      _ = try await ledger.createSpeaker(Make.speaker("Real Speaker"), caller: Self.editor)
      #expect(try await store.lastSequence() == 1)
    }
  }

  @Test("an imported record gets the caller as actor and the server's clock")
  func importUsesCallerAndClock() async throws {
    try await withLedger { ledger, store in
      var speaker = Speaker()
      speaker.name = "Imported Speaker"
      speaker.createTime = Timestamp(date: Date(timeIntervalSince1970: 4_102_444_800))  // 2100
      var record = LedgerRecord()
      record.record = .speaker(speaker)
      let outcome = try #require(try await importing([record], into: ledger, as: Self.editor).first)
      #expect(outcome.result == .created)
      let value = try #require(try await store.get(Speaker.self, id: outcome.resourceID))
      #expect(value.createTime!.date < Date().addingTimeInterval(60))
      let events = try await store.auditEvents(AuditQuery())
      #expect(events.count == 1 && events[0].actor?.userName == "editor" && events[0].action == .import)
    }
  }

  @Test("only an admin restores, and only into an empty ledger")
  func restoreNeedsAdminAndEmptyLedger() async throws {
    try await withLedger { ledger, _ in
      var begin = BeginImportRequest()
      begin.restore = true
      await #expect(throws: LedgerError.self) { _ = try await ledger.beginImport(begin, caller: Self.editor) }
      _ = try await ledger.beginImport(begin, caller: Self.admin)
      _ = try await ledger.createSpeaker(Make.speaker("Someone"), caller: Self.editor)
      let error = await #expect(throws: LedgerError.self) {
        _ = try await ledger.beginImport(begin, caller: Self.admin)
      }
      #expect(error?.code == .failedPrecondition)
    }
  }

  @Test("a source's audit events hold its hash and size, not its text")
  func auditEventsOmitArchivedText() async throws {
    try await withLedger { ledger, store in
      let text = String(repeating: "Archived report text. ", count: 10_000) + "End."
      let source = try await ledger.createSource(
        Make.source("Report", outlet: "Outlet", text: text), caller: Self.editor)
      _ = try await ledger.updateSource(
        Self.sourceUpdate(source.id, "title") { $0.title = "Report, corrected title" }, caller: Self.editor)
      let events = try await store.auditEvents(AuditQuery())
      #expect(events.count == 2)
      for event in events {
        for resource in [event.before, event.after].compactMap({ $0 }) {
          guard case .source(let value)? = resource.kind else { continue }
          #expect(value.archivedText.isEmpty)
          #expect(value.archivedTextSha256 == source.archivedTextSha256)
          #expect(value.archivedTextSize == Int64(text.utf8.count))
        }
        #expect(event.serializedBytes().count < 2_000)
      }
    }
  }

  @Test("audit reads are paged: at most 1,000 events unless asked for fewer or up to 10,000")
  func auditReadsArePaged() async throws {
    try await withLedger { ledger, _ in
      let speaker = try await ledger.createSpeaker(Make.speaker("Prolific Speaker"), caller: Self.editor)
      for index in 0..<1_005 {
        _ = try await ledger.createClaim(
          Make.claim("Statement \(index)", speaker: speaker.id, said: "2020"), caller: Self.editor)
      }
      #expect(try await ledger.auditEvents(ListAuditEventsRequest(), caller: Self.editor).count == 1_000)
      var next = ListAuditEventsRequest()
      next.afterSequence = 1_000
      #expect(try await ledger.auditEvents(next, caller: Self.editor).count == 6)
      var huge = ListAuditEventsRequest()
      huge.limit = 1_000_000
      #expect(try await ledger.auditEvents(huge, caller: Self.editor).count == 1_006)
    }
  }

  @Test("a passage pasted in NFD anchors in NFC text and is stored as the text has it")
  func quotesAreStoredAsTheSourceHasThem() async throws {
    try await withLedger { ledger, _ in
      let claim = try await Self.claim("We don't have any gays", by: "Ramzan Kadyrov", said: "2017-07", in: ledger)
      let text = "Les défenseurs ont documenté les détentions à Grozny, selon Novaya Gazeta."
      let source = try await ledger.createSource(
        Make.source("Rapport", outlet: "Le Monde", text: text), caller: Self.editor)
      let nfd = "documenté les détentions".decomposedStringWithCanonicalMapping
      #expect(Array(nfd.utf8) != Array("documenté les détentions".utf8))
      let link = try await ledger.createLink(
        Make.link(claim.id, source: source.id, .contradicts, quote: nfd), caller: Self.editor)
      #expect(Array(link.quote!.exact.utf8) == Array("documenté les détentions".utf8))
      #expect(!link.unverified)

      let bare = try await ledger.createSource(Make.source("Broadcast", outlet: "Radio"), caller: Self.editor)
      let unchecked = try await ledger.createLink(
        Make.link(claim.id, source: bare.id, .contradicts, quote: "anything at all"), caller: Self.editor)
      #expect(unchecked.unverified)
    }
  }

  @Test("a link and a change of its source's text never leave a quote missing from the text")
  func linkAndSourceUpdateDoNotRace() async throws {
    try await withLedger { ledger, store in
      let claim = try await Self.claim("Nothing happened", by: "Official", said: "2020", in: ledger)
      for attempt in 0..<40 {
        let source = try await ledger.createSource(
          Make.source("Report \(attempt)", outlet: "Outlet", text: "The passage that proves it happened."),
          caller: Self.editor)
        async let linked: Link? = try? ledger.createLink(
          Make.link(
            claim.id, source: source.id, .contradicts,
            quote: "the passage that proves it"
              .replacingOccurrences(of: "the", with: "The")), caller: Self.editor)
        let update = Self.sourceUpdate(source.id, "archived_text") { $0.archivedText = "A different text altogether." }
        async let updated: Source? = try? ledger.updateSource(update, caller: Self.editor)
        _ = await (linked, updated)
        guard let stored = try await store.get(Source.self, id: source.id) else {
          Issue.record("source gone")
          return
        }
        var query = LinkFilter()
        query.sourceID = source.id
        for link in try await store.listLinks(query, pageSize: 10, pageToken: "").items {
          #expect(
            stored.archivedText.contains(link.quote?.exact ?? ""),
            "attempt \(attempt): link \(link.id) kept while its quote left the text")
        }
      }
    }
  }
}

extension FieldMask {
  init(paths: [String]) {
    self.init()
    self.paths = paths
  }
}

@Suite("text quote anchors")
struct TextQuoteAnchorTests {
  func quote(_ exact: String, prefix: String = "", suffix: String = "") -> TextQuote {
    var quote = TextQuote()
    quote.exact = exact
    quote.prefix = prefix
    quote.suffix = suffix
    return quote
  }

  @Test("NFD text and an NFC passage: the passage, prefix and suffix are taken from the text")
  func decomposedText() throws {
    let text = "Il a dit: « Kadyrov a nié » puis a quitté la salle.".decomposedStringWithCanonicalMapping
    let found = try #require(TextQuoteAnchor.anchor(quote("a quitté", prefix: "puis ", suffix: " la"), in: text))
    #expect(Array(found.exact.utf8) == Array("a quitté".decomposedStringWithCanonicalMapping.utf8))
    // The context stored is up to 32 characters of the text itself, not the request's.
    #expect(found.prefix == "l a dit: « Kadyrov a nié » puis " && found.suffix == " la salle.")
  }

  @Test("a passage that is not there, or only partly, is not found")
  func absent() {
    #expect(TextQuoteAnchor.anchor(quote("Кадыров сказал"), in: "Рамзан Кадыров заявил") == nil)
    #expect(TextQuoteAnchor.anchor(quote("заявил", suffix: " громко"), in: "Рамзан Кадыров заявил") == nil)
    #expect(TextQuoteAnchor.anchor(quote("Кадыров"), in: "Рамзан Кадыров заявил")?.exact == "Кадыров")
  }
}

@Suite("import sessions are bounded")
struct ImportSessionBoundsTests {
  @Test("one user may hold 8 import sessions; a new restore replaces an abandoned one")
  func sessionsBounded() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let ledger = Ledger(store: try SQLiteLedgerStore(path: directory + "/ledger.sqlite"))
    for _ in 0..<ImportSessions.sessionsPerUser {
      _ = try await ledger.beginImport(BeginImportRequest(), caller: TrustedRecordTests.editor)
    }
    let error = await #expect(throws: LedgerError.self) {
      _ = try await ledger.beginImport(BeginImportRequest(), caller: TrustedRecordTests.editor)
    }
    #expect(error?.code == .resourceExhausted)
    var restore = BeginImportRequest()
    restore.restore = true
    let first = try await ledger.beginImport(restore, caller: TrustedRecordTests.admin).importID
    _ = try await ledger.beginImport(restore, caller: TrustedRecordTests.admin)
    var finish = FinishImportRequest()
    finish.importID = first
    await #expect(throws: LedgerError.self) {
      _ = try await ledger.finishImport(finish, caller: TrustedRecordTests.admin)
    }
  }
}
