import Foundation
import GRDB
import GainsayProto
import GainsayTestSupport
import Testing

@testable import GainsayCore
@testable import GainsayStore

/// The pieces the write path's speed rests on: time-ordered ids, the validation fast paths, the text
/// hash that finds a claim again, and the migration that adds it to an existing ledger.
@Suite("store internals")
struct StoreInternalsTests {
  @Test("ids keep their shape, never repeat and sort in the order they were made")
  func idsAreOrdered() {
    let ids = (0..<20_000).map { _ in ResourceID.make("clm") }
    #expect(Set(ids).count == ids.count)
    #expect(ids == ids.sorted())
    let alphabet = Set("0123456789abcdefghjkmnpqrstvwxyz")
    for id in ids.prefix(100) {
      #expect(id.hasPrefix("clm_") && id.count == 20)
      #expect(id.dropFirst(4).allSatisfy { alphabet.contains($0) })
    }
    // The time part is the clock's: an id made a little later sorts after.
    let earlier = ResourceID.make("src")
    Thread.sleep(forTimeInterval: 0.002)
    #expect(ResourceID.make("src") > earlier)
  }

  @Test("the trimming fast path trims exactly as Foundation does")
  func trimming() {
    let samples = [
      "", " ", "plain", "  padded  ", "\ttabbed\n", "\u{00A0}no-break\u{00A0}", "\u{2003}em space\u{3000}",
      "\u{2028}line\u{2029}", "\u{85}next line\u{85}", "inner  space kept", "Кадыров ", " «Нет геев»",
      "\r\n", "x\u{0B}", "\u{FEFF}bom", "e\u{301} ", "🙂 ",
    ]
    for sample in samples {
      #expect(
        Validate.trimmed(sample) == sample.trimmingCharacters(in: .whitespacesAndNewlines), "\(sample.debugDescription)"
      )
    }
  }

  @Test("control characters are found in ASCII and in any other text")
  func controlCharacters() {
    #expect(!Validate.hasControlCharacter("plain text", allowingLineBreaks: false))
    #expect(Validate.hasControlCharacter("bell\u{07}", allowingLineBreaks: true))
    #expect(Validate.hasControlCharacter("del\u{7F}", allowingLineBreaks: true))
    #expect(Validate.hasControlCharacter("two\nlines", allowingLineBreaks: false))
    #expect(!Validate.hasControlCharacter("two\nlines\tand\r\n", allowingLineBreaks: true))
    #expect(Validate.hasControlCharacter("Кадыров\u{85}", allowingLineBreaks: true))
    #expect(Validate.hasControlCharacter("Кадыров\u{00}", allowingLineBreaks: true))
    // The check by code point is the general category Cc, for every scalar Unicode has.
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let control = scalar.properties.generalCategory == .control
      if Validate.hasControlCharacter("Кадыров" + String(Character(scalar)), allowingLineBreaks: false) != control {
        Issue.record("U+\(String(value, radix: 16)) is\(control ? "" : " not") a control character")
      }
    }
    #expect(!Validate.hasControlCharacter("Кадыров\n", allowingLineBreaks: true))
    #expect(!Validate.hasControlCharacter("Кадыров «Нет геев»", allowingLineBreaks: false))
  }

  @Test("a long text is measured in characters, not bytes")
  func lengthInCharacters() throws {
    // 150 Cyrillic letters are 300 bytes: within a 200-character limit.
    #expect(try Validate.line(String(repeating: "ж", count: 150), field: "f", required: true).count == 150)
    #expect(throws: LedgerError.self) {
      try Validate.line(String(repeating: "ж", count: 201), field: "f", required: true)
    }
  }

  @Test("every commit is synced: the writer runs with synchronous = FULL, whatever GRDB's WAL setup chose")
  func commitsAreSynced() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    #expect(try await store.writerSynchronousMode() == 2)
    try store.close()
  }

  @Test("gainsay_rank stays a number whatever the counts it is given (a NaN rank would be NULL)")
  func rankIsAlwaysANumber() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite")
    let ledger = Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test"))
    let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)
    let speaker = try await ledger.createSpeaker(Make.speaker("Finance Minister"), caller: editor)
    for index in 0..<3 {
      _ = try await ledger.createClaim(
        Make.claim("The budget is balanced, year \(index)", speaker: speaker.id, said: "2020"), caller: editor)
    }
    // More rows holding the word than there are rows, none, negative, and no count at all.
    for counts in ["1000000.0", "0.0", "-5.0", "99999999999999.0", ""] {
      let rank = "gainsay_rank(0.0, 0.0, 10.0, 1.0" + (counts.isEmpty ? "" : ", " + counts) + ")"
      let ranks = try await store.pool.read { db in
        try Double?.fetchAll(
          db, sql: "SELECT rank FROM search_index WHERE search_index MATCH 'budget' AND rank MATCH ? ORDER BY rank",
          arguments: [rank])
      }
      #expect(ranks.count == 3 && ranks.allSatisfy { $0 != nil }, "\(rank)")
    }
    try store.close()
  }

  @Test("a ledger made before the text hash is migrated, and its claims are found again by their text")
  func textHashMigration() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/ledger.sqlite"
    var claim = Claim()
    claim.id = "clm_old"
    claim.speakerID = "spk_old"
    claim.text = "We don't have any gays"
    claim.saidOn = PartialDate(iso: "2017-07")
    claim.state = .active
    do {
      let queue = try DatabaseQueue(path: path)
      try Schema.migrator().migrate(queue, upTo: "v2: search vocabulary, retracted claims")
      try await queue.write { [claim] db in
        var speaker = Speaker()
        speaker.id = "spk_old"
        speaker.name = "Ramzan Kadyrov"
        try db.execute(
          sql: "INSERT INTO speaker(id, name, record) VALUES (?, ?, ?)",
          arguments: [speaker.id, speaker.name, Data(speaker.serializedBytes())])
        try db.execute(
          sql: """
            INSERT INTO claim(id, speaker_id, said_start, said_end, text_key, state, record)
            VALUES (?, ?, '2017-07-01', '2017-07-31', ?, 1, ?)
            """,
          arguments: [claim.id, claim.speakerID, Similarity.normalised(claim.text), Data(claim.serializedBytes())])
      }
      try queue.close()
    }
    let store = try SQLiteLedgerStore(path: path)
    let found = try await store.claims(matching: [(speakerID: "spk_old", text: "we DON'T have any gays!")])
    #expect(found.map(\.id) == ["clm_old"])
    // Another speaker's identical words are another claim.
    #expect(try await store.claims(matching: [(speakerID: "spk_other", text: claim.text)]).isEmpty)
    #expect(try await store.integrityCheck() == "ok")
    try store.close()
  }
}
