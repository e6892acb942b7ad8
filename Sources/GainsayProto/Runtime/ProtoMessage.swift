/// A protobuf message of the Gainsay contract as a plain Swift value.
///
/// Every message in `Protos/` has a generated struct conforming to this protocol. Encoding and decoding
/// go through protobuf-c; callers only ever see Swift values and raw bytes.
public protocol ProtoMessage: Sendable, Hashable {
  /// The fully qualified proto name, e.g. `gainsay.v1.Claim`.
  static var protoMessageName: String { get }

  /// A message with every field at its default.
  init()

  /// Decodes a message from its protobuf wire encoding.
  ///
  /// Unknown fields are ignored. Throws when the bytes are not a valid encoding of this message or a
  /// string field is not valid UTF-8.
  init(decoding bytes: UnsafeRawBufferPointer) throws(ProtoDecodingError)

  /// Encodes the message and hands the encoding to `body`, which may copy it anywhere.
  func withEncoding<Result>(_ body: (ProtoEncoding) throws -> Result) rethrows -> Result
}

extension ProtoMessage {
  /// Decodes a message from bytes.
  public init(serializedBytes bytes: some Collection<UInt8>) throws(ProtoDecodingError) {
    let decoded: Result<Self, ProtoDecodingError> =
      bytes.withContiguousStorageIfAvailable { buffer in
        Result { () throws(ProtoDecodingError) in try Self(decoding: UnsafeRawBufferPointer(buffer)) }
      }
      ?? Array(bytes).withUnsafeBytes { raw in
        Result { () throws(ProtoDecodingError) in try Self(decoding: raw) }
      }
    self = try decoded.get()
  }

  /// The protobuf wire encoding of the message.
  public func serializedBytes() -> [UInt8] {
    withEncoding { encoding in
      [UInt8](unsafeUninitializedCapacity: encoding.count) { buffer, initialized in
        encoding.write(to: UnsafeMutableRawBufferPointer(buffer))
        initialized = encoding.count
      }
    }
  }

  /// The size of the message's wire encoding in bytes.
  public var serializedSize: Int {
    withEncoding { $0.count }
  }
}
