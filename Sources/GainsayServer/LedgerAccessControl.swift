import GainsayCore
public import GainsayProto
public import GainsayRPC

/// The ledger's access rules in the RPC layer's terms: each connection's class, and each method's
/// minimum role, checked from the method name before the request is decoded.
///
/// The ledger checks roles again in every operation; this is the first gate, so that a caller without
/// the role cannot make the daemon decode (and hold) a request it will refuse anyway.
public enum LedgerAccessControl {
  /// The least role each method needs. `Meta/Health`, `Meta/Describe` and `Ledger/GetCaller` need none.
  /// A Ledger method missing here needs admin (refused by default).
  public static let minimumRoles: [String: Role] = {
    var roles: [String: Role] = [
      MetaService.health.fullName: .unspecified,
      MetaService.describe.fullName: .unspecified,
      LedgerService.getCaller.fullName: .unspecified,
      LedgerService.backup.fullName: .admin,
    ]
    let reads = [
      LedgerService.getSpeaker.fullName, LedgerService.listSpeakers.fullName, LedgerService.getClaim.fullName,
      LedgerService.listClaims.fullName, LedgerService.listClaimRevisions.fullName,
      LedgerService.listClaimRepeats.fullName, LedgerService.getSource.fullName,
      LedgerService.listSources.fullName, LedgerService.getLink.fullName, LedgerService.listLinks.fullName,
      LedgerService.listVerdicts.fullName, LedgerService.getRatingScale.fullName, LedgerService.search.fullName,
      LedgerService.suggestSearch.fullName,
      LedgerService.suggestEvidence.fullName, LedgerService.listAuditEvents.fullName, LedgerService.watch.fullName,
      LedgerService.generateReport.fullName, LedgerService.export.fullName,
    ]
    let writes = [
      LedgerService.createSpeaker.fullName, LedgerService.updateSpeaker.fullName,
      LedgerService.addSpeakerAlias.fullName, LedgerService.removeSpeakerAlias.fullName,
      LedgerService.createClaim.fullName, LedgerService.updateClaim.fullName, LedgerService.retractClaim.fullName,
      LedgerService.createSource.fullName, LedgerService.updateSource.fullName, LedgerService.createLink.fullName,
      LedgerService.withdrawLink.fullName, LedgerService.createVerdict.fullName,
      LedgerService.withdrawVerdict.fullName, LedgerService.mergeSpeakers.fullName,
      LedgerService.beginImport.fullName, LedgerService.importRecords.fullName, LedgerService.finishImport.fullName,
    ]
    for method in reads { roles[method] = .reader }
    for method in writes { roles[method] = .editor }
    return roles
  }()

  /// The hooks for ``RPCServer`` from `policy`: the daemon's user and admins are privileged, anyone
  /// with a role a member, everyone else without a role.
  public static func make(policy: AccessPolicy) -> RPCAccessControl {
    let roles = RoleCache(policy: policy)
    return RPCAccessControl(
      classify: { peer in
        switch roles.role(of: peer) {
        case .admin: .privileged
        case .reader, .editor: .member
        default: .withoutRole
        }
      },
      authorize: { method, peer in
        let needed = minimumRoles[method] ?? .admin
        guard needed != .unspecified else { return nil }
        let role = roles.role(of: peer)
        guard rank(role) < rank(needed) else { return nil }
        let have = rank(role) == 0 ? "no role" : "the \(name(role)) role"
        return RPCError(
          code: .permissionDenied,
          message: "uid \(peer.uid) has \(have); \(method) needs the \(name(needed)) role", reason: "ROLE_REQUIRED")
      })
  }

  private static func rank(_ role: Role) -> Int {
    switch role {
    case .reader: 1
    case .editor: 2
    case .admin: 3
    default: 0
    }
  }

  private static func name(_ role: Role) -> String {
    String(role.protoName.dropFirst("ROLE_".count)).lowercased()
  }
}

/// Callers' roles for a few seconds (``IdentityCache/lifetime``): the account database is read at most
/// once per user and period, not on every connection and call.
final class RoleCache: Sendable {
  private let policy: AccessPolicy
  private let identities = IdentityCache()

  init(policy: AccessPolicy) {
    self.policy = policy
  }

  func role(of peer: PeerCredentials) -> Role {
    identities.identity(uid: peer.uid, gid: peer.gid) {
      CallerIdentity(
        uid: peer.uid, gid: peer.gid, userName: UnixAccounts.userName(uid: peer.uid) ?? "uid \(peer.uid)",
        role: policy.role(uid: peer.uid, gid: peer.gid))
    }.role
  }
}
