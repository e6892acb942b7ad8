import GainsayProto
import Logging
import NIOCore
import Synchronization

/// One running call on a connection: runs its handler, enforces its deadline, honours cancellation,
/// and makes sure exactly one end (a final MESSAGE or a STATUS) is written unless the client cancelled.
final class ServerCall: Sendable {
  enum CancellationReason: Sendable {
    case client
    case connectionClosed
  }

  let streamID: UInt32
  private let state = Mutex(State())

  private struct State {
    /// The running task, so a CANCEL frame can cancel it.
    var task: TaskHandle?
    var cancellation: CancellationReason?
    /// The call's end has been written (or must never be).
    var ended = false
  }

  /// A handle to cancel the task running the call from another task. `UnsafeCurrentTask.cancel()` is
  /// one of the APIs that are safe to call from another task; the handle is only used under the lock,
  /// while the task is registered (it unregisters itself before it ends).
  private struct TaskHandle: @unchecked Sendable {
    let task: UnsafeCurrentTask
  }

  init(streamID: UInt32) {
    self.streamID = streamID
  }

  /// Cancels the call; nothing more is written for it.
  func cancel(reason: CancellationReason) {
    state.withLock { state in
      guard state.cancellation == nil else { return }
      state.cancellation = reason
      state.ended = true
      state.task?.task.cancel()
    }
  }

  /// Claims the right to write the call's end; false if it was written or the call was cancelled.
  private func claimEnd() -> Bool {
    state.withLock { state in
      defer { state.ended = true }
      return !state.ended
    }
  }

  private var hasEnded: Bool { state.withLock { $0.ended } }

  func run(
    route: RPCRouter.Route,
    payload: ByteBuffer,
    context: RPCContext,
    writer: FrameWriter
  ) async {
    let cancelledEarly = withUnsafeCurrentTask { task in
      state.withLock { state in
        if state.cancellation != nil { return true }
        if let task { state.task = TaskHandle(task: task) }
        return false
      }
    }
    guard !cancelledEarly else { return }
    defer { state.withLock { $0.task = nil } }

    let streamID = self.streamID
    let sink = RPCRouter.ResponseSink(
      message: { [self] isLast, encode in
        if hasEnded { throw CancellationError() }
        // The end is claimed once the message is encoded and fits a frame: a RESPONSE_TOO_LARGE still
        // ends the call with its STATUS.
        try await writer.message(streamID: streamID, isLast: isLast, encode: encode) {
          if isLast {
            guard claimEnd() else { throw CancellationError() }
          } else if hasEnded {
            throw CancellationError()
          }
        }
      },
      allocator: writer.allocator
    )

    do {
      if let deadline = context.deadline {
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
            // Reply at once; the handler is cancelled and whatever it writes later is dropped.
            if claimEnd() {
              let error = RPCError(
                code: .deadlineExceeded, message: "the deadline expired before \(context.method) finished",
                reason: "DEADLINE_EXCEEDED")
              try? await writer.status(error.status, streamID: streamID)
            }
            return
          }
        }
      } else {
        try await route.handle(payload, context, sink)
      }
      if claimEnd() {
        try? await writer.status(RpcStatus(), streamID: streamID)
      }
    } catch {
      guard claimEnd() else { return }
      let rpcError = Self.rpcError(for: error, context: context)
      try? await writer.status(rpcError.status, streamID: streamID)
    }
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
