import GainsayProto
import NIOCore
import Synchronization

/// Bounds the response bytes one connection holds, and drops a client that stops reading.
///
/// Every frame a call writes first reserves its size here (a whole frame's worth while it is being
/// encoded, then its real size until the socket has taken it). When the connection already holds
/// ``RPCServerConfiguration/maximumPendingResponseBytesPerConnection``, calls wait for room, in order,
/// instead of buffering more; one frame is always let through when nothing is held, so a frame larger
/// than the limit still goes out alone.
///
/// A watchdog runs while writes are waiting: when none has completed for
/// ``RPCServerConfiguration/writeTimeout`` the client is not reading. Its connection is closed (the
/// GOAWAY `CLIENT_NOT_READING` queued behind the unread bytes rarely reaches it), the waiting calls fail
/// and the connection's calls are cancelled.
final class OutboundFlow: Sendable {
  private let channel: any Channel
  private let limit: Int
  private let stallTimeout: TimeAmount
  private let state: Mutex<State>

  private struct Waiter {
    let id: UInt64
    let bytes: Int
    let continuation: CheckedContinuation<Void, any Error>
  }

  private struct State {
    /// Bytes reserved: frames being encoded, or written but not yet taken by the socket.
    var held = 0
    var writesInFlight = 0
    var waiters: [Waiter] = []
    var nextWaiterID: UInt64 = 0
    var closedError: RPCError?
    var lastProgress: NIODeadline
    var watchdogArmed = false
  }

  init(channel: any Channel, limit: Int, stallTimeout: TimeAmount) {
    self.channel = channel
    self.limit = max(limit, 1)
    self.stallTimeout = stallTimeout
    self.state = Mutex(State(lastProgress: .now()))
    channel.closeFuture.whenComplete { [self] _ in
      fail(RPCError(code: .unavailable, message: "the connection closed", reason: "CONNECTION_CLOSED"))
    }
  }

  /// Waits until `bytes` fit, then holds them; throws when the connection closes or the task is cancelled.
  func reserve(_ bytes: Int) async throws {
    try Task.checkCancellation()
    let id: UInt64 = try state.withLock { state in
      if let error = state.closedError { throw error }
      state.nextWaiterID += 1
      return state.nextWaiterID
    }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let outcome: Result<Bool, any Error> = state.withLock { state in
          if let error = state.closedError { return .failure(error) }
          if Task.isCancelled { return .failure(CancellationError()) }
          if state.waiters.isEmpty && fits(bytes, held: state.held) {
            state.held += bytes
            return .success(true)
          }
          state.waiters.append(Waiter(id: id, bytes: bytes, continuation: continuation))
          return .success(false)
        }
        switch outcome {
        case .success(true): continuation.resume()
        case .success(false): break
        case .failure(let error): continuation.resume(throwing: error)
        }
      }
    } onCancel: {
      let waiter: Waiter? = state.withLock { state in
        guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return state.waiters.remove(at: index)
      }
      waiter?.continuation.resume(throwing: CancellationError())
      // Those behind it may fit now.
      release(0)
    }
  }

  /// Gives back `bytes` held, and lets waiting calls in as far as they fit.
  func release(_ bytes: Int) {
    let granted: [Waiter] = state.withLock { state in
      state.held -= bytes
      var granted: [Waiter] = []
      while let first = state.waiters.first, fits(first.bytes, held: state.held) {
        state.waiters.removeFirst()
        state.held += first.bytes
        granted.append(first)
      }
      return granted
    }
    for waiter in granted { waiter.continuation.resume() }
  }

  /// Writes `frame`, whose `reserved` bytes are held until the socket has taken it; `written`, if
  /// given, completes then.
  func submit(_ frame: OutboundFrame, reserved: Int, written: EventLoopPromise<Void>? = nil) {
    let armWatchdog = state.withLock { state in
      if state.writesInFlight == 0 { state.lastProgress = .now() }
      state.writesInFlight += 1
      defer { state.watchdogArmed = true }
      return !state.watchdogArmed
    }
    if armWatchdog { scheduleWatchdog(in: stallTimeout) }
    let promise = channel.eventLoop.makePromise(of: Void.self)
    promise.futureResult.whenComplete { [self] result in
      state.withLock { state in
        state.writesInFlight -= 1
        state.lastProgress = .now()
      }
      release(reserved)
      written?.completeWith(result)
    }
    channel.writeAndFlush(frame, promise: promise)
  }

  /// Writes `frame` outside the budget (a GOAWAY: one per connection) and waits until the socket has
  /// taken it, or the connection closed.
  func writeUnbudgeted(_ frame: OutboundFrame) async throws {
    let written = channel.eventLoop.makePromise(of: Void.self)
    submit(frame, reserved: 0, written: written)
    try await written.futureResult.get()
  }

  private func fits(_ bytes: Int, held: Int) -> Bool {
    held == 0 || held + bytes <= limit
  }

  private func scheduleWatchdog(in delay: TimeAmount) {
    channel.eventLoop.scheduleTask(in: delay) { [self] in checkProgress() }
  }

  /// Runs on the event loop while writes are in flight: closes the connection once none has completed
  /// for the stall timeout.
  private func checkProgress() {
    enum Verdict { case idle, progressing(TimeAmount), stalled }
    let now = NIODeadline.now()
    let verdict: Verdict = state.withLock { state in
      guard state.writesInFlight > 0, state.closedError == nil else {
        state.watchdogArmed = false
        return .idle
      }
      let quiet = now - state.lastProgress
      return quiet >= stallTimeout ? .stalled : .progressing(stallTimeout - quiet)
    }
    switch verdict {
    case .idle:
      return
    case .progressing(let remaining):
      scheduleWatchdog(in: remaining)
    case .stalled:
      let error = RPCError(
        code: .resourceExhausted,
        message:
          "the client took none of its responses for \(stallTimeout.nanoseconds / 1_000_000) ms; closing the connection",
        reason: "CLIENT_NOT_READING")
      fail(error)
      // The GOAWAY queues behind the bytes the client is not reading: it gets through only if the client
      // reads after all. The close does not wait for it, and drops what is still queued.
      channel.write(OutboundFrame.goAway(error, allocator: channel.allocator), promise: nil)
      channel.close(promise: nil)
    }
  }

  /// Fails every waiting call and every later reservation with `error`.
  private func fail(_ error: RPCError) {
    let waiters: [Waiter] = state.withLock { state in
      if state.closedError == nil { state.closedError = error }
      defer { state.waiters.removeAll() }
      return state.waiters
    }
    for waiter in waiters { waiter.continuation.resume(throwing: error) }
  }
}
