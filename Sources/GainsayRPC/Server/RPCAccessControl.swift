/// How much the server trusts a connection, decided once when it is accepted (from its peer credentials).
public enum ConnectionClass: Sendable, Hashable {
  /// The server's own user and administrators: may also use the connection slots kept in reserve
  /// (``RPCServerConfiguration/reservedPrivilegedConnections``).
  case privileged
  /// A caller with some role.
  case member
  /// A caller with no role: one request is read and answered (the methods it may call are the
  /// authorizer's to say), then the connection is closed with GOAWAY PERMISSION_DENIED `NO_ROLE`;
  /// also when the request does not arrive within ``RPCServerConfiguration/noRoleRequestTimeout``.
  case withoutRole
}

/// The server's access hooks, supplied by the application (the daemon derives them from its roles).
///
/// The RPC layer is generic: it knows neither roles nor methods' meanings. It asks ``classify`` about
/// each connection as it is accepted, and ``authorize`` about each call from the method name alone,
/// before the request's body is decoded, so a caller who may not call a method cannot make the server
/// decode (and hold) its request.
public struct RPCAccessControl: Sendable {
  /// The class of a connection from its peer's credentials.
  public var classify: @Sendable (PeerCredentials) -> ConnectionClass
  /// Why `peer` may not call `method` (`package.Service/Method`), or nil to let the call run. The error
  /// is sent as the call's STATUS (typically PERMISSION_DENIED).
  public var authorize: @Sendable (_ method: String, _ peer: PeerCredentials) -> RPCError?

  public init(
    classify: @escaping @Sendable (PeerCredentials) -> ConnectionClass,
    authorize: @escaping @Sendable (_ method: String, _ peer: PeerCredentials) -> RPCError?
  ) {
    self.classify = classify
    self.authorize = authorize
  }

  /// Every connection is a member and every call may run: access is left to the handlers.
  public static let open = RPCAccessControl(classify: { _ in .member }, authorize: { _, _ in nil })
}
