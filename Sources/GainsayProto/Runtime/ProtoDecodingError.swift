/// Why bytes could not be decoded as a message.
public struct ProtoDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What went wrong, in general terms.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private let name: String
    private init(_ name: String) { self.name = name }

    /// The bytes are not a valid protobuf encoding of the message type.
    public static let malformed = Code("malformed")
    /// A string field holds bytes that are not valid UTF-8.
    public static let invalidUTF8 = Code("invalid UTF-8")
    /// Decoding would take more memory than its ``ProtoMemoryLimit`` allows.
    public static let tooLarge = Code("too large")

    public var description: String { name }
  }

  /// What went wrong.
  public var code: Code
  /// The message type being decoded, e.g. `gainsay.v1.Claim`.
  public var messageName: String
  /// The offending field's path, when known, e.g. `gainsay.v1.Claim.text`.
  public var field: String?

  public init(code: Code, messageName: String, field: String? = nil) {
    self.code = code
    self.messageName = messageName
    self.field = field
  }

  public var description: String {
    switch code {
    case .invalidUTF8:
      "field \(field ?? "?") of \(messageName) is not valid UTF-8"
    case .tooLarge:
      "decoding this \(messageName) would take more memory than its limit allows"
    default:
      "not a valid protobuf encoding of \(messageName)"
    }
  }
}
