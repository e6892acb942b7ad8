import Foundation
public import GainsayCore
import GainsayProto
import PostgresNIO

extension PostgresLedgerStore {
  /// A report reads in one REPEATABLE READ, READ ONLY transaction on one connection, held until `body`
  /// returns: every read sees the ledger as it was at the first, while other writes go on.
  public func readReport<T>(_ body: (any ReportReader) async throws -> T) async throws -> T {
    // Fails fast with UNAVAILABLE while PostgreSQL is down (the lease below waits for the pool).
    try await read { _ in () }
    let logger = logger
    var result: T?
    do {
      try await client.withConnection { connection in
        let db = PGConnection(connection: connection, logger: logger)
        try await db.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
          result = try await body(PostgresReportReader(db: db, store: self))
        } catch {
          try? await db.run("ROLLBACK")
          throw error
        }
        try await db.run("COMMIT")
      }
    } catch {
      throw storeError(error)
    }
    guard let result else { throw LedgerError(.internal, "the report produced nothing") }
    return result
  }
}

/// The ``ReportReader`` of ``PostgresLedgerStore``: batched reads in one snapshot.
struct PostgresReportReader: ReportReader {
  let db: PGConnection
  let store: PostgresLedgerStore

  private func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch { throw store.storeError(error) }
  }

  func claimKeys(_ filter: ClaimFilter, limit: Int) async throws -> [ReportClaimKey] {
    var sql = SQL("SELECT c.id, c.said_start FROM claim c WHERE ")
    PostgresLedgerStore.addConditions(of: filter, to: &sql)
    sql.add(" LIMIT ?", Int64(limit))
    return try await guarded {
      try await db.rows(sql).map {
        let (id, start) = try $0.decode((String, String).self)
        return ReportClaimKey(id: id, saidStart: start)
      }
    }
  }

  func claims(ids: [String]) async throws -> [String: Claim] {
    try await guarded { try await Self.claims(db, ids: Array(Set(ids))) }
  }

  static func claims(_ db: PGConnection, ids: [String]) async throws -> [String: Claim] {
    var claims: [String: Claim] = [:]
    for batch in ids.batches(of: 500) {
      var sql = SQL(PostgresLedgerStore.claimSelect)
      sql.add(" WHERE c.id = ANY(?)", Array(batch))
      for row in try await db.rows(sql) {
        let claim = try PostgresLedgerStore.claim(from: row)
        claims[claim.id] = claim
      }
    }
    return claims
  }

  func speakers(ids: [String]) async throws -> [String: Speaker] {
    try await guarded { try await Self.speakers(db, ids: Array(Set(ids))) }
  }

  static func speakers(_ db: PGConnection, ids: [String]) async throws -> [String: Speaker] {
    var speakers: [String: Speaker] = [:]
    for batch in ids.batches(of: 500) {
      for row in try await db.rows("SELECT record FROM speaker WHERE id = ANY(\(Array(batch)))") {
        let speaker = try Speaker(serializedBytes: try row.decode(Data.self))
        speakers[speaker.id] = speaker
      }
    }
    return speakers
  }

  func evidence(for claims: [Claim]) async throws -> ReportEvidence {
    try await guarded { try await evidence(claims) }
  }

  private func evidence(_ claims: [Claim]) async throws -> ReportEvidence {
    let wanted = Set(claims.map(\.id))
    let ids = Array(wanted)
    var evidence = ReportEvidence()
    // Links with the claims at either end, in the order they were made.
    var links: [Int64: Link] = [:]
    var sourceIDs: Set<String> = []
    var otherClaimIDs: Set<String> = []
    for batch in ids.batches(of: 500) {
      let list = Array(batch)
      let rows = try await db.rows(
        "SELECT seq, record FROM link WHERE state = 1 AND (claim_id = ANY(\(list)) OR target_claim_id = ANY(\(list)))")
      for row in rows {
        let (seq, record) = try row.decode((Int64, Data).self)
        guard links[seq] == nil else { continue }
        let link = try Link(serializedBytes: record)
        links[seq] = link
        switch link.target {
        case .sourceID(let id)?: sourceIDs.insert(id)
        case .targetClaimID(let id)?:
          for end in [link.claimID, id] where !wanted.contains(end) { otherClaimIDs.insert(end) }
        case nil: break
        }
      }
    }
    for (_, link) in links.sorted(by: { $0.key < $1.key }) {
      if wanted.contains(link.claimID) { evidence.links[link.claimID, default: []].append(link) }
      if case .targetClaimID(let id)? = link.target, wanted.contains(id) {
        evidence.links[id, default: []].append(link)
      }
    }
    // The latest active verdict of each claim.
    for batch in ids.batches(of: 500) {
      let rows = try await db.rows(
        """
        SELECT DISTINCT ON (claim_id) claim_id, record FROM verdict
        WHERE claim_id = ANY(\(Array(batch))) AND state = 1
        ORDER BY claim_id, create_time DESC, seq DESC
        """)
      for row in rows {
        let (claimID, record) = try row.decode((String, Data).self)
        evidence.latestVerdicts[claimID] = try Verdict(serializedBytes: record)
      }
    }
    // Sources without their archived text: `record` is stored without it.
    for batch in Array(sourceIDs).batches(of: 500) {
      for row in try await db.rows("SELECT record FROM source WHERE id = ANY(\(Array(batch)))") {
        let source = try Source(serializedBytes: try row.decode(Data.self))
        evidence.sources[source.id] = source
      }
    }
    evidence.relatedClaims = try await Self.claims(db, ids: Array(otherClaimIDs))
    for claim in claims { evidence.relatedClaims[claim.id] = claim }
    evidence.speakers = try await Self.speakers(db, ids: Array(Set(evidence.relatedClaims.values.map(\.speakerID))))
    return evidence
  }
}
