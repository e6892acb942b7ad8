public import GainsayProto

/// Who is calling and what they may do, as the daemon established it from the socket.
public struct CallerIdentity: Hashable, Sendable {
  public var uid: UInt32
  public var gid: UInt32
  public var userName: String
  public var role: Role

  public init(uid: UInt32, gid: UInt32, userName: String, role: Role) {
    self.uid = uid
    self.gid = gid
    self.userName = userName
    self.role = role
  }

  /// The caller as recorded in audit events and on links and verdicts.
  public var unixUser: UnixUser {
    var user = UnixUser()
    user.uid = uid
    user.userName = userName
    return user
  }
}

extension Role {
  /// How much the role may do: reader < editor < admin.
  public var rank: Int {
    switch self {
    case .reader: 1
    case .editor: 2
    case .admin: 3
    default: 0
    }
  }
}
