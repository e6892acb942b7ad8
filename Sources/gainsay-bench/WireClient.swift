import Foundation
import GainsayProto
import GainsayRPC

/// A minimal blocking client of Gainsay's wire protocol over the plain socket API, as a C program or a
/// script would write one: one call at a time, the request frame encoded once. Measured against the
/// floor it shows the server's own cost, with no client runtime in between.
enum WireClient {
  static func measureHealth(path: String, count: Int) throws -> Measurement {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un.make(path)
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    defer { close(descriptor) }

    var call = RpcCall()
    call.method = MetaService.health.fullName
    let envelope = call.serializedBytes()
    var request = ConnectionPreface.bytes()
    let preface = request.count
    request += bigEndian(UInt32(envelope.count)) + bigEndian(1) + [FrameType.request.rawValue, 0] + envelope
    // The preface goes out once, with the first call.
    _ = request.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    var serverPreface = [UInt8](repeating: 0, count: preface)
    var header = [UInt8](repeating: 0, count: FrameHeader.size)
    var payload = [UInt8](repeating: 0, count: 4096)
    guard EchoServer.readFully(descriptor, &serverPreface, preface) else { throw POSIXError(.EPIPE) }
    func readReply() throws {
      guard EchoServer.readFully(descriptor, &header, header.count) else { throw POSIXError(.EPIPE) }
      let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
      guard header[8] == FrameType.message.rawValue, length <= payload.count,
        EchoServer.readFully(descriptor, &payload, length)
      else { throw RPCError(code: .internal, message: "unexpected reply frame type \(header[8])") }
    }
    try readReply()
    let frame = Array(request[preface...])

    return try Measurement.timing(count) {
      _ = frame.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      try readReply()
    }
  }

  private static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
  }
}
