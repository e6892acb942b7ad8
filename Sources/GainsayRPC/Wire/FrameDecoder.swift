public import NIOCore

/// Splits the byte stream into the peer's preface and frames.
///
/// Frames whose payload exceeds the maximum size are never buffered: the decoder reports their header
/// and discards the payload bytes as they arrive, so the connection can go on. After a bad preface it
/// reports a protocol violation once and ignores everything that follows.
public struct FrameDecoder: ByteToMessageDecoder {
  public typealias InboundOut = Event

  /// What the decoder found in the byte stream.
  public enum Event: Sendable {
    /// The peer's preface, with the protocol version it announced.
    case preface(version: Int)
    /// A complete frame.
    case frame(Frame)
    /// A frame larger than the maximum; its payload is being discarded.
    case oversizedFrame(FrameHeader)
    /// The bytes cannot be a Gainsay connection; nothing more will be decoded.
    case protocolViolation(String)
  }

  private enum State {
    case awaitingPreface
    case awaitingHeader
    case skipping(remaining: Int)
    case failed
  }

  private var state: State
  private let maximumPayloadSize: Int

  /// - Parameters:
  ///   - expectsPreface: whether the peer's first bytes are its connection preface.
  ///   - maximumPayloadSize: frames with a larger payload are reported and discarded.
  public init(expectsPreface: Bool = true, maximumPayloadSize: Int) {
    self.state = expectsPreface ? .awaitingPreface : .awaitingHeader
    self.maximumPayloadSize = maximumPayloadSize
  }

  public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
    switch state {
    case .failed:
      buffer.moveReaderIndex(to: buffer.writerIndex)
      return .needMoreData

    case .awaitingPreface:
      let available = min(buffer.readableBytes, ConnectionPreface.size)
      // Fail fast: a peer whose first bytes already differ from the magic is not a Gainsay peer.
      if let seen = buffer.getBytes(at: buffer.readerIndex, length: min(available, ConnectionPreface.magic.count)),
        seen != Array(ConnectionPreface.magic.prefix(seen.count))
      {
        return fail(context: context, buffer: &buffer, "the connection must start with the preface \"GAINSAY/1\\n\"")
      }
      guard buffer.readableBytes >= ConnectionPreface.size,
        let bytes = buffer.readBytes(length: ConnectionPreface.size)
      else { return .needMoreData }
      guard let version = ConnectionPreface.parse(bytes) else {
        return fail(context: context, buffer: &buffer, "malformed connection preface")
      }
      state = .awaitingHeader
      context.fireChannelRead(wrapInboundOut(.preface(version: version)))
      return .continue

    case .skipping(let remaining):
      let skipped = min(remaining, buffer.readableBytes)
      buffer.moveReaderIndex(forwardBy: skipped)
      if skipped == remaining {
        state = .awaitingHeader
        return .continue
      }
      state = .skipping(remaining: remaining - skipped)
      return .needMoreData

    case .awaitingHeader:
      guard buffer.readableBytes >= FrameHeader.size,
        let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
        let streamID = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self),
        let type = buffer.getInteger(at: buffer.readerIndex + 8, as: UInt8.self),
        let flags = buffer.getInteger(at: buffer.readerIndex + 9, as: UInt8.self)
      else { return .needMoreData }
      let header = FrameHeader(
        length: length, streamID: streamID, type: FrameType(rawValue: type), flags: FrameFlags(rawValue: flags))
      if Int(length) > maximumPayloadSize {
        buffer.moveReaderIndex(forwardBy: FrameHeader.size)
        state = .skipping(remaining: Int(length))
        context.fireChannelRead(wrapInboundOut(.oversizedFrame(header)))
        return .continue
      }
      guard buffer.readableBytes >= FrameHeader.size + Int(length) else {
        return .needMoreData
      }
      buffer.moveReaderIndex(forwardBy: FrameHeader.size)
      let payload = buffer.readSlice(length: Int(length))!
      let frame = Frame(streamID: streamID, type: header.type, flags: header.flags, payload: payload)
      context.fireChannelRead(wrapInboundOut(.frame(frame)))
      return .continue
    }
  }

  public mutating func decodeLast(
    context: ChannelHandlerContext,
    buffer: inout ByteBuffer,
    seenEOF: Bool
  ) throws -> DecodingState {
    // Decode what is complete; a truncated frame at the end of the stream is dropped.
    while try decode(context: context, buffer: &buffer) == .continue {}
    buffer.moveReaderIndex(to: buffer.writerIndex)
    return .needMoreData
  }

  private mutating func fail(
    context: ChannelHandlerContext,
    buffer: inout ByteBuffer,
    _ reason: String
  ) -> DecodingState {
    state = .failed
    buffer.moveReaderIndex(to: buffer.writerIndex)
    context.fireChannelRead(wrapInboundOut(.protocolViolation(reason)))
    return .needMoreData
  }
}
