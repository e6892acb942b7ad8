public import NIOCore

/// Writes outbound frames (and the connection preface) as bytes.
public struct FrameEncoder: MessageToByteEncoder {
  public typealias OutboundIn = OutboundFrame

  public init() {}

  public func encode(data: OutboundFrame, out: inout ByteBuffer) throws {
    switch data {
    case .preface(let version):
      out.writeBytes(ConnectionPreface.bytes(version: version))
    case .frame(let frame):
      out.reserveCapacity(minimumWritableBytes: FrameHeader.size + frame.payload.readableBytes)
      out.writeInteger(UInt32(frame.payload.readableBytes))
      out.writeInteger(frame.streamID)
      out.writeInteger(frame.type.rawValue)
      out.writeInteger(frame.flags.rawValue)
      var payload = frame.payload
      out.writeBuffer(&payload)
    }
  }
}

/// What a peer writes: its preface once, then frames.
public enum OutboundFrame: Sendable {
  case preface(version: Int)
  case frame(Frame)
}
