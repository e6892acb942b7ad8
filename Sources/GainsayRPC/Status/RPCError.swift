public import GainsayProto

/// An RPC that ended with a non-OK status: the code, a message, and structured details.
public struct RPCError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The status code; never ``RPCStatusCode/ok``.
  public var code: RPCStatusCode
  /// A human-readable explanation.
  public var message: String
  /// A machine-readable reason in UPPER_SNAKE_CASE, e.g. `FRAME_TOO_LARGE`; may be empty.
  public var reason: String
  /// The request fields at fault.
  public var fieldViolations: [FieldViolation]
  /// The resource the error is about, e.g. an id for NOT_FOUND; may be empty.
  public var resource: String

  public init(
    code: RPCStatusCode,
    message: String,
    reason: String = "",
    fieldViolations: [FieldViolation] = [],
    resource: String = ""
  ) {
    self.code = code
    self.message = message
    self.reason = reason
    self.fieldViolations = fieldViolations
    self.resource = resource
  }

  /// An INVALID_ARGUMENT error naming the offending field.
  public static func invalidArgument(field: String, _ description: String) -> RPCError {
    var violation = FieldViolation()
    violation.field = field
    violation.description = description
    return RPCError(code: .invalidArgument, message: "\(field): \(description)", fieldViolations: [violation])
  }

  public var description: String { "\(code.name): \(message)" }

  /// The error as the wire's status message.
  public var status: RpcStatus {
    var status = RpcStatus()
    status.code = code.rawValue
    status.message = message
    status.reason = reason
    status.fieldViolations = fieldViolations
    status.resource = resource
    return status
  }

  /// The error a non-OK wire status stands for.
  public init(status: RpcStatus) {
    self.init(
      code: RPCStatusCode(rawValue: status.code),
      message: status.message,
      reason: status.reason,
      fieldViolations: status.fieldViolations,
      resource: status.resource
    )
  }
}

/// An error that knows which RPC status it should be reported as.
///
/// Domain errors conform so that handlers can throw them and clients get a precise code.
public protocol RPCErrorConvertible: Error {
  /// The RPC error to send to the client.
  var rpcError: RPCError { get }
}

extension RPCError: RPCErrorConvertible {
  public var rpcError: RPCError { self }
}
