import NIOCore
import Synchronization

/// The calls in flight on one client connection, by stream id.
final class ClientCalls: Sendable {
  enum Pending: Sendable {
    case unary(CheckedContinuation<ByteBuffer, any Error>)
    case stream(AsyncThrowingStream<ByteBuffer, any Error>.Continuation)
  }

  private struct State {
    var nextStreamID: UInt32 = 1
    var pending: [UInt32: Pending] = [:]
    /// Set once the connection is gone: every later call fails at once.
    var closedError: RPCError?
  }

  private let state = Mutex(State())

  /// Why the connection is gone, once it is.
  var closedError: RPCError? { state.withLock { $0.closedError } }

  /// A stream id no call in flight uses: counting up from 1, wrapping after 2³²−1.
  func nextStreamID() -> UInt32 {
    state.withLock { state in
      while true {
        let candidate = state.nextStreamID
        state.nextStreamID = candidate == UInt32.max ? 1 : candidate + 1
        if state.pending[candidate] == nil { return candidate }
      }
    }
  }

  func register(_ streamID: UInt32, _ pending: Pending) {
    let closedError: RPCError? = state.withLock { state in
      if let error = state.closedError { return error }
      state.pending[streamID] = pending
      return nil
    }
    if let closedError { finish(pending, with: .failure(closedError)) }
  }

  /// A MESSAGE frame arrived.
  func message(_ streamID: UInt32, payload: ByteBuffer, isLast: Bool) {
    let pending: Pending? = state.withLock { state in
      guard let pending = state.pending[streamID] else { return nil }
      if isLast { state.pending[streamID] = nil }
      if case .unary = pending { state.pending[streamID] = nil }
      return pending
    }
    switch pending {
    case .unary(let continuation)?:
      continuation.resume(returning: payload)
    case .stream(let continuation)?:
      continuation.yield(payload)
      if isLast { continuation.finish() }
    case nil:
      break  // A call the client already gave up on.
    }
  }

  /// A STATUS frame arrived: the call is over.
  func status(_ streamID: UInt32, _ error: RPCError?) {
    guard let pending = state.withLock({ $0.pending.removeValue(forKey: streamID) }) else { return }
    if let error {
      finish(pending, with: .failure(error))
    } else {
      switch pending {
      case .unary(let continuation):
        continuation.resume(
          throwing: RPCError(code: .internal, message: "the server ended a unary call without a response"))
      case .stream(let continuation):
        continuation.finish()
      }
    }
  }

  /// Fails one call; returns false if it had already ended.
  func fail(_ streamID: UInt32, _ error: RPCError) -> Bool {
    guard let pending = state.withLock({ $0.pending.removeValue(forKey: streamID) }) else { return false }
    finish(pending, with: .failure(error))
    return true
  }

  /// The connection is gone: fails every call, now and later.
  func failAll(_ error: RPCError) {
    let all: [Pending] = state.withLock { state in
      if state.closedError == nil { state.closedError = error }
      defer { state.pending.removeAll() }
      return Array(state.pending.values)
    }
    for pending in all { finish(pending, with: .failure(error)) }
  }

  private func finish(_ pending: Pending, with result: Result<Void, RPCError>) {
    guard case .failure(let error) = result else { return }
    switch pending {
    case .unary(let continuation): continuation.resume(throwing: error)
    case .stream(let continuation): continuation.finish(throwing: error)
    }
  }
}
