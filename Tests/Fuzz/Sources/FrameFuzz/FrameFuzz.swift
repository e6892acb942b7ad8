import FuzzDriver
import GainsayProto
import GainsayRPC
import Glibc
import NIOCore
import NIOEmbedded

/// What the decoder reported, comparable.
enum Seen: Equatable {
  case preface(Int)
  case frame(UInt32, UInt8, UInt8, [UInt8])
  case oversized(UInt32, UInt32, UInt8)
  case violation
}

/// Decodes `bytes` delivered in chunks of the given sizes (cycled), then end of stream.
func decode(_ bytes: [UInt8], chunks: [Int]) -> [Seen] {
  let channel = EmbeddedChannel(
    handler: ByteToMessageHandler(FrameDecoder(expectsPreface: true, maximumPayloadSize: 256)))
  var offset = 0
  var index = 0
  while offset < bytes.count {
    let size = max(1, chunks.isEmpty ? bytes.count : chunks[index % chunks.count])
    let end = min(bytes.count, offset + size)
    try! channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
    offset = end
    index += 1
  }
  _ = try? channel.finish()
  var seen: [Seen] = []
  while let event = try! channel.readInbound(as: FrameDecoder.Event.self) {
    switch event {
    case .preface(let version): seen.append(.preface(version))
    case .frame(let frame):
      seen.append(
        .frame(frame.streamID, frame.type.rawValue, frame.flags.rawValue, Array(frame.payload.readableBytesView)))
      if frame.type == .request { _ = try? frame.payload.decodeProtoMessage(as: RpcCall.self) }
    case .oversizedFrame(let header): seen.append(.oversized(header.length, header.streamID, header.type.rawValue))
    case .protocolViolation: seen.append(.violation)
    }
  }
  return seen
}

/// libFuzzer's entry point: the first byte sets the chunk sizes, the rest is the byte stream after a valid
/// preface (so the fuzzer reaches the frames) — unless the first byte is odd, then the stream is raw.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let control = data[0]
  var bytes = control & 1 == 0 ? ConnectionPreface.bytes() : []
  bytes += UnsafeBufferPointer(start: data + 1, count: size - 1)
  let whole = decode(bytes, chunks: [])
  let chunked = decode(bytes, chunks: [Int(control >> 1) % 17 + 1, 64])
  guard whole == chunked else { fatalError("chunking changed what the decoder saw: \(whole) vs \(chunked)") }
  return 0
}

/// SwiftPM links executables through their own `main`: hand the command line to libFuzzer's driver.
@main
enum Main {
  static func main() {
    runLibFuzzer { fuzzFrames($0, $1) }
  }
}
