public import NIOCore

/// The kind of a frame, the fifth byte of its header.
public struct FrameType: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  /// Client → server: opens a call. The payload is a `gainsay.v1.RpcCall`.
  public static let request = FrameType(rawValue: 0x01)
  /// Server → client: one response message (the payload is the message itself).
  public static let message = FrameType(rawValue: 0x02)
  /// Server → client: ends a call. The payload is a `gainsay.v1.RpcStatus`.
  public static let status = FrameType(rawValue: 0x03)
  /// Client → server: abandons a call. No payload.
  public static let cancel = FrameType(rawValue: 0x04)
  /// Server → client, stream 0: the server is closing the connection. The payload is a `gainsay.v1.RpcStatus`.
  public static let goAway = FrameType(rawValue: 0x05)

  public var description: String {
    switch self {
    case .request: "REQUEST"
    case .message: "MESSAGE"
    case .status: "STATUS"
    case .cancel: "CANCEL"
    case .goAway: "GOAWAY"
    default: "0x" + String(rawValue, radix: 16)
    }
  }
}

/// The flags of a frame, the sixth byte of its header.
public struct FrameFlags: OptionSet, Hashable, Sendable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  /// On a MESSAGE frame: this is the last message and the call succeeded (status OK);
  /// no STATUS frame follows. Unary calls end this way.
  public static let endOfStream = FrameFlags(rawValue: 0x01)
}

/// The fixed 10-byte header that precedes every frame's payload.
public struct FrameHeader: Hashable, Sendable {
  /// The header's size in bytes: length (4), stream id (4), type (1), flags (1).
  public static let size = 10

  /// The payload's length in bytes (big-endian on the wire).
  public var length: UInt32
  /// The call the frame belongs to; 0 for the connection itself.
  public var streamID: UInt32
  public var type: FrameType
  public var flags: FrameFlags

  public init(length: UInt32, streamID: UInt32, type: FrameType, flags: FrameFlags = []) {
    self.length = length
    self.streamID = streamID
    self.type = type
    self.flags = flags
  }
}

/// One frame: a header and its payload.
public struct Frame: Sendable {
  public var streamID: UInt32
  public var type: FrameType
  public var flags: FrameFlags
  public var payload: ByteBuffer

  public init(streamID: UInt32, type: FrameType, flags: FrameFlags = [], payload: ByteBuffer) {
    self.streamID = streamID
    self.type = type
    self.flags = flags
    self.payload = payload
  }
}
