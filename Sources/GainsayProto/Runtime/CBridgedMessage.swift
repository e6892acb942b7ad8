internal import CProtobufC
internal import GainsayProtoC

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Musl)
  internal import Musl
#endif

/// A message type with a protobuf-c counterpart: the generated bridge conforms every message to it.
///
/// This protocol and the generated extensions are the only code that touches C pointers.
protocol CBridgedMessage: ProtoMessage {
  /// The struct protoc-c generated for the message.
  associatedtype CMessage

  static func cInit(_ message: UnsafeMutablePointer<CMessage>)
  static func cUnpack(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutablePointer<CMessage>?
  static func cFree(_ message: UnsafeMutablePointer<CMessage>)
  static func cPackedSize(_ message: UnsafePointer<CMessage>) -> Int
  static func cPack(_ message: UnsafePointer<CMessage>, into out: UnsafeMutablePointer<UInt8>) -> Int

  /// Copies a C message into Swift values.
  init(cMessage: UnsafePointer<CMessage>) throws(ProtoDecodingError)
  /// Fills an initialised C message from Swift values; `arena` owns every allocation.
  func fill(_ message: UnsafeMutablePointer<CMessage>, arena: ProtoArena)
}

extension CBridgedMessage {
  public init(decoding bytes: UnsafeRawBufferPointer) throws(ProtoDecodingError) {
    guard let unpacked = Self.cUnpack(bytes) else {
      throw ProtoDecodingError(code: .malformed, messageName: Self.protoMessageName)
    }
    defer { Self.cFree(unpacked) }
    try self.init(cMessage: unpacked)
  }

  public func withEncoding<Result>(_ body: (ProtoEncoding) throws -> Result) rethrows -> Result {
    let arena = ProtoArena()
    defer { arena.release() }
    let message = arena.message(self)
    let encoding = ProtoEncoding(count: Self.cPackedSize(message)) { out in Self.cPack(message, into: out) }
    return try body(encoding)
  }
}

// MARK: - Reading C fields

/// A C string field as a Swift string, refusing invalid UTF-8 rather than repairing it.
func bridgeString(_ pointer: UnsafePointer<CChar>?, field: String) throws(ProtoDecodingError) -> String {
  guard let pointer else { return "" }
  if pointer.pointee == 0 { return "" }
  let length = strlen(pointer)
  if length > 15 { try ProtoDecodingBudget.charge(length + 16, messageName: messageName(of: field)) }
  guard let string = String(validatingCString: pointer) else {
    throw ProtoDecodingError(code: .invalidUTF8, messageName: messageName(of: field), field: field)
  }
  return string
}

/// `gainsay.v1.Claim` for the field `gainsay.v1.Claim.text`.
private func messageName(of field: String) -> String {
  field.split(separator: ".").dropLast().joined(separator: ".")
}

func bridgeString(_ pointer: UnsafeMutablePointer<CChar>?, field: String) throws(ProtoDecodingError) -> String {
  try bridgeString(UnsafePointer(pointer), field: field)
}

func bridgeStrings(
  _ pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
  count: Int,
  field: String
) throws(ProtoDecodingError) -> [String] {
  guard let pointers, count > 0 else { return [] }
  try ProtoDecodingBudget.charge(count * MemoryLayout<String>.stride, messageName: messageName(of: field))
  var strings: [String] = []
  strings.reserveCapacity(count)
  for index in 0..<count {
    strings.append(try bridgeString(pointers[index], field: field))
  }
  return strings
}

func bridgeBytes(_ data: ProtobufCBinaryData) -> [UInt8] {
  guard data.len > 0, let base = data.data else { return [] }
  ProtoDecodingBudget.note(data.len + 32)
  return [UInt8](UnsafeBufferPointer(start: base, count: data.len))
}

func bridgeBytesArray(_ items: UnsafeMutablePointer<ProtobufCBinaryData>?, count: Int) -> [[UInt8]] {
  guard let items, count > 0 else { return [] }
  ProtoDecodingBudget.note(count * MemoryLayout<[UInt8]>.stride)
  return UnsafeBufferPointer(start: items, count: count).map(bridgeBytes)
}

func bridgeArray<Element>(_ items: UnsafeMutablePointer<Element>?, count: Int) -> [Element] {
  guard let items, count > 0 else { return [] }
  // Counted twice: the copy, and the array of Swift values the generated code usually maps it to.
  ProtoDecodingBudget.note(2 * count * MemoryLayout<Element>.stride)
  return Array(UnsafeBufferPointer(start: items, count: count))
}

func bridgeMessages<Message: CBridgedMessage>(
  _ items: UnsafeMutablePointer<UnsafeMutablePointer<Message.CMessage>?>?,
  count: Int
) throws(ProtoDecodingError) -> [Message] {
  guard let items, count > 0 else { return [] }
  try ProtoDecodingBudget.charge(count * MemoryLayout<Message>.stride, messageName: Message.protoMessageName)
  var messages: [Message] = []
  messages.reserveCapacity(count)
  for index in 0..<count {
    guard let item = items[index] else { continue }
    messages.append(try Message(cMessage: item))
  }
  return messages
}
