public import GainsayProto

/// Optimistic concurrency: an update names the revision it was based on, and is refused when the record
/// has changed since, so that two journalists editing one record (through one daemon or several) never
/// overwrite each other silently.
extension Ledger {
  /// `expected_revision` of an update request, checked: 0 (no check) or a revision number.
  static func expectedRevision(_ value: Int32) throws -> Int32 {
    guard value >= 0 else {
      throw LedgerError.invalid(
        "expected_revision", "must be 0 (no check) or the revision the change was based on, not \(value)")
    }
    return value
  }

  /// Refuses the update when `expected` is set and the record (a `noun` with `id`) is now at `current`.
  /// Runs inside the store's write transaction, so no change can slip in between the check and the write.
  static func checkRevision(_ expected: Int32, current: Int32, _ noun: String, _ id: String, show: String) throws {
    guard expected > 0, expected != current else { return }
    throw LedgerError(
      .failedPrecondition,
      "expected_revision: \(noun) \(id) is at revision \(current), not revision \(expected) that this change was "
        + "based on: it changed since it was read; read it again (\(show)) and reapply the change",
      field: "expected_revision", resource: id)
  }
}

extension StoredRecord {
  /// Refuses a change based on revision `expected` (0: no check) when this record is now at another
  /// (FAILED_PRECONDITION on `expected_revision`, naming both). Stores call it inside their write
  /// transaction, before the change, so every store refuses a stale update with the same message.
  public func checkRevision(expected: Int32) throws {
    let noun = Self.resourceType.noun
    try Ledger.checkRevision(expected, current: countedRevision ?? 0, noun, id, show: "gainsay \(noun) show \(id)")
  }

  /// The new state of `current` (a record of this type, as the store holds it) after a typed update:
  /// its revision checked against `expectedRevision`, then `change` applied. For a store's write
  /// transaction.
  public static func changed(
    _ current: Resource, expectedRevision: Int32, by change: (Self) throws -> Self
  ) throws -> Resource {
    let record = try unwrapped(current)
    try record.checkRevision(expected: expectedRevision)
    return try change(record).resource
  }
}
