import GainsayProto
import GainsayRPC
import NIOCore
import NIOHTTP2

/// Writes a running call's responses and its end onto its HTTP/2 stream, as gRPC messages (a 5-byte
/// prefix: uncompressed, then the length) and trailers. Each write waits until the stream has taken it
/// (HTTP/2 flow control) and the connection's socket has room, so a call never buffers more than one
/// response however slowly the client reads.
struct GRPCStreamWriter: CallWriter {
  let allocator: ByteBufferAllocator
  let maximumMessageSize: Int
  let stream: NIOLoopBound<GRPCStreamHandler>
  let eventLoop: any EventLoop
  let room: ConnectionRoom

  func message(
    streamID: UInt32, isLast: Bool, encode: (inout ByteBuffer) throws -> Void, beforeSending: () throws -> Void
  ) async throws {
    var buffer = allocator.buffer(capacity: 256)
    buffer.writeInteger(UInt8(0))
    buffer.writeInteger(UInt32(0))
    try encode(&buffer)
    let size = buffer.readableBytes - 5
    guard size <= maximumMessageSize else {
      throw RPCError(
        code: .resourceExhausted,
        message: "a response of \(size) bytes exceeds the message limit of \(maximumMessageSize) bytes",
        reason: "RESPONSE_TOO_LARGE")
    }
    buffer.setInteger(UInt32(size), at: buffer.readerIndex + 1)
    try beforeSending()
    try await room.wait()
    let stream = self.stream
    let message = buffer
    try await eventLoop.flatSubmit { stream.value.send(message, isLast: isLast) }.get()
  }

  func status(_ status: RpcStatus, streamID: UInt32) async throws {
    let stream = self.stream
    try await eventLoop.flatSubmit { stream.value.end(status) }.get()
  }
}

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

  /// A connection error (the HTTP/2 handler has sent its GOAWAY): the connection closes, as RFC 9113
  /// section 5.4.1 requires, once what is written is flushed.
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
