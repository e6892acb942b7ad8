public import GainsayProto
package import NIOCore

/// A group of methods served together, e.g. the ledger.
public protocol RPCService: Sendable {
  /// The fully qualified service name, e.g. `gainsay.v1.Ledger`.
  var serviceName: String { get }
  /// Adds the service's handlers to `router`.
  func registerMethods(with router: inout RPCRouter)
}

/// The handlers a server dispatches to, by full method name.
public struct RPCRouter: Sendable {
  /// One registered method: its descriptor and the type-erased handler.
  package struct Route: Sendable {
    package let descriptor: AnyMethodDescriptor
    /// Decodes the request from `payload`, runs the handler, and emits responses through `emit`.
    package let handle: @Sendable (ByteBuffer, RPCContext, ResponseSink) async throws -> Void
    /// For methods registered with ``RPCRouter/registerInline(_:handler:)``: decodes the request, runs the
    /// handler and returns the encoded response, synchronously, on the connection's event loop.
    package let inline: (@Sendable (ByteBuffer, ByteBufferAllocator) throws -> ByteBuffer)?
    /// A stream that only ends when the client stops (e.g. `Watch`): a draining server ends it at once
    /// with UNAVAILABLE `DRAINING` instead of waiting for it.
    package var endsWhenDraining = false
  }

  /// Where a route sends its responses: whether it is the last, and how to encode it into the frame's
  /// payload (the sink encodes it only once the connection has room for it).
  package struct ResponseSink: Sendable {
    let message: @Sendable (_ isLast: Bool, _ encode: (inout ByteBuffer) throws -> Void) async throws -> Void
    let allocator: ByteBufferAllocator
  }

  package private(set) var routes: [String: Route] = [:]
  /// The services registered, by name.
  package private(set) var serviceNames: Set<String> = []

  public init() {}

  /// Registers every method of `service`.
  public mutating func register(_ service: some RPCService) {
    serviceNames.insert(service.serviceName)
    service.registerMethods(with: &self)
  }

  /// Registers the handler of a unary method.
  public mutating func register<Request, Response>(
    _ method: MethodDescriptor<Request, Response>,
    handler: @escaping @Sendable (Request, RPCContext) async throws -> Response
  ) {
    precondition(method.streaming == .unary, "\(method.fullName) is server-streaming; register a streaming handler")
    add(AnyMethodDescriptor(method)) { payload, context, sink in
      let request = try Self.decode(Request.self, from: payload)
      let response = try await handler(request, context)
      try await sink.message(true) { $0.writeProtoMessage(response) }
    }
  }

  /// Registers the handler of a unary method that answers at once from memory, without blocking or
  /// suspending (e.g. `Health`). It runs on the connection's event loop as soon as its request frame is
  /// read, so its reply costs no task switch: keep it to a few microseconds.
  public mutating func registerInline<Request, Response>(
    _ method: MethodDescriptor<Request, Response>,
    handler: @escaping @Sendable (Request) throws -> Response
  ) {
    precondition(method.streaming == .unary, "\(method.fullName) is server-streaming; it cannot be inline")
    let inline: @Sendable (ByteBuffer, ByteBufferAllocator) throws -> ByteBuffer = { payload, allocator in
      let response = try handler(try Self.decode(Request.self, from: payload))
      var buffer = allocator.buffer(capacity: 0)
      buffer.writeProtoMessage(response)
      return buffer
    }
    add(AnyMethodDescriptor(method), inline: inline) { payload, _, sink in
      var response = try inline(payload, sink.allocator)
      try await sink.message(true) { $0.writeBuffer(&response) }
    }
  }

  /// Registers the handler of a server-streaming method. `endsWhenDraining`: the stream never ends on
  /// its own (e.g. `Watch`), so a server that shuts down ends it at once, with UNAVAILABLE `DRAINING`.
  public mutating func register<Request, Response>(
    _ method: MethodDescriptor<Request, Response>,
    endsWhenDraining: Bool = false,
    handler: @escaping @Sendable (Request, RPCContext, RPCStreamWriter<Response>) async throws -> Void
  ) {
    precondition(method.streaming == .serverStreaming, "\(method.fullName) is unary; register a unary handler")
    add(AnyMethodDescriptor(method)) { payload, context, sink in
      let request = try Self.decode(Request.self, from: payload)
      let writer = RPCStreamWriter<Response> { message in
        try await sink.message(false) { $0.writeProtoMessage(message) }
      }
      try await handler(request, context, writer)
    }
    routes[method.fullName]?.endsWhenDraining = endsWhenDraining
  }

  private mutating func add(
    _ descriptor: AnyMethodDescriptor,
    inline: (@Sendable (ByteBuffer, ByteBufferAllocator) throws -> ByteBuffer)? = nil,
    handle: @escaping @Sendable (ByteBuffer, RPCContext, ResponseSink) async throws -> Void
  ) {
    precondition(routes[descriptor.fullName] == nil, "\(descriptor.fullName) is registered twice")
    routes[descriptor.fullName] = Route(descriptor: descriptor, handle: handle, inline: inline)
  }

  private static func decode<Request: ProtoMessage>(_ type: Request.Type, from payload: ByteBuffer) throws -> Request {
    do {
      return try payload.decodeProtoMessage(
        as: Request.self, memoryLimit: .forUntrustedInput(encodedSize: payload.readableBytes))
    } catch  where error.code == .tooLarge {
      throw RPCError(
        code: .resourceExhausted,
        message:
          "the request would take more memory than a \(Request.protoMessageName) of \(payload.readableBytes) bytes may: \(error)",
        reason: "REQUEST_TOO_COMPLEX"
      )
    } catch {
      throw RPCError(
        code: .invalidArgument,
        message: "the request is not a valid \(Request.protoMessageName): \(error)",
        reason: "MALFORMED_REQUEST"
      )
    }
  }

  /// Every registered method, sorted by name.
  var methods: [AnyMethodDescriptor] {
    routes.values.map(\.descriptor).sorted { $0.fullName < $1.fullName }
  }
}
