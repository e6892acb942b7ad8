public import GainsayProto
public import NIOCore

extension ByteBuffer {
  /// Appends a message's protobuf encoding; returns the number of bytes written.
  @discardableResult
  public mutating func writeProtoMessage(_ message: some ProtoMessage) -> Int {
    message.withEncoding { encoding in
      writeWithUnsafeMutableBytes(minimumWritableBytes: encoding.count) { buffer in
        encoding.write(to: buffer)
        return encoding.count
      }
    }
  }

  /// Decodes the readable bytes as a message, without consuming them.
  public func decodeProtoMessage<Message: ProtoMessage>(
    as type: Message.Type = Message.self
  ) throws(ProtoDecodingError) -> Message {
    let result: Result<Message, ProtoDecodingError> = withUnsafeReadableBytes { bytes in
      Result { () throws(ProtoDecodingError) in try Message(decoding: bytes) }
    }
    return try result.get()
  }

  /// Decodes the readable bytes as a message within `memoryLimit`, without consuming them; throws
  /// ``ProtoDecodingError/Code/tooLarge`` when decoding would take more.
  public func decodeProtoMessage<Message: ProtoMessage>(
    as type: Message.Type = Message.self, memoryLimit: ProtoMemoryLimit
  ) throws(ProtoDecodingError) -> Message {
    let result: Result<Message, ProtoDecodingError> = withUnsafeReadableBytes { bytes in
      Result { () throws(ProtoDecodingError) in try Message(decoding: bytes, memoryLimit: memoryLimit) }
    }
    return try result.get()
  }
}
