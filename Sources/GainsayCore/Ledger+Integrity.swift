public import GainsayProto

/// The ledger database's integrity: what is known (for `Health`), and the full check on demand.
extension Ledger {
  /// What the store knows of its database's integrity; nil for a store without a file of its own.
  public var integrityReport: IntegrityReport? { store.integrityReport }

  /// The full integrity check, now (admin only). Damage found makes the ledger refuse writes.
  public func checkIntegrity(_ request: CheckIntegrityRequest, caller: CallerIdentity) async throws -> IntegrityReport {
    try require(.admin, caller, to: "checking the ledger's integrity")
    return try await store.checkIntegrity()
  }
}
