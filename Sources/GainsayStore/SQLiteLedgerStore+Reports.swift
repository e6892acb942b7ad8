import Foundation
import GRDB
public import GainsayCore
import GainsayProto

extension SQLiteLedgerStore {
  /// A report reads from one `DatabaseSnapshot`: a read-only connection of its own whose transaction stays
  /// open until the report is done. In WAL mode writers go on meanwhile; the WAL cannot be checkpointed
  /// past the snapshot until it ends, so a report held open by a slow client (bounded by the call's
  /// deadline) lets the WAL grow for that long.
  public func readReport<T>(_ body: (any ReportReader) async throws -> T) async throws -> T {
    let snapshot: DatabaseSnapshot
    do {
      snapshot = try pool.makeSnapshot()
    } catch let error as DatabaseError {
      throw Self.ledgerError(error)
    }
    return try await body(SQLiteReportReader(snapshot: snapshot))
  }
}

/// The ``ReportReader`` of ``SQLiteLedgerStore``: batched reads on one snapshot.
struct SQLiteReportReader: ReportReader {
  let snapshot: DatabaseSnapshot

  private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try await SQLiteLedgerStore.read(snapshot, body)
  }

  func claimKeys(_ filter: ClaimFilter, limit: Int) async throws -> [ReportClaimKey] {
    let (conditions, arguments) = SQLiteLedgerStore.conditions(of: filter)
    let sql = "SELECT c.id, c.said_start FROM claim c WHERE " + conditions + " LIMIT ?"
    let query = arguments + [limit]
    return try await read { db in
      try Row.fetchAll(db, sql: sql, arguments: query).map { ReportClaimKey(id: $0[0], saidStart: $0[1]) }
    }
  }

  func claims(ids: [String]) async throws -> [String: Claim] {
    let unique = Array(Set(ids))
    return try await read { db in try Self.claims(db, ids: unique) }
  }

  private static func claims(_ db: Database, ids: [String]) throws -> [String: Claim] {
    var claims: [String: Claim] = [:]
    for batch in ids.batches() {
      let rows = try Row.fetchCursor(
        db, sql: SQLiteLedgerStore.claimSelect + " WHERE c.id IN (\(SQLiteLedgerStore.placeholders(batch.count)))",
        arguments: StatementArguments(batch))
      while let row = try rows.next() {
        let claim = try SQLiteLedgerStore.claim(from: row)
        claims[claim.id] = claim
      }
    }
    return claims
  }

  func speakers(ids: [String]) async throws -> [String: Speaker] {
    let unique = Array(Set(ids))
    return try await read { db in try Self.speakers(db, ids: unique) }
  }

  private static func speakers(_ db: Database, ids: [String]) throws -> [String: Speaker] {
    var speakers: [String: Speaker] = [:]
    for batch in ids.batches() {
      let rows = try Row.fetchCursor(
        db, sql: "SELECT record FROM speaker WHERE id IN (\(SQLiteLedgerStore.placeholders(batch.count)))",
        arguments: StatementArguments(batch))
      while let row = try rows.next() {
        let speaker = try Speaker(serializedBytes: row[0] as Data)
        speakers[speaker.id] = speaker
      }
    }
    return speakers
  }

  func evidence(for claims: [Claim]) async throws -> ReportEvidence {
    let wanted = Set(claims.map(\.id))
    let ids = Array(wanted)
    return try await read { db in
      var evidence = ReportEvidence()

      // Links with the claims at either end: the claim's own links, then links from other claims to it.
      var links: [Int64: Link] = [:]
      var sourceIDs: Set<String> = []
      var otherClaimIDs: Set<String> = []
      for column in ["claim_id", "target_claim_id"] {
        for batch in ids.batches() {
          let rows = try Row.fetchCursor(
            db,
            sql:
              "SELECT rowid, record FROM link WHERE state = 1 AND \(column) IN (\(SQLiteLedgerStore.placeholders(batch.count)))",
            arguments: StatementArguments(batch))
          while let row = try rows.next() {
            let rowid: Int64 = row[0]
            guard links[rowid] == nil else { continue }
            let link = try Link(serializedBytes: row[1] as Data)
            links[rowid] = link
            switch link.target {
            case .sourceID(let id)?: sourceIDs.insert(id)
            case .targetClaimID(let id)?:
              for end in [link.claimID, id] where !wanted.contains(end) { otherClaimIDs.insert(end) }
            case nil: break
            }
          }
        }
      }
      for (_, link) in links.sorted(by: { $0.key < $1.key }) {
        if wanted.contains(link.claimID) { evidence.links[link.claimID, default: []].append(link) }
        if case .targetClaimID(let id)? = link.target, wanted.contains(id) {
          evidence.links[id, default: []].append(link)
        }
      }

      // The latest active verdict of each claim: the first of each claim's, newest first.
      for batch in ids.batches() {
        let rows = try Row.fetchCursor(
          db,
          sql: """
            SELECT claim_id, record FROM verdict
            WHERE claim_id IN (\(SQLiteLedgerStore.placeholders(batch.count))) AND state = 1
            ORDER BY claim_id, create_time DESC, rowid DESC
            """,
          arguments: StatementArguments(batch))
        while let row = try rows.next() {
          let claimID: String = row[0]
          guard evidence.latestVerdicts[claimID] == nil else { continue }
          evidence.latestVerdicts[claimID] = try Verdict(serializedBytes: row[1] as Data)
        }
      }

      // Sources without their archived text: `record` is stored without it.
      for batch in Array(sourceIDs).batches() {
        let rows = try Row.fetchCursor(
          db, sql: "SELECT record FROM source WHERE id IN (\(SQLiteLedgerStore.placeholders(batch.count)))",
          arguments: StatementArguments(batch))
        while let row = try rows.next() {
          let source = try Source(serializedBytes: row[0] as Data)
          evidence.sources[source.id] = source
        }
      }

      // Related claims: those outside the page are read; the page's own are passed in.
      evidence.relatedClaims = try Self.claims(db, ids: Array(otherClaimIDs))
      for claim in claims { evidence.relatedClaims[claim.id] = claim }

      // The page's claims are among the related ones now.
      evidence.speakers = try Self.speakers(db, ids: Array(Set(evidence.relatedClaims.values.map(\.speakerID))))
      return evidence
    }
  }
}

extension Array {
  /// The array in slices of at most `size` elements, for `IN (…)` lists well below SQLite's limit of
  /// bound arguments.
  func batches(of size: Int = 500) -> [ArraySlice<Element>] {
    stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
  }
}
