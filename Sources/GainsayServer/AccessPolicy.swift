import Foundation
public import GainsayProto

#if canImport(Glibc)
  import Glibc
#endif

/// Who may do what: Unix users and groups mapped to roles. Identity comes from the socket's peer
/// credentials, so it cannot be forged by the client.
public struct AccessPolicy: Sendable {
  /// The daemon's own user, always admin.
  public var ownerUID: UInt32
  /// Roles by user name.
  public var users: [String: Role]
  /// Roles by group name; a user gets the highest role of any group they belong to.
  public var groups: [String: Role]

  public init(ownerUID: UInt32, users: [String: Role] = [:], groups: [String: Role] = [:]) {
    self.ownerUID = ownerUID
    self.users = users
    self.groups = groups
  }

  /// Whether anyone besides the daemon's own user can have a role (then the socket must be reachable).
  public var grantsOthers: Bool { !users.isEmpty || !groups.isEmpty }

  /// The role of the user `uid` with primary group `gid`; `.unspecified` means no access.
  public func role(uid: UInt32, gid: UInt32) -> Role {
    if uid == ownerUID { return .admin }
    var best = Role.unspecified
    func consider(_ role: Role?) {
      if let role, role.rankValue > best.rankValue { best = role }
    }
    let name = UnixAccounts.userName(uid: uid)
    if let name { consider(users[name]) }
    if !groups.isEmpty {
      for group in UnixAccounts.groupNames(uid: uid, gid: gid, userName: name) { consider(groups[group]) }
    }
    return best
  }
}

extension Role {
  fileprivate var rankValue: Int {
    switch self {
    case .reader: 1
    case .editor: 2
    case .admin: 3
    default: 0
    }
  }
}

/// Looks up user and group names in the system's account database.
enum UnixAccounts {
  static func userName(uid: UInt32) -> String? {
    var record = passwd()
    var result: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 16_384)
    guard getpwuid_r(uid, &record, &buffer, buffer.count, &result) == 0, result != nil, let name = record.pw_name else {
      return nil
    }
    return String(cString: name)
  }

  static func groupNames(uid: UInt32, gid: UInt32, userName: String?) -> [String] {
    var ids: [gid_t] = [gid]
    if let userName {
      var count: Int32 = 64
      var list = [gid_t](repeating: 0, count: Int(count))
      if getgrouplist(userName, gid, &list, &count) == -1 {
        list = [gid_t](repeating: 0, count: Int(count))
        _ = getgrouplist(userName, gid, &list, &count)
      }
      ids = Array(list.prefix(Int(max(count, 0))))
    }
    return ids.compactMap { id in
      var record = group()
      var result: UnsafeMutablePointer<group>?
      var buffer = [CChar](repeating: 0, count: 16_384)
      guard getgrgid_r(id, &record, &buffer, buffer.count, &result) == 0, result != nil, let name = record.gr_name
      else {
        return nil
      }
      return String(cString: name)
    }
  }
}
