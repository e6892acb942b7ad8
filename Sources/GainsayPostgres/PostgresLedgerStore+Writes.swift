import Foundation
public import GainsayCore
public import GainsayProto
import PostgresNIO

/// Writes: a resource, its side tables, its search entry and its audit event, in one transaction; each
/// resource's own file (`PostgresLedgerStore+Claims.swift`, …) holds its rows and checks.
extension PostgresLedgerStore {
  public func insert<R: StoredRecord>(_ record: R, audit: AuditDraft) async throws -> AuditEvent {
    let resource = record.resource
    return try await write { tx in
      try await Self.checkConstraints(tx.db, for: resource, replacing: nil)
      try await Self.store(tx.db, resource, isNew: true)
      return try await Self.appendAudit(tx, audit, before: nil, after: resource)
    }
  }

  public func update<R: StoredRecord>(
    _ type: R.Type,
    id: String,
    expectedRevision: Int32,
    audit: AuditDraft,
    change: @escaping @Sendable (R) throws -> R
  ) async throws -> (R, AuditEvent) {
    try await write { tx in
      guard let before = try await Self.fetch(tx.db, R.resourceType, id: id, forUpdate: true) else {
        throw LedgerError.notFound(R.resourceType.noun, id, field: "id")
      }
      let after = try R.changed(before, expectedRevision: expectedRevision, by: change)
      try await Self.checkConstraints(tx.db, for: after, replacing: before)
      try await Self.store(tx.db, after, isNew: false)
      let event = try await Self.appendAudit(tx, audit, before: before, after: after)
      return (try R.unwrapped(try await Self.fetch(tx.db, R.resourceType, id: id) ?? after), event)
    }
  }

  /// Clear errors for the conflicts the constraints would refuse less helpfully: the SQLite store's
  /// checks, with its codes and messages, in the transaction that writes (each resource's own file holds
  /// its checks).
  static func checkConstraints(_ db: PGConnection, for resource: Resource, replacing: Resource?) async throws {
    switch resource.kind {
    case .speaker(let speaker): try await checkNames(db, of: speaker)
    case .claim(let claim): try await checkClaim(db, claim, replacing: replacing.flatMap { Claim($0) })
    case .link(let link) where link.state == .active && replacing == nil: try await checkNewLink(db, link)
    default: break
    }
  }

  /// Writes a resource's row, its side tables and its search entry.
  static func store(_ db: PGConnection, _ resource: Resource, isNew: Bool) async throws {
    switch resource.kind {
    case .speaker(let speaker): try await storeSpeaker(db, speaker, isNew: isNew)
    case .claim(let claim): try await storeClaim(db, claim, isNew: isNew)
    case .source(let source): try await storeSource(db, source)
    case .link(let link): try await storeLink(db, link)
    case .verdict(let verdict): try await storeVerdict(db, verdict)
    case nil: throw LedgerError(.internal, "an empty resource cannot be stored")
    }
  }
}
