import Foundation
import GRDB
public import GainsayCore
public import GainsayProto

/// Writes: a resource, its side tables, its search entry and its audit event, in one transaction; each
/// resource's own file (`SQLiteLedgerStore+Claims.swift`, …) holds its rows and checks.
extension SQLiteLedgerStore {
  public func insert<R: StoredRecord>(_ record: R, audit: AuditDraft) async throws -> AuditEvent {
    let clock = auditClock
    let resource = record.resource
    let event = try await write { db in
      try Self.checkConstraints(db, for: resource, replacing: nil)
      try Self.store(db, resource, isNew: true, fresh: true)
      return try Self.appendAudit(db, audit, before: nil, after: resource, clock: clock)
    }
    countWords(of: [resource])
    return event
  }

  public func update<R: StoredRecord>(
    _ type: R.Type,
    id: String,
    expectedRevision: Int32,
    audit: AuditDraft,
    change: @escaping @Sendable (R) throws -> R
  ) async throws -> (R, AuditEvent) {
    let clock = auditClock
    let (stored, event) = try await write { db in
      guard let before = try Self.fetch(db, R.resourceType, id: id) else {
        throw LedgerError.notFound(R.resourceType.noun, id, field: "id")
      }
      let after = try R.changed(before, expectedRevision: expectedRevision, by: change)
      try Self.checkConstraints(db, for: after, replacing: before)
      try Self.store(db, after, isNew: false)
      let event = try Self.appendAudit(db, audit, before: before, after: after, clock: clock)
      return (try Self.fetch(db, R.resourceType, id: id) ?? after, event)
    }
    // A claim's new text may hold words it did not.
    countWords(of: [stored])
    return (try R.unwrapped(stored), event)
  }

  /// Clear errors for the conflicts SQLite's constraints would refuse less helpfully, checked in the
  /// transaction that writes (each resource's own file holds its checks).
  static func checkConstraints(_ db: Database, for resource: Resource, replacing: Resource?) throws {
    switch resource.kind {
    case .speaker(let speaker): try checkNames(db, of: speaker)
    case .claim(let claim): try checkClaim(db, claim, replacing: replacing.flatMap { Claim($0) })
    case .link(let link) where link.state == .active && replacing == nil: try checkNewLink(db, link)
    default: break
    }
  }

  /// Writes a resource's row, its side tables and its search entry.
  ///
  /// `isNew`: the resource is not in the ledger yet. `fresh`: its id was minted for this write, so
  /// there are no side rows or search entry to replace.
  static func store(_ db: Database, _ resource: Resource, isNew: Bool, fresh: Bool = false) throws {
    switch resource.kind {
    case .speaker(let speaker): try storeSpeaker(db, speaker, isNew: isNew, fresh: fresh)
    case .claim(let claim): try storeClaim(db, claim, isNew: isNew, fresh: fresh)
    case .source(let source): try storeSource(db, source, fresh: fresh)
    case .link(let link): try storeLink(db, link)
    case .verdict(let verdict): try storeVerdict(db, verdict)
    case nil: throw LedgerError(.internal, "an empty resource cannot be stored")
    }
  }

  /// Writes the search entry of a resource, replacing its old one unless the resource is `fresh`.
  static func index(
    _ db: Database, _ type: ResourceType, _ id: String, title: String, body: String, fresh: Bool
  ) throws {
    if !fresh { try unindex(db, type, id) }
    try db.cachedStatement(sql: "INSERT INTO search_index(resource_type, resource_id, title, body) VALUES (?, ?, ?, ?)")
      .execute(
        arguments: [type.rawValue, id, title, body])
    try db.cachedStatement(sql: "INSERT INTO search_entry(resource_type, resource_id, entry) VALUES (?, ?, ?)").execute(
      arguments: [type.rawValue, id, db.lastInsertedRowID])
  }

  /// Removes the search entry of a resource, if it has one.
  static func unindex(_ db: Database, _ type: ResourceType, _ id: String) throws {
    guard
      let entry = try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT entry FROM search_entry WHERE resource_type = ? AND resource_id = ?"),
        arguments: [type.rawValue, id])
    else { return }
    try db.cachedStatement(sql: "DELETE FROM search_index WHERE rowid = ?").execute(arguments: [entry])
    try db.cachedStatement(sql: "DELETE FROM search_entry WHERE resource_type = ? AND resource_id = ?").execute(
      arguments: [type.rawValue, id])
  }
}
