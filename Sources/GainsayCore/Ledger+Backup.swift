import Foundation
public import GainsayProto

#if canImport(Glibc)
  import Glibc
#endif

/// Evidence suggestions and backups.
extension Ledger {
  /// Sources whose archived text most likely bears on a claim, best first, each with its best passage.
  public func suggestEvidence(
    _ request: SuggestEvidenceRequest, caller: CallerIdentity
  ) async throws -> [EvidenceSuggestion] {
    try require(.reader, caller, to: "suggesting evidence")
    let id = try Validate.id(request.claimID, field: "claim_id")
    let claim = try await existingClaim(id, field: "claim_id")
    guard request.limit >= 0 else { throw LedgerError.invalid("limit", "must not be negative") }
    let speaker = try await store.get(Speaker.self, id: claim.speakerID)
    return try await EvidenceSuggester(store: store).suggest(
      for: claim, speaker: speaker, limit: request.limit == 0 ? 10 : min(Int(request.limit), 100))
  }

  /// A consistent copy of the ledger's database, streamed to the caller: a header with its size and last
  /// sequence, then its bytes in chunks of at most ``backupChunkSize``. The daemon checks the copy before
  /// sending anything, and writes no file outside its own data folder.
  public func backup(
    _ request: BackupRequest, caller: CallerIdentity, deliver: (BackupChunk) async throws -> Void
  ) async throws {
    try require(.admin, caller, to: "taking a backup")
    try await store.withBackupSnapshot { snapshot in
      var header = BackupHeader()
      header.sizeBytes = snapshot.size
      header.lastSequence = snapshot.lastSequence
      var first = BackupChunk()
      first.part = .header(header)
      try await deliver(first)
      var buffer = [UInt8](repeating: 0, count: Self.backupChunkSize)
      var sent: Int64 = 0
      while sent < snapshot.size {
        let count = buffer.withUnsafeMutableBytes { bytes in
          pread(snapshot.descriptor, bytes.baseAddress, min(bytes.count, Int(snapshot.size - sent)), off_t(sent))
        }
        guard count > 0 else {
          throw LedgerError(.internal, "the backup copy ended after \(sent) of \(snapshot.size) bytes")
        }
        var chunk = BackupChunk()
        chunk.part = .data(Array(buffer[0..<count]))
        try await deliver(chunk)
        sent += Int64(count)
      }
    }
  }

  /// The largest data chunk of a backup stream.
  public static let backupChunkSize = 1 << 20
}
