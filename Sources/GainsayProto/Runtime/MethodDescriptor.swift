/// How many response messages a method sends.
public enum MethodStreaming: Sendable, Hashable {
  /// Exactly one response on success.
  case unary
  /// Zero or more responses, then a status.
  case serverStreaming
}

/// A method of a service, with its request and response types.
public struct MethodDescriptor<Request: ProtoMessage, Response: ProtoMessage>: Sendable, Hashable {
  /// The service's fully qualified name, e.g. `gainsay.v1.Ledger`.
  public let service: String
  /// The method's name, e.g. `GetClaim`.
  public let method: String
  /// Unary or server-streaming.
  public let streaming: MethodStreaming

  public init(service: String, method: String, streaming: MethodStreaming) {
    self.service = service
    self.method = method
    self.streaming = streaming
  }

  /// The name on the wire: `package.Service/Method`.
  public var fullName: String { "\(service)/\(method)" }
}

/// A method descriptor with its types erased, for listings such as `Describe`.
public struct AnyMethodDescriptor: Sendable, Hashable {
  /// `package.Service/Method`.
  public let fullName: String
  /// The fully qualified request message name.
  public let requestType: String
  /// The fully qualified response message name.
  public let responseType: String
  public let streaming: MethodStreaming

  public init<Request, Response>(_ method: MethodDescriptor<Request, Response>) {
    self.fullName = method.fullName
    self.requestType = Request.protoMessageName
    self.responseType = Response.protoMessageName
    self.streaming = method.streaming
  }
}
