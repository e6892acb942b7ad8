import Foundation
import GainsayCore
import GainsayProto
import GainsayTestSupport
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

  @Test("a sealed file changed while the daemon was down is checked in full, and corruption refused")
  func changedFileIsChecked() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = try await makeLedgerFile(directory)
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    let size = try handle.seekToEnd()
    // Garbage over the middle third of the file: table and index pages, not the header.
    try handle.seek(toOffset: size / 3)
    try handle.write(contentsOf: Data(repeating: 0x5A, count: Int(size / 3)))
    try handle.close()
    #expect(!CloseSeal.matches(databasePath: path))
    #expect(throws: LedgerError.self) { _ = try SQLiteLedgerStore(path: path) }
  }
}
