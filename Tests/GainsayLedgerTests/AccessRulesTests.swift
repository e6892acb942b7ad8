import GainsayProto
import GainsayServer
import Testing

/// The first gate's table of roles: a method missing from it is refused to all but admins, so every
/// method meant for readers or editors must be listed.
@Suite("access rules")
struct AccessRulesTests {
  @Test("every Ledger method has its role, and only Backup, CheckIntegrity and restores are left to admins")
  func everyMethodListed() {
    let adminOnly: Set = [LedgerService.backup.fullName, LedgerService.checkIntegrity.fullName]
    for method in LedgerService.methods where !adminOnly.contains(method.fullName) {
      let role = LedgerAccessControl.minimumRoles[method.fullName]
      #expect(role != nil && role != .admin, "\(method.fullName) has no role below admin")
    }
    #expect(LedgerAccessControl.minimumRoles[LedgerService.listClaimRepeats.fullName] == .reader)
    #expect(LedgerAccessControl.minimumRoles[LedgerService.getClaim.fullName] == .reader)
  }
}
