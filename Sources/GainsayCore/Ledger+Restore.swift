import Foundation
public import GainsayProto
import Synchronization

/// One record of a restore, with the line it came from (for errors).
public struct RestoreRecord: Sendable {
  public var line: Int64
  public var record: LedgerRecord

  public init(line: Int64, record: LedgerRecord) {
    self.line = line
    self.record = record
  }
}

/// Restoring an export: the records keep their ids, revisions and audit history, so nothing in them is
/// taken on trust. Only an admin may restore, only into an empty ledger; the records are staged whole,
/// verified together (``RestoreVerifier``) and committed in one transaction, or not at all.
extension Ledger {
  /// Fails unless the ledger holds nothing yet (no audit event: every write makes one).
  func requireEmptyLedger() async throws {
    guard try await store.lastSequence() == 0 else {
      throw LedgerError(
        .failedPrecondition,
        "a restore goes into an empty ledger only; this one already holds records: start a daemon on a new "
          + "data folder (--data-dir) and restore there")
    }
  }

  /// Stages a chunk of a restore; nothing is checked across records until FinishImport.
  func stageRestore(_ request: ImportRecordsRequest, session: ImportSessions.Session) throws -> ImportRecordsResponse {
    var session = session
    var outcomes: [ImportOutcome] = []
    for item in request.records {
      var outcome = ImportOutcome()
      outcome.line = item.line
      if let record = item.record, record.record != nil {
        session.restoreBytes += record.serializedBytes().count
        guard session.restoreBytes <= ImportSessions.restoreByteLimit else {
          _ = imports.sessions.withLock { $0.removeValue(forKey: request.importID) }
          throw LedgerError(
            .resourceExhausted,
            "a restore may stage at most \(ImportSessions.restoreByteLimit >> 20) MiB; this one was abandoned")
        }
        session.restoreRecords.append(RestoreRecord(line: item.line, record: record))
        outcome.result = .created
      } else {
        outcome.result = .rejected
        outcome.error = "record: is empty"
        session.failed = true
      }
      session.count(outcome.result)
      outcomes.append(outcome)
    }
    return saved(session, id: request.importID, outcomes: outcomes)
  }

  /// Verifies the whole restore and commits it in one transaction, or throws naming the first broken rule.
  func finishRestore(_ session: ImportSessions.Session, commit: Bool) async throws -> FinishImportResponse {
    var response = FinishImportResponse()
    response.rejected = session.counts.rejected
    guard commit, !session.failed else { return response }
    let verified = try RestoreVerifier(rules: self, now: now()).verify(session.restoreRecords)
    try await store.restore(verified)
    response.created = Int64(session.restoreRecords.count)
    response.committed = true
    return response
  }
}
