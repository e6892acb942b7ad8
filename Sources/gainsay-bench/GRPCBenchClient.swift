import GainsayProto
import GainsayRPC
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

/// A lean gRPC client (HTTP/2 on a Unix socket, one stream per unary call), so the benchmark measures
/// what the daemon's gRPC socket costs beside our own framing, not a heavy client's overhead.
final class GRPCBenchClient: Sendable {
  private let channel: any Channel
  private let multiplexer: NIOHTTP2Handler.StreamMultiplexer

  private init(channel: any Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
    self.channel = channel
    self.multiplexer = multiplexer
  }

  /// A connection to the gRPC socket at `path`.
  static func connect(path: String) async throws -> GRPCBenchClient {
    let (channel, multiplexer) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .connect(unixDomainSocketPath: path) { channel in
        channel.eventLoop.makeCompletedFuture {
          let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
          ) { stream in stream.eventLoop.makeSucceededVoidFuture() }
          return (channel, multiplexer)
        }
      }
    return GRPCBenchClient(channel: channel, multiplexer: multiplexer)
  }

  /// Calls the unary `method` with `request`; throws the call's status unless it is OK.
  func call<Request, Response>(_ method: MethodDescriptor<Request, Response>, _ request: Request) async throws
    -> Response
  {
    let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
    var message = channel.allocator.buffer(capacity: 64)
    message.writeInteger(UInt8(0))
    message.writeInteger(UInt32(0))
    let size = message.writeProtoMessage(request)
    message.setInteger(UInt32(size), at: 1)
    let path = "/" + method.fullName
    let payload = message
    multiplexer.createStreamChannel(promise: nil) { stream in
      stream.eventLoop.makeCompletedFuture {
        try stream.pipeline.syncOperations.addHandler(UnaryCall(path: path, request: payload, response: promise))
      }
    }
    var reply = try await promise.futureResult.get()
    reply.moveReaderIndex(forwardBy: 5)
    return try reply.decodeProtoMessage(as: Response.self)
  }

  func close() async {
    try? await channel.close()
  }
}

/// One unary call on its stream: sends the request, collects the message, checks `grpc-status`.
private final class UnaryCall: ChannelInboundHandler {
  typealias InboundIn = HTTP2Frame.FramePayload
  typealias OutboundOut = HTTP2Frame.FramePayload

  private let path: String
  private let request: ByteBuffer
  private let response: EventLoopPromise<ByteBuffer>
  private var received: ByteBuffer?

  init(path: String, request: ByteBuffer, response: EventLoopPromise<ByteBuffer>) {
    self.path = path
    self.request = request
    self.response = response
  }

  func channelActive(context: ChannelHandlerContext) {
    let headers: HPACKHeaders = [
      ":method": "POST", ":scheme": "http", ":path": path, ":authority": "localhost",
      "content-type": "application/grpc", "te": "trailers",
    ]
    context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
    context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(request), endStream: true))), promise: nil)
    context.fireChannelActive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .data(let data):
      if case .byteBuffer(var bytes) = data.data {
        if received == nil { received = bytes } else { received!.writeBuffer(&bytes) }
      }
    case .headers(let headers) where headers.endStream:
      let code = headers.headers.first(name: "grpc-status").flatMap(Int32.init) ?? 2
      if code == 0, let received {
        response.succeed(received)
      } else {
        response.fail(
          RPCError(
            code: RPCStatusCode(rawValue: code),
            message: headers.headers.first(name: "grpc-message") ?? "gRPC call failed"))
      }
    default:
      break
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    response.fail(RPCError(code: .unavailable, message: "the stream closed before the call ended"))
    context.fireChannelInactive()
  }
}
