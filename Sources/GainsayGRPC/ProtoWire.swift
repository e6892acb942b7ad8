import NIOCore

/// The few protobuf wire-format reads and writes the gRPC built-ins need (health, reflection, error
/// details, descriptor sets): their messages are small and fixed, so they are encoded by hand rather
/// than generated.
enum ProtoWire {
  enum WireType: UInt64 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
  }

  /// One field of a message as read: its number and its value.
  enum Value {
    case varint(UInt64)
    case bytes(ArraySlice<UInt8>)
    case fixed
  }

  struct Malformed: Error, CustomStringConvertible {
    let description: String
  }

  /// The fields of `bytes`, in order. Throws on truncated or unknown wire types (groups are refused).
  static func fields(of bytes: ArraySlice<UInt8>) throws -> [(number: UInt64, value: Value)] {
    var fields: [(number: UInt64, value: Value)] = []
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let key = try readVarint(bytes, &index)
      let number = key >> 3
      guard number > 0 else { throw Malformed(description: "field number 0") }
      switch WireType(rawValue: key & 7) {
      case .varint:
        fields.append((number, .varint(try readVarint(bytes, &index))))
      case .lengthDelimited:
        let length = try readVarint(bytes, &index)
        guard length <= UInt64(bytes.endIndex - index) else { throw Malformed(description: "truncated field \(number)") }
        let end = index + Int(length)
        fields.append((number, .bytes(bytes[index..<end])))
        index = end
      case .fixed64:
        guard bytes.endIndex - index >= 8 else { throw Malformed(description: "truncated field \(number)") }
        index += 8
        fields.append((number, .fixed))
      case .fixed32:
        guard bytes.endIndex - index >= 4 else { throw Malformed(description: "truncated field \(number)") }
        index += 4
        fields.append((number, .fixed))
      case nil:
        throw Malformed(description: "wire type \(key & 7) of field \(number) is not supported")
      }
    }
    return fields
  }

  private static func readVarint(_ bytes: ArraySlice<UInt8>, _ index: inout Int) throws -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while index < bytes.endIndex {
      let byte = bytes[index]
      index += 1
      guard shift < 64 else { throw Malformed(description: "a varint is longer than 10 bytes") }
      value |= UInt64(byte & 0x7f) << shift
      if byte & 0x80 == 0 { return value }
      shift += 7
    }
    throw Malformed(description: "truncated varint")
  }

  /// A UTF-8 string field's value; nil for other wire types or invalid UTF-8.
  static func string(_ value: Value) -> String? {
    guard case .bytes(let bytes) = value else { return nil }
    return String(validating: bytes, as: UTF8.self)
  }

  // MARK: - Writing

  static func writeVarint(_ value: UInt64, to buffer: inout [UInt8]) {
    var value = value
    while value >= 0x80 {
      buffer.append(UInt8(value & 0x7f) | 0x80)
      value >>= 7
    }
    buffer.append(UInt8(value))
  }

  static func writeVarintField(_ number: UInt64, _ value: UInt64, to buffer: inout [UInt8]) {
    writeVarint(number << 3 | WireType.varint.rawValue, to: &buffer)
    writeVarint(value, to: &buffer)
  }

  static func writeBytesField(_ number: UInt64, _ value: some Collection<UInt8>, to buffer: inout [UInt8]) {
    writeVarint(number << 3 | WireType.lengthDelimited.rawValue, to: &buffer)
    writeVarint(UInt64(value.count), to: &buffer)
    buffer.append(contentsOf: value)
  }

  static func writeStringField(_ number: UInt64, _ value: String, to buffer: inout [UInt8]) {
    writeBytesField(number, Array(value.utf8), to: &buffer)
  }
}
