/// A message ready to be written in its protobuf wire encoding: its size, and a way to write it.
///
/// Only valid inside the closure passed to ``ProtoMessage/withEncoding(_:)``: do not let it escape.
public struct ProtoEncoding {
  /// The number of bytes ``write(to:)`` writes.
  public let count: Int
  private let pack: (UnsafeMutablePointer<UInt8>) -> Int

  init(count: Int, pack: @escaping (UnsafeMutablePointer<UInt8>) -> Int) {
    self.count = count
    self.pack = pack
  }

  /// Writes exactly ``count`` bytes at the start of `buffer`, which must hold at least that many.
  public func write(to buffer: UnsafeMutableRawBufferPointer) {
    precondition(buffer.count >= count, "ProtoEncoding.write: buffer of \(buffer.count) bytes, need \(count)")
    guard count > 0, let base = buffer.baseAddress else { return }
    let written = pack(base.assumingMemoryBound(to: UInt8.self))
    precondition(written == count, "protobuf-c packed \(written) bytes, expected \(count)")
  }
}
