/// A gRPC canonical status code, as carried in a STATUS frame.
///
/// Codes the runtime does not know (a newer peer) are kept as their number.
public struct RPCStatusCode: Hashable, Sendable, CustomStringConvertible {
  /// The number on the wire (0…16 for the canonical codes).
  public let rawValue: Int32

  public init(rawValue: Int32) { self.rawValue = rawValue }

  public static let ok = RPCStatusCode(rawValue: 0)
  public static let cancelled = RPCStatusCode(rawValue: 1)
  public static let unknown = RPCStatusCode(rawValue: 2)
  public static let invalidArgument = RPCStatusCode(rawValue: 3)
  public static let deadlineExceeded = RPCStatusCode(rawValue: 4)
  public static let notFound = RPCStatusCode(rawValue: 5)
  public static let alreadyExists = RPCStatusCode(rawValue: 6)
  public static let permissionDenied = RPCStatusCode(rawValue: 7)
  public static let resourceExhausted = RPCStatusCode(rawValue: 8)
  public static let failedPrecondition = RPCStatusCode(rawValue: 9)
  public static let aborted = RPCStatusCode(rawValue: 10)
  public static let outOfRange = RPCStatusCode(rawValue: 11)
  public static let unimplemented = RPCStatusCode(rawValue: 12)
  public static let `internal` = RPCStatusCode(rawValue: 13)
  public static let unavailable = RPCStatusCode(rawValue: 14)
  public static let dataLoss = RPCStatusCode(rawValue: 15)
  public static let unauthenticated = RPCStatusCode(rawValue: 16)

  private static let names = [
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
  ]

  /// The canonical name, e.g. `NOT_FOUND`, or `CODE_42` for an unknown code.
  public var name: String {
    Self.names.indices.contains(Int(rawValue)) ? Self.names[Int(rawValue)] : "CODE_\(rawValue)"
  }

  /// The code with the canonical `name`, if there is one.
  public init?(name: String) {
    guard let index = Self.names.firstIndex(of: name) else { return nil }
    self.rawValue = Int32(index)
  }

  public var description: String { name }
}
