import GainsayRPC
import NIOCore
import NIOEmbedded
import Testing

@Suite("frame decoder")
struct FrameDecoderTests {
  private func makeChannel(maximum: Int = 1024, expectsPreface: Bool = true) throws -> EmbeddedChannel {
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.addHandler(
      ByteToMessageHandler(FrameDecoder(expectsPreface: expectsPreface, maximumPayloadSize: maximum)))
    return channel
  }

  private func feed(_ channel: EmbeddedChannel, _ bytes: [UInt8]) throws {
    try channel.writeInbound(ByteBuffer(bytes: bytes))
  }

  private func events(_ channel: EmbeddedChannel) throws -> [FrameDecoder.Event] {
    var events: [FrameDecoder.Event] = []
    while let event = try channel.readInbound(as: FrameDecoder.Event.self) { events.append(event) }
    return events
  }

  private static let sample: [UInt8] =
    Wire.preface + Wire.frame(streamID: 1, type: 0x01, payload: [1, 2, 3])
    + Wire.frame(streamID: 3, type: 0x04, payload: [])
    + Wire.frame(streamID: 0xFFFF_FFFF, type: 0x02, flags: 1, payload: [9])

  private func describe(_ events: [FrameDecoder.Event]) -> [String] {
    events.map { event in
      switch event {
      case .preface(let version): "preface \(version)"
      case .frame(let frame):
        "frame \(frame.streamID) \(frame.type) \(frame.flags.rawValue) \(Array(frame.payload.readableBytesView))"
      case .oversizedFrame(let header): "oversized \(header.streamID) \(header.length)"
      case .protocolViolation(let reason): "violation \(reason)"
      }
    }
  }

  private static let expected = [
    "preface 1", "frame 1 REQUEST 0 [1, 2, 3]", "frame 3 CANCEL 0 []", "frame 4294967295 MESSAGE 1 [9]",
  ]

  @Test("coalesced: many frames in one read")
  func coalesced() throws {
    let channel = try makeChannel()
    try feed(channel, Self.sample)
    #expect(describe(try events(channel)) == Self.expected)
  }

  @Test("split: one byte per read")
  func split() throws {
    let channel = try makeChannel()
    for byte in Self.sample { try feed(channel, [byte]) }
    #expect(describe(try events(channel)) == Self.expected)
  }

  @Test("split at every position")
  func splitEverywhere() throws {
    for cut in 1..<Self.sample.count {
      let channel = try makeChannel()
      try feed(channel, Array(Self.sample[..<cut]))
      try feed(channel, Array(Self.sample[cut...]))
      #expect(describe(try events(channel)) == Self.expected, "cut at \(cut)")
    }
  }

  @Test("zero-length payloads")
  func zeroLength() throws {
    let channel = try makeChannel()
    try feed(channel, Wire.preface + Wire.frame(streamID: 5, type: 0x01, payload: []))
    #expect(describe(try events(channel)) == ["preface 1", "frame 5 REQUEST 0 []"])
  }

  @Test("an oversized frame is reported at once and its payload skipped as it arrives")
  func oversized() throws {
    let channel = try makeChannel(maximum: 16)
    try feed(channel, Wire.preface + Wire.bigEndian(1_000_000) + Wire.bigEndian(7) + [0x01, 0])
    #expect(describe(try events(channel)) == ["preface 1", "oversized 7 1000000"])
    // The payload streams through in chunks and nothing is emitted for it.
    for _ in 0..<(1_000_000 / 10_000) {
      try feed(channel, [UInt8](repeating: 0xEE, count: 10_000))
      #expect(try events(channel).isEmpty)
    }
    try feed(channel, Wire.frame(streamID: 9, type: 0x01, payload: [42]))
    #expect(describe(try events(channel)) == ["frame 9 REQUEST 0 [42]"])
  }

  @Test("a frame of exactly the maximum is accepted")
  func exactlyMaximum() throws {
    let channel = try makeChannel(maximum: 16)
    try feed(channel, Wire.preface + Wire.frame(streamID: 1, type: 0x01, payload: [UInt8](repeating: 1, count: 16)))
    #expect(describe(try events(channel)).count == 2)
  }

  @Test(
    "a wrong preface is a protocol violation, and nothing after it is decoded",
    arguments: [
      Array("GET / HTTP/1.1\r\n".utf8), Array("GAINSAY/x\n".utf8), Array("GAINSAY/1\r".utf8), [0, 0, 0, 0],
    ])
  func wrongPreface(bytes: [UInt8]) throws {
    let channel = try makeChannel()
    try feed(channel, bytes + Wire.frame(streamID: 1, type: 1, payload: []))
    let decoded = describe(try events(channel))
    #expect(decoded.count == 1)
    #expect(decoded.first?.hasPrefix("violation") == true)
  }

  @Test("another version is reported for the connection to refuse")
  func otherVersion() throws {
    let channel = try makeChannel()
    try feed(channel, Array("GAINSAY/2\n".utf8))
    #expect(describe(try events(channel)) == ["preface 2"])
  }

  @Test("garbage fails on its first byte, without waiting for a whole preface")
  func failFast() throws {
    let channel = try makeChannel()
    try feed(channel, [0x16])  // a TLS ClientHello's first byte
    #expect(describe(try events(channel)).first?.hasPrefix("violation") == true)
  }

  @Test("unknown frame types are passed on for the connection to judge")
  func unknownType() throws {
    let channel = try makeChannel()
    try feed(channel, Wire.preface + Wire.frame(streamID: 1, type: 0x7F, payload: [1]))
    #expect(describe(try events(channel)) == ["preface 1", "frame 1 0x7f 0 [1]"])
  }

  @Test("a truncated frame at the end of the stream is dropped")
  func truncated() throws {
    let channel = try makeChannel()
    let frame = Wire.frame(streamID: 1, type: 0x01, payload: [1, 2, 3, 4])
    try feed(channel, Wire.preface + Array(frame.prefix(12)))
    _ = try channel.finish()
    #expect(describe(try events(channel)) == ["preface 1"])
  }

  @Test("the encoder writes what the decoder reads")
  func encoderRoundTrip() throws {
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
    try channel.writeOutbound(OutboundFrame.preface(version: 1))
    try channel.writeOutbound(
      OutboundFrame.frame(Frame(streamID: 258, type: .status, flags: [], payload: ByteBuffer(bytes: [7, 8]))))
    var bytes: [UInt8] = []
    while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
    #expect(bytes == Wire.preface + [0, 0, 0, 2, 0, 0, 1, 2, 0x03, 0, 7, 8])
  }
}
