import GainsayRPC
import Logging
import NIOCore
import NIOHTTP2
import Synchronization

/// One accepted gRPC connection: who is calling (from `SO_PEERCRED`, read at accept), its running calls,
/// and the rules our framing applies too: a caller without a role (or a refused connection) gets one
/// call and the connection closes; a draining server refuses new calls, ends `Watch` streams at once
/// and closes each connection when its calls have ended.
final class GRPCConnection: Sendable {
  let peer: PeerCredentials
  let connectionClass: ConnectionClass
  /// Why the connection was refused (too many connections): its one call gets this status.
  let refusal: RPCError?
  let channel: any Channel
  let logger: Logger
  let services: GRPCServices
  /// Where calls wait while the client is not reading.
  let room: ConnectionRoom
  /// The response bytes on their way out, bounded.
  let budget: ResponseBudget
  /// The most bytes of unfinished requests the connection's streams may hold together.
  let maximumBufferedRequestBytes: Int
  private let state = Mutex(State())

  /// What an open stream does when the server drains, and when the drain's time is up.
  struct StreamHandle: Sendable {
    /// Ends the stream at once if nothing runs for it that the drain waits for (a request still
    /// arriving, reflection, health Watch).
    let drain: @Sendable () -> Void
    /// Ends the stream whatever it is doing.
    let end: @Sendable () -> Void
  }

  private struct State {
    var calls: [Int: ServerCall] = [:]
    var streams: [Int: StreamHandle] = [:]
    var bufferedRequestBytes = 0
    var nextStreamNumber = 1
    var openStreams = 0
    var draining = false
    var closing = false
    /// A one-call connection has had its call.
    var callTaken = false
  }

  init(
    peer: PeerCredentials, connectionClass: ConnectionClass, refusal: RPCError?, channel: any Channel,
    services: GRPCServices, logger: Logger
  ) {
    self.peer = peer
    self.connectionClass = connectionClass
    self.refusal = refusal
    self.channel = channel
    self.services = services
    self.logger = logger
    self.room = ConnectionRoom(channel: channel, timeout: services.configuration.writeTimeout)
    self.budget = ResponseBudget(
      limit: services.configuration.maximumPendingResponseBytesPerConnection,
      timeout: services.configuration.writeTimeout
    ) { [channel] in channel.close(promise: nil) }
    self.maximumBufferedRequestBytes = max(
      services.configuration.maximumPendingResponseBytesPerConnection, services.configuration.maximumFrameSize + 5)
    channel.closeFuture.whenComplete { [budget] _ in budget.close() }
  }

  /// Whether the connection serves a single call and closes (no role, or refused).
  var isOneCall: Bool { refusal != nil || connectionClass == .withoutRole }

  /// Closes a one-call connection whose call has not come in time, and any one-call connection once it
  /// has lived for the frame completion timeout (30 s): its one call (a health Watch, reflection) may not
  /// hold a slot of the few callers without a role share.
  func startOneCallTimer() {
    guard isOneCall else { return }
    channel.eventLoop.scheduleTask(in: TimeAmount(services.configuration.noRoleRequestTimeout)) { [self] in
      let expired = state.withLock { state in
        defer { state.callTaken = true }
        return !state.callTaken
      }
      if expired { close() }
    }
    channel.eventLoop.scheduleTask(in: TimeAmount(services.configuration.frameCompletionTimeout)) { [self] in
      endAllStreams()
      close()
    }
  }

  /// A stream opened: its number, or why it may not run (draining, one call taken, too many calls).
  /// `duringDrain`: health calls, which say the server is shutting down, are let in while it drains.
  func openStream(duringDrain: Bool, handle: StreamHandle) -> Result<Int, RPCError> {
    state.withLock { state in
      if state.closing || (state.draining && !duringDrain) {
        return .failure(RPCError(code: .unavailable, message: "the server is shutting down", reason: "DRAINING"))
      }
      if isOneCall {
        if state.callTaken {
          return .failure(
            refusal
              ?? RPCError(
                code: .permissionDenied,
                message:
                  "user \(peer.uid) has no role on this server: it may make one call that needs no role per connection; ask the server's administrator for a role",
                reason: "NO_ROLE"))
        }
        state.callTaken = true
      }
      let limit = services.configuration.maximumConcurrentCallsPerConnection
      if state.openStreams >= limit {
        return .failure(
          RPCError(
            code: .resourceExhausted, message: "more than \(limit) concurrent calls on one connection",
            reason: "TOO_MANY_CALLS"))
      }
      state.openStreams += 1
      state.streams[state.nextStreamNumber] = handle
      defer { state.nextStreamNumber += 1 }
      return .success(state.nextStreamNumber)
    }
  }

