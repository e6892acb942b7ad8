import NIOCore
import NIOHTTP2
import Synchronization

/// Closes a connection whose client has not sent the whole HTTP/2 connection preface within the time our
/// framing gives a frame (``RPCServerConfiguration/frameCompletionTimeout``), so a silent or half-open
/// client cannot hold one of its user's connection slots. Removes itself once the preface is in.
final class PrefaceDeadline: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  /// `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`.
  private static let prefaceLength = 24
  private let timeout: TimeAmount
  private var received = 0
  private var timer: Scheduled<Void>?

  init(timeout: Duration) {
    self.timeout = TimeAmount(timeout)
  }

  func handlerAdded(context: ChannelHandlerContext) {
    let channel = context.channel
    timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    received += unwrapInboundIn(data).readableBytes
    context.fireChannelRead(data)
    if received >= Self.prefaceLength {
      timer?.cancel()
      context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    timer?.cancel()
  }
}

/// Lets a call's writes wait while the connection's socket is backed up (the client is not reading),
/// and closes a connection whose client has taken nothing for the write timeout.
final class ConnectionRoom: ChannelInboundHandler, Sendable {
  typealias InboundIn = HTTP2Frame

  private let channel: any Channel
  private let timeout: TimeAmount
  private let waiters: NIOLoopBoundBox<[EventLoopPromise<Void>]>

  init(channel: any Channel, timeout: Duration) {
    self.channel = channel
    self.timeout = TimeAmount(timeout)
    self.waiters = NIOLoopBoundBox([], eventLoop: channel.eventLoop)
  }

  /// Returns at once while the socket takes writes; else when it does again. Throws if the connection
  /// closes or stays backed up for the write timeout (it is then closed).
  func wait() async throws {
    let channel = self.channel
    let future: EventLoopFuture<Void> = channel.eventLoop.flatSubmit { [self] in
      guard channel.isActive else { return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
      if channel.isWritable { return channel.eventLoop.makeSucceededVoidFuture() }
      let promise = channel.eventLoop.makePromise(of: Void.self)
      waiters.value.append(promise)
      let timer = channel.eventLoop.scheduleTask(in: timeout) {
        // The client has not read for the whole timeout: drop it.
        channel.close(promise: nil)
      }
      promise.futureResult.whenComplete { _ in timer.cancel() }
      return promise.futureResult
    }
    try await future.get()
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    if context.channel.isWritable { release(with: nil) }
    context.fireChannelWritabilityChanged()
  }

  func channelInactive(context: ChannelHandlerContext) {
    release(with: ChannelError.ioOnClosedChannel)
    context.fireChannelInactive()
  }

  /// An error reaching the connection's pipeline: the connection closes, as RFC 9113 section 5.4.1
  /// requires after a connection error, once what is written is flushed. swift-nio-http2 1.46 reports
  /// stream errors here too, with the same error types as connection errors, so a stream error also
  /// closes the connection (its other calls end with it): safe, if harsher than needed.
  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    context.flush()
    context.close(promise: nil)
  }

  private func release(with error: (any Error)?) {
    let waiting = waiters.value
    waiters.value = []
    for promise in waiting {
      if let error { promise.fail(error) } else { promise.succeed() }
    }
  }
}

/// The response bytes one connection may have on their way out (handed to HTTP/2 but not yet past its
/// flow control), as our framing bounds them (``RPCServerConfiguration/maximumPendingResponseBytesPerConnection``):
/// calls wait for room rather than buffer more, a single message is let through when nothing is
/// pending, and a wait longer than the write timeout means the client is not reading: the connection is
/// closed, which fails every write waiting on it.
final class ResponseBudget: Sendable {
  private struct Waiter {
    let id: Int
    let size: Int
    let continuation: CheckedContinuation<Void, any Error>
  }

  private struct State {
    var used = 0
    var waiters: [Waiter] = []
    var nextID = 0
    var closed = false
  }

  private let limit: Int
  private let timeout: Duration
  private let onTimeout: @Sendable () -> Void
  private let state = Mutex(State())

  init(limit: Int, timeout: Duration, onTimeout: @escaping @Sendable () -> Void) {
    self.limit = limit
    self.timeout = timeout
    self.onTimeout = onTimeout
  }

  /// Waits until `size` more bytes fit, and counts them in; ``release(_:)`` them once written.
  func reserve(_ size: Int) async throws {
    let id: Int? = try state.withLock { state in
      if state.closed { throw ChannelError.ioOnClosedChannel }
      if state.waiters.isEmpty && (state.used == 0 || state.used + size <= limit) {
        state.used += size
        return nil
      }
      defer { state.nextID += 1 }
      return state.nextID
    }
    guard let id else { return }
    let timer = Task { [timeout, onTimeout] in
      try await Task.sleep(for: timeout)
      onTimeout()
    }
    defer { timer.cancel() }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let refused: (any Error)? = state.withLock { state in
          if state.closed { return ChannelError.ioOnClosedChannel }
          if Task.isCancelled { return CancellationError() }
          state.waiters.append(Waiter(id: id, size: size, continuation: continuation))
          return nil
        }
        if let refused { continuation.resume(throwing: refused) }
        admitWaiters()
      }
    } onCancel: {
      let waiter = state.withLock { state -> Waiter? in
        guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return state.waiters.remove(at: index)
      }
      waiter?.continuation.resume(throwing: CancellationError())
    }
  }

  /// `size` reserved bytes have left (or will never be written).
  func release(_ size: Int) {
    state.withLock { $0.used -= size }
    admitWaiters()
  }

  /// The connection closed: every waiter fails, and so does every later reservation.
  func close() {
    let waiting = state.withLock { state in
      state.closed = true
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiting { waiter.continuation.resume(throwing: ChannelError.ioOnClosedChannel) }
  }

  /// Lets waiters in, in order, while they fit.
  private func admitWaiters() {
    let admitted = state.withLock { state in
      var admitted: [Waiter] = []
      while let first = state.waiters.first, state.used == 0 || state.used + first.size <= limit {
        state.used += first.size
        admitted.append(state.waiters.removeFirst())
      }
      return admitted
    }
    for waiter in admitted { waiter.continuation.resume() }
  }
}
