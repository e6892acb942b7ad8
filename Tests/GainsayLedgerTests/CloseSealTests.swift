import Foundation
import GainsayCore
import GainsayProto
import GainsayTestSupport
import GRDB
import Synchronization
import Testing

@testable import GainsayStore

/// A clean close seals the database so the next start may skip the full check; anything else runs it.
@Suite("close seal")
struct CloseSealTests {
  static let editor = CallerIdentity(uid: 1000, gid: 1000, userName: "desk-editor", role: .editor)

  func makeLedgerFile(_ directory: String) async throws -> String {
    let path = directory + "/ledger.sqlite"
    let store = try SQLiteLedgerStore(path: path)
    let ledger = Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test"))
    let speaker = try await ledger.createSpeaker(Make.speaker("Sealed Speaker"), caller: Self.editor)
    for index in 0..<200 {
      _ = try await ledger.createClaim(
        Make.claim("Statement number \(index) about the sealed ledger", speaker: speaker.id, said: "2020"),
        caller: Self.editor)
    }
    try store.close()
    return path
  }

  @Test("a clean close seals the file; opening it breaks the seal")
  func sealLifecycle() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = try await makeLedgerFile(directory)
    #expect(CloseSeal.matches(databasePath: path))
    let reopened = try SQLiteLedgerStore(path: path)
    // Open (and possibly written to), the file is no longer known good until the next clean close.
    #expect(!FileManager.default.fileExists(atPath: CloseSeal.sealPath(path)))
    try reopened.close()
    #expect(CloseSeal.matches(databasePath: path))
  }

  @Test("a sealed file changed while the daemon was down is checked: damage found refuses writes, not reads")
  func changedFileIsChecked() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = try await makeLedgerFile(directory)
    // Well-formed pages, wrong contents: an index that no longer matches its table.
    try corruptIndex(path)
    #expect(!CloseSeal.matches(databasePath: path))
    let store = try SQLiteLedgerStore(path: path)
    #expect(store.integrityCheckDue)
    let ledger = Ledger(store: store, configuration: LedgerConfiguration(publisher: "Test"))
    let before = try await ledger.listSpeakers(ListSpeakersRequest(), caller: Self.editor)
    let logged = LogLines()
    await store.checkIntegrityInBackground { damaged, line in logged.append((damaged, line)) }
    let report = store.integrity.report
    #expect(report.state == .damaged)
    #expect(report.writesRefused)
    #expect(report.problems.contains { $0.contains("claim_by_speaker") })
    #expect(logged.lines.last?.damaged == true)
    do {
      _ = try await ledger.createSpeaker(Make.speaker("Written After The Damage"), caller: Self.editor)
      Issue.record("a write went through on a damaged ledger")
    } catch let error as LedgerError {
      #expect(error.code == .failedPrecondition)
      #expect(error.reason == "LEDGER_DAMAGED")
    }
    // Reads go on.
    let after = try await ledger.listSpeakers(ListSpeakersRequest(), caller: Self.editor)
    #expect(after.speakers.map(\.id) == before.speakers.map(\.id))
    // The full check agrees; damage stays until a restart on a repaired file.
    let full = try await store.checkIntegrity()
    #expect(full.state == .damaged)
  }

  @Test("after an unclean stop the check runs in the background, table by table, and finds a sound ledger")
  func uncleanStopIsChecked() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = try await makeLedgerFile(directory)
    do {
      let crashed = try SQLiteLedgerStore(path: path)
      _ = try await Ledger(store: crashed, configuration: LedgerConfiguration(publisher: "Test"))
        .createSpeaker(Make.speaker("Written Before The Crash"), caller: Self.editor)
      // Not closed: as after kill -9, no seal.
    }
    let store = try SQLiteLedgerStore(path: path)
    #expect(store.integrityCheckDue)
    #expect(store.integrity.report.state == .checking)
    await store.checkIntegrityInBackground { _, _ in }
    let report = store.integrity.report
    #expect(report.state == .checked)
    #expect(report.tablesTotal > 10 && report.tablesChecked == report.tablesTotal)
    #expect(!report.writesRefused && !report.full)
    let full = try await store.checkIntegrity()
    #expect(full.state == .checked && full.full)
    try store.close()
    let sealed = try SQLiteLedgerStore(path: path)
    #expect(!sealed.integrityCheckDue)
    #expect(sealed.integrity.report.state == .sealed)
  }

  /// Points an index's definition at other columns without rebuilding it (what PRAGMA quick_check misses).
  func corruptIndex(_ path: String) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA writable_schema = ON")
      try db.execute(
        sql: """
          UPDATE sqlite_schema SET sql = replace(sql, 'claim(speaker_id, said_start)', 'claim(speaker_id, id)')
          WHERE name = 'claim_by_speaker'
          """)
    }
    try queue.close()
  }
}

/// Lines a check logs, from its thread.
final class LogLines: Sendable {
  private let storage = Mutex<[(damaged: Bool, line: String)]>([])
  func append(_ line: (Bool, String)) { storage.withLock { $0.append((line.0, line.1)) } }
  var lines: [(damaged: Bool, line: String)] { storage.withLock { $0 } }
}
