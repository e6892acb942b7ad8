import GainsayProto
package import NIOCore
import Synchronization

/// Bounds the connections the server holds, in all and per Unix user, so a flood of connections (a
/// runaway script, a hostile local user) cannot exhaust the daemon's file descriptors or memory, and
/// one user's flood leaves room for everyone else.
///
/// The last slots are kept for privileged callers (the daemon's own user, administrators), so that
/// other users together cannot lock them out; callers without a role may hold only a few connections
/// in all (and each is closed after one call, see ``ConnectionClass/withoutRole``).
package final class ConnectionAdmissions: Sendable {
  private let maximum: Int
  private let maximumPerUser: Int
  private let reserved: Int
  private let maximumWithoutRole: Int
  private let counts = Mutex<Counts>(Counts())

  private struct Counts {
    var total = 0
    var withoutRole = 0
    var byUser: [UInt32: Int] = [:]
  }

  init(configuration: RPCServerConfiguration) {
    self.maximum = configuration.maximumConnections
    self.maximumPerUser = configuration.maximumConnectionsPerUser
    self.reserved = configuration.effectiveReservedPrivilegedConnections
    self.maximumWithoutRole = configuration.maximumConnectionsWithoutRole
  }

  /// Counts the connection in, until its channel closes; or returns why it is refused.
  package func admit(_ peer: PeerCredentials, as connectionClass: ConnectionClass, channel: any Channel) -> RPCError? {
    let (maximum, maximumPerUser, reserved, maximumWithoutRole) =
      (self.maximum, self.maximumPerUser, self.reserved, self.maximumWithoutRole)
    let refusal: RPCError? = counts.withLock { counts in
      let limit = connectionClass == .privileged ? maximum : maximum - reserved
      if counts.total >= limit {
        return RPCError(
          code: .resourceExhausted,
          message: counts.total >= maximum
            ? "the server already holds its maximum of \(maximum) connections; try again later"
            : "the server holds \(counts.total) connections; the last \(reserved) of its \(maximum) are kept for its administrators; try again later",
          reason: "TOO_MANY_CONNECTIONS")
      }
      if connectionClass == .withoutRole && counts.withoutRole >= maximumWithoutRole {
        return RPCError(
          code: .resourceExhausted,
          message:
            "the server already holds its maximum of \(maximumWithoutRole) connections from users without a role",
          reason: "TOO_MANY_CONNECTIONS")
      }
      if counts.byUser[peer.uid, default: 0] >= maximumPerUser {
        return RPCError(
          code: .resourceExhausted,
          message: "user \(peer.uid) already holds the maximum of \(maximumPerUser) connections; close some first",
          reason: "TOO_MANY_CONNECTIONS_FOR_USER")
      }
      counts.total += 1
      if connectionClass == .withoutRole { counts.withoutRole += 1 }
      counts.byUser[peer.uid, default: 0] += 1
      return nil
    }
    guard refusal == nil else { return refusal }
    channel.closeFuture.whenComplete { _ in
      self.counts.withLock { counts in
        counts.total -= 1
        if connectionClass == .withoutRole { counts.withoutRole -= 1 }
        let remaining = counts.byUser[peer.uid, default: 1] - 1
        counts.byUser[peer.uid] = remaining > 0 ? remaining : nil
      }
    }
    return nil
  }
}

/// Tells a refused client why, in the protocol's own terms (preface, then GOAWAY), and closes.
final class RefusedConnectionHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = OutboundFrame

  private let refusal: RPCError

  init(refusal: RPCError) {
    self.refusal = refusal
  }

  func channelActive(context: ChannelHandlerContext) {
    context.write(wrapOutboundOut(.preface(version: ConnectionPreface.currentVersion)), promise: nil)
    context.channel.goAwayAndClose(refusal)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    // Whatever the refused client sends is dropped.
  }
}
