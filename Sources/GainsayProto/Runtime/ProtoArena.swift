internal import CProtobufC
internal import GainsayProtoC

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Musl)
  internal import Musl
#endif

/// A bump allocator for the C structs built while encoding one message: everything is freed at once.
///
/// Encoding allocates many small pieces (strings, arrays, sub-messages) that all die together, so the
/// arena hands out memory from 4 KiB blocks and frees the blocks in ``release()``.
final class ProtoArena {
  private static let blockSize = 4096
  private var blocks: [UnsafeMutableRawPointer] = []
  private var cursor: UnsafeMutableRawPointer?
  private var remaining = 0

  init() {}

  /// Frees every allocation.
  func release() {
    for block in blocks { free(block) }
    blocks.removeAll()
    cursor = nil
    remaining = 0
  }

  private func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
    if let cursor {
      let misalignment = Int(bitPattern: cursor) & (alignment - 1)
      let padding = misalignment == 0 ? 0 : alignment - misalignment
      if padding + byteCount <= remaining {
        let result = cursor + padding
        self.cursor = result + byteCount
        remaining -= padding + byteCount
        return result
      }
    }
    let size = max(Self.blockSize, byteCount + alignment)
    guard let block = malloc(size) else { fatalError("ProtoArena: out of memory allocating \(size) bytes") }
    blocks.append(block)
    let misalignment = Int(bitPattern: block) & (alignment - 1)
    let start = block + (misalignment == 0 ? 0 : alignment - misalignment)
    cursor = start + byteCount
    remaining = size - (start - block) - byteCount
    return start
  }

  /// A NUL-terminated copy of `string`.
  func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
    var string = string
    return string.withUTF8 { utf8 in
      let memory = allocate(byteCount: utf8.count + 1, alignment: 1)
      if let base = utf8.baseAddress { memory.copyMemory(from: base, byteCount: utf8.count) }
      memory.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
      return memory.bindMemory(to: CChar.self, capacity: utf8.count + 1)
    }
  }

  /// An array of NUL-terminated copies, or nil when empty.
  func cStrings(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    guard !strings.isEmpty else { return nil }
    let array = typed(UnsafeMutablePointer<CChar>?.self, count: strings.count)
    for (index, string) in strings.enumerated() { (array + index).initialize(to: cString(string)) }
    return array
  }

  /// A copy of `bytes` as protobuf-c binary data.
  func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
    guard !bytes.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
    let memory = allocate(byteCount: bytes.count, alignment: 1)
    bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    return ProtobufCBinaryData(len: bytes.count, data: memory.bindMemory(to: UInt8.self, capacity: bytes.count))
  }

  func binaryArray(_ items: [[UInt8]]) -> UnsafeMutablePointer<ProtobufCBinaryData>? {
    guard !items.isEmpty else { return nil }
    let array = typed(ProtobufCBinaryData.self, count: items.count)
    for (index, item) in items.enumerated() { (array + index).initialize(to: binary(item)) }
    return array
  }

  /// A copy of scalar values, or nil when empty.
  func array<Element>(_ items: [Element]) -> UnsafeMutablePointer<Element>? {
    guard !items.isEmpty else { return nil }
    let array = typed(Element.self, count: items.count)
    _ = UnsafeMutableBufferPointer(start: array, count: items.count).initialize(from: items)
    return array
  }

  /// An initialised and filled C message.
  func message<Message: CBridgedMessage>(_ value: Message) -> UnsafeMutablePointer<Message.CMessage> {
    let pointer = typed(Message.CMessage.self, count: 1)
    Message.cInit(pointer)
    value.fill(pointer, arena: self)
    return pointer
  }

  /// An array of pointers to filled C messages, or nil when empty.
  func messages<Message: CBridgedMessage>(
    _ values: [Message]
  ) -> UnsafeMutablePointer<UnsafeMutablePointer<Message.CMessage>?>? {
    guard !values.isEmpty else { return nil }
    let array = typed(UnsafeMutablePointer<Message.CMessage>?.self, count: values.count)
    for (index, value) in values.enumerated() { (array + index).initialize(to: message(value)) }
    return array
  }

  private func typed<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
    allocate(byteCount: MemoryLayout<T>.stride * count, alignment: MemoryLayout<T>.alignment)
      .bindMemory(to: T.self, capacity: count)
  }
}
