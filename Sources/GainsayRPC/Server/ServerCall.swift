import GainsayProto
import Logging
package import NIOCore
import Synchronization

/// One running call on a connection (of our framing, or a gRPC stream): runs its handler, enforces its deadline, honours cancellation,
/// and makes sure exactly one end (a final MESSAGE or a STATUS) is written unless the client cancelled.
package final class ServerCall: Sendable {
  package enum CancellationReason: Sendable {
    case client
    case connectionClosed
    /// The server is shutting down: the call ends with STATUS UNAVAILABLE `DRAINING`.
    case draining
  }

  package let streamID: UInt32
  /// The call's stream only ends when the client stops it (``RPCRouter/Route/endsWhenDraining``).
  package let endsWhenDraining: Bool
  private let state = Mutex(State())

  private struct State {
    /// The running task, so a CANCEL frame can cancel it.
    var task: TaskHandle?
    var cancellation: CancellationReason?
    /// The call's end has been written (or must never be).
    var ended = false
    /// The status code of the end this call claimed; nil while running, or when cancelled.
    var endCode: RPCStatusCode?
  }

  /// A handle to cancel the task running the call from another task. `UnsafeCurrentTask.cancel()` is
  /// one of the APIs that are safe to call from another task; the handle is only used under the lock,
  /// while the task is registered (it unregisters itself before it ends).
  private struct TaskHandle: @unchecked Sendable {
    let task: UnsafeCurrentTask
  }

  package init(streamID: UInt32, endsWhenDraining: Bool = false) {
    self.streamID = streamID
    self.endsWhenDraining = endsWhenDraining
  }

  /// Cancels the call: nothing more is written for it, but for `.draining`, which ends it with STATUS
  /// UNAVAILABLE `DRAINING`.
  package func cancel(reason: CancellationReason) {
    state.withLock { state in
      guard state.cancellation == nil else { return }
      state.cancellation = reason
      if reason != .draining { state.ended = true }
      state.task?.task.cancel()
    }
  }

  /// What a call ended by a shutting-down server gets.
  package static let drained = RPCError(
    code: .unavailable,
    message: "the server is shutting down and ended the call; call again (another daemon of the ledger may serve it)",
    reason: "DRAINING")

  /// Claims the right to write the call's end with status `code`; false if it was written or the call
  /// was cancelled.
  private func claimEnd(_ code: RPCStatusCode) -> Bool {
    state.withLock { state in
      guard !state.ended else { return false }
      state.ended = true
      state.endCode = code
      return true
    }
  }

  private var hasEnded: Bool { state.withLock { $0.ended } }

  /// Runs the call to its end; returns the status code it ended with (nil if the call was cancelled
  /// and nothing ended it).
  @discardableResult
  package func run(
    route: RPCRouter.Route,
    payload: ByteBuffer,
    context: RPCContext,
    writer: some CallWriter
  ) async -> RPCStatusCode? {
    let cancelledEarly = withUnsafeCurrentTask { task in
      state.withLock { state -> CancellationReason? in
        if let reason = state.cancellation { return reason }
        if let task { state.task = TaskHandle(task: task) }
        return nil
      }
    }
    if let reason = cancelledEarly {
      if reason == .draining, claimEnd(.unavailable) {
        try? await writer.status(Self.drained.status, streamID: streamID)
      }
      return state.withLock { $0.endCode }
    }
    defer { state.withLock { $0.task = nil } }
    await runHandler(route: route, payload: payload, context: context, writer: writer)
    return state.withLock { $0.endCode }
  }

  private func runHandler(
    route: RPCRouter.Route,
    payload: ByteBuffer,
    context: RPCContext,
    writer: some CallWriter
  ) async {
    let streamID = self.streamID
    let sink = RPCRouter.ResponseSink(
      message: { [self] isLast, encode in
        if hasEnded { throw CancellationError() }
        // The end is claimed once the message is encoded and fits a frame: a RESPONSE_TOO_LARGE still
        // ends the call with its STATUS.
        try await writer.message(streamID: streamID, isLast: isLast, encode: encode) {
          if isLast {
            // A handler that finishes after its deadline has not met it (PROTOCOL.md section 8).
            if let deadline = context.deadline, ContinuousClock.now >= deadline { throw DeadlineExpired() }
            guard claimEnd(.ok) else { throw CancellationError() }
          } else if hasEnded {
            throw CancellationError()
          }
        }
      },
      allocator: writer.allocator
    )

    do {
      if let deadline = context.deadline {
        // Counted from when the REQUEST frame was read: the time to admit and decode it counts.
        guard ContinuousClock.now < deadline else { throw DeadlineExpired() }
        try await withThrowingTaskGroup(of: Void.self) { group in
          group.addTask { try await route.handle(payload, context, sink) }
          group.addTask {
            try await Task.sleep(until: deadline, clock: .continuous)
            throw DeadlineExpired()
          }
          defer { group.cancelAll() }
          do {
            try await group.next()
          } catch is DeadlineExpired {
            // Reply at once, before the group waits for the cancelled handler.
            await endPastDeadline(context: context, writer: writer)
          }
        }
      } else {
        try await route.handle(payload, context, sink)
      }
      if let deadline = context.deadline, ContinuousClock.now >= deadline { throw DeadlineExpired() }
      if claimEnd(.ok) {
        try? await writer.status(RpcStatus(), streamID: streamID)
      }
    } catch is DeadlineExpired {
      await endPastDeadline(context: context, writer: writer)
    } catch {
      let drained = state.withLock { $0.cancellation == .draining }
      let rpcError = drained ? Self.drained : Self.rpcError(for: error, context: context)
      guard claimEnd(rpcError.code) else { return }
      if drained {
        // This task is cancelled, and the writer refuses writes of a cancelled task: the status goes
        // from a task of its own.
        await Task { try? await writer.status(rpcError.status, streamID: streamID) }.value
      } else {
        try? await writer.status(rpcError.status, streamID: streamID)
      }
    }
  }

  /// Ends the call with DEADLINE_EXCEEDED, unless it has ended; the handler is cancelled and whatever it
  /// writes later is dropped.
  private func endPastDeadline(context: RPCContext, writer: some CallWriter) async {
    guard claimEnd(.deadlineExceeded) else { return }
    let error = RPCError(
      code: .deadlineExceeded, message: "the deadline expired before \(context.method) finished",
      reason: "DEADLINE_EXCEEDED")
    try? await writer.status(error.status, streamID: streamID)
  }

  private static func rpcError(for error: any Error, context: RPCContext) -> RPCError {
    switch error {
    case let convertible as any RPCErrorConvertible:
      return convertible.rpcError
    case is CancellationError:
      return RPCError(code: .cancelled, message: "the call was cancelled")
    default:
      context.logger.error("handler failed", metadata: ["error": "\(error)"])
      return RPCError(code: .internal, message: "internal error in \(context.method): \(error)")
    }
  }
}

private struct DeadlineExpired: Error {}