  /// Tracks a running call, so draining can end it.
  func register(_ call: ServerCall, stream: Int) {
    let drainingNow = state.withLock { state in
      state.calls[stream] = call
      return state.draining
    }
    if drainingNow, call.endsWhenDraining { call.cancel(reason: .draining) }
  }

  /// Counts `bytes` of a request still arriving in; false if the connection holds its maximum.
  func holdRequestBytes(_ bytes: Int) -> Bool {
    state.withLock { state in
      guard state.bufferedRequestBytes + bytes <= maximumBufferedRequestBytes else { return false }
      state.bufferedRequestBytes += bytes
      return true
    }
  }

  /// Request bytes held by ``holdRequestBytes(_:)`` are gone.
  func releaseRequestBytes(_ bytes: Int) {
    state.withLock { $0.bufferedRequestBytes -= bytes }
  }

  /// A stream opened by ``openStream()`` has ended.
  func streamEnded(_ stream: Int) {
    let closeNow = state.withLock { state in
      state.calls[stream] = nil
      state.streams[stream] = nil
      state.openStreams -= 1
      return state.openStreams == 0 && (state.draining || (isOneCall && state.callTaken))
    }
    if closeNow { close() }
  }

  var isDraining: Bool { state.withLock { $0.draining } }

  /// Refuses new calls, ends endless streams with UNAVAILABLE `DRAINING`, tells the client with GOAWAY,
  /// and closes once the last call has ended.
  func beginDraining() {
    let (endless, streams) = state.withLock { state in
      state.draining = true
      return (state.calls.values.filter(\.endsWhenDraining), Array(state.streams.values))
    }
    for call in endless { call.cancel(reason: .draining) }
    for stream in streams { stream.drain() }
    let channel = self.channel
    channel.eventLoop.execute {
      // The client stops opening streams here; those it has opened finish.
      let goAway = HTTP2Frame(
        streamID: .rootStream, payload: .goAway(lastStreamID: .maxID, errorCode: .noError, opaqueData: nil))
      channel.writeAndFlush(goAway, promise: nil)
    }
    // A client may open a stream while the GOAWAY is on its way: give it a moment to arrive (it is
    // answered UNAVAILABLE DRAINING) before an idle connection closes.
    channel.eventLoop.scheduleTask(in: .milliseconds(500)) { [self] in
      if state.withLock({ $0.openStreams == 0 }) { close() }
    }
  }

  /// Ends the calls still running when the drain's time is up, with UNAVAILABLE `DRAINING`, and every
  /// other stream, even one whose client takes nothing.
  func endRemainingCalls() {
    let calls = state.withLock { Array($0.calls.values) }
    for call in calls { call.cancel(reason: .draining) }
    endAllStreams()
  }

  private func endAllStreams() {
    for stream in state.withLock({ Array($0.streams.values) }) { stream.end() }
  }

  /// Sends GOAWAY and closes the connection once the socket has taken it (and so everything before it).
  func close() {
    let first = state.withLock { state in
      defer { state.closing = true }
      return !state.closing
    }
    guard first else { return }
    let channel = self.channel
    channel.eventLoop.execute {
      let goAway = HTTP2Frame(
        streamID: .rootStream, payload: .goAway(lastStreamID: .maxID, errorCode: .noError, opaqueData: nil))
      channel.writeAndFlush(goAway).whenComplete { _ in channel.close(promise: nil) }
      // A client that reads nothing never takes the GOAWAY: close anyway.
      channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }
  }
}

/// What every stream of every connection serves, and how.
struct GRPCServices: Sendable {
  let router: RPCRouter
  let access: RPCAccessControl
  let configuration: RPCServerConfiguration
  let health: GRPCHealth
  let reflection: GRPCReflection
}
