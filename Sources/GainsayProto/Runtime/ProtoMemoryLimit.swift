internal import CProtobufC
internal import GainsayProtoC

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Musl)
  internal import Musl
#endif

/// How much memory decoding one message may take: protobuf-c's structures and the Swift values made
/// from them together.
///
/// A protobuf encoding can be tiny for what it decodes to: an empty element of a repeated message field
/// is 2 bytes on the wire but a C struct, a pointer and a Swift value of hundreds of bytes once decoded.
/// Input from an untrusted peer is decoded within a limit proportional to its size
/// (``forUntrustedInput(encodedSize:)``), so a request can never take more than a small multiple of
/// its frame.
public struct ProtoMemoryLimit: Sendable, Hashable {
  /// The most bytes decoding may allocate.
  public var bytes: Int

  public init(bytes: Int) {
    self.bytes = bytes
  }

  /// How many times its encoded size a message from an untrusted peer may take once decoded.
  public static let untrustedFactor = 16
  /// What any message from an untrusted peer may take, however small its encoding (small messages
  /// decode to fixed-size structs that can be larger than their encoding).
  public static let untrustedFloor = 256 * 1024

  /// ``untrustedFactor`` times `encodedSize`, plus ``untrustedFloor``.
  public static func forUntrustedInput(encodedSize: Int) -> ProtoMemoryLimit {
    let (product, overflow) = encodedSize.multipliedReportingOverflow(by: untrustedFactor)
    return ProtoMemoryLimit(bytes: overflow ? Int.max : product + untrustedFloor)
  }
}

/// The memory left to one decoding, charged by protobuf-c's allocator and by the Swift bridge.
///
/// It lives only during one synchronous decoding, on one thread, found through a task-local value, so
/// the generated bridge code need not pass it along.
final class ProtoDecodingBudget: @unchecked Sendable {
  @TaskLocal static var current: ProtoDecodingBudget?

  private(set) var remaining: Int
  private(set) var exceeded = false

  init(limit: Int) {
    remaining = limit
  }

  /// Takes `bytes` from the budget; false (and remembered) when they do not fit.
  func charge(_ bytes: Int) -> Bool {
    guard !exceeded, bytes <= remaining else {
      exceeded = true
      return false
    }
    remaining -= bytes
    return true
  }

  /// Charges the current decoding's budget, if any; throws once it is exceeded.
  static func charge(_ bytes: Int, messageName: @autoclosure () -> String) throws(ProtoDecodingError) {
    guard let budget = current else { return }
    guard budget.charge(bytes) else { throw ProtoDecodingError(code: .tooLarge, messageName: messageName()) }
  }

  /// Charges the current decoding's budget, if any, for a step that cannot fail at once: the decoding
  /// checks ``exceeded`` when it is done.
  static func note(_ bytes: Int) {
    _ = current?.charge(bytes)
  }
}

/// protobuf-c's allocator with a byte budget: an allocation over it fails, and so does the unpack.
private func budgetedAlloc(_ data: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer? {
  guard let data else { return nil }
  let budget = Unmanaged<ProtoDecodingBudget>.fromOpaque(data).takeUnretainedValue()
  // malloc's own overhead counts too: at least 16 bytes a block.
  guard budget.charge(size + 16) else { return nil }
  return malloc(size)
}

private func budgetedFree(_ data: UnsafeMutableRawPointer?, _ pointer: UnsafeMutableRawPointer?) {
  free(pointer)
}

extension CBridgedMessage {
  /// Decodes within `budget`: protobuf-c allocates through it, and the bridge charges the Swift values.
  static func decode(
    _ bytes: UnsafeRawBufferPointer, budget: ProtoDecodingBudget
  ) throws(ProtoDecodingError) -> Self {
    let descriptor = withUnsafeTemporaryAllocation(of: CMessage.self, capacity: 1) { buffer in
      let message = buffer.baseAddress!
      cInit(message)
      return UnsafeRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self).pointee.descriptor
    }
    var allocator = ProtobufCAllocator(
      alloc: { budgetedAlloc($0, $1) }, free: { budgetedFree($0, $1) },
      allocator_data: Unmanaged.passUnretained(budget).toOpaque())
    let result: Result<Self, ProtoDecodingError> = withExtendedLifetime(budget) {
      guard
        let unpacked = protobuf_c_message_unpack(
          descriptor, &allocator, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
      else {
        return .failure(
          ProtoDecodingError(code: budget.exceeded ? .tooLarge : .malformed, messageName: protoMessageName))
      }
      defer { protobuf_c_message_free_unpacked(unpacked, &allocator) }
      return ProtoDecodingBudget.$current.withValue(budget) {
        Result { () throws(ProtoDecodingError) in
          let message = try Self(cMessage: UnsafeRawPointer(unpacked).assumingMemoryBound(to: CMessage.self))
          guard !budget.exceeded else { throw ProtoDecodingError(code: .tooLarge, messageName: protoMessageName) }
          return message
        }
      }
    }
    return try result.get()
  }
}

extension ProtoMessage {
  /// Decodes a message from its protobuf wire encoding, allocating at most `memoryLimit` for it;
  /// throws ``ProtoDecodingError/Code/tooLarge`` beyond that.
  public init(decoding bytes: UnsafeRawBufferPointer, memoryLimit: ProtoMemoryLimit) throws(ProtoDecodingError) {
    guard let bridged = Self.self as? any CBridgedMessage.Type else {
      try self.init(decoding: bytes)
      return
    }
    let budget = ProtoDecodingBudget(limit: memoryLimit.bytes)
    func decode<Bridged: CBridgedMessage>(_ type: Bridged.Type) throws(ProtoDecodingError) -> Self {
      // swift-format-ignore
      try type.decode(bytes, budget: budget) as! Self
    }
    self = try decode(bridged)
  }
}
