/// Why a ledger operation was refused: a code, a message that names the field at fault, and the field.
///
/// The server turns these into RPC statuses with the same meaning (INVALID_ARGUMENT, NOT_FOUND, …).
public struct LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The kind of failure; each maps to one gRPC status code.
  public enum Code: Hashable, Sendable {
    case invalidArgument
    case notFound
    case alreadyExists
    case failedPrecondition
    case permissionDenied
    case resourceExhausted
    case unavailable
    case `internal`
  }

  public var code: Code
  public var message: String
  /// The request field at fault, e.g. `claim.said_on.month`; empty when no single field is.
  public var field: String
  /// The resource concerned, e.g. an id that does not exist.
  public var resource: String
  /// A machine-readable reason in UPPER_SNAKE_CASE (the RPC status's `reason`), e.g. `LEDGER_DAMAGED`;
  /// empty for most errors, whose code and field say enough.
  public var reason: String

  public init(_ code: Code, _ message: String, field: String = "", resource: String = "", reason: String = "") {
    self.code = code
    self.message = message
    self.field = field
    self.resource = resource
    self.reason = reason
  }

  /// INVALID_ARGUMENT for `field`; the message starts with the field's name.
  public static func invalid(_ field: String, _ problem: String) -> LedgerError {
    LedgerError(.invalidArgument, "\(field): \(problem)", field: field)
  }

  /// NOT_FOUND for a resource named by `field`.
  public static func notFound(_ kind: String, _ id: String, field: String) -> LedgerError {
    LedgerError(.notFound, "\(field): no \(kind) \"\(id)\"", field: field, resource: id)
  }

  public var description: String { message }
}
