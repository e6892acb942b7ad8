import Foundation
import GainsayProto
import GainsayRPC
import Synchronization

/// A plain blocking Unix-socket connection, for speaking the wire protocol byte by byte.
final class RawConnection: @unchecked Sendable {
  let fd: Int32

  init(path: String) throws {
    fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      let bytes = Array(path.utf8)
      buffer.copyBytes(from: bytes)
      buffer[bytes.count] = 0
    }
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard result == 0 else {
      close(fd)
      throw POSIXError(.ECONNREFUSED)
    }
    // Long enough for a server whose answer needs the cooperative threads a busy parallel run shares
    // (2 cores, CPU-heavy tests beside): a read that ends early makes a test fail for no fault of the
    // server's. Reads that expect the connection to end return as soon as it does.
    var timeout = timeval(tv_sec: 30, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
  }

  deinit { close(fd) }

  /// How long a read waits for the next bytes before giving up (30 s unless set).
  func setReceiveTimeout(seconds: Int) {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
  }

  func send(_ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if written <= 0 { return }
      offset += written
    }
  }

  /// Closes the sending side, as `socat` does at the end of its input.
  func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

  /// Reads until the server closes the connection (or 10 s pass), on a thread outside Swift's
  /// cooperative pool so the server in the same process keeps running.
  func readToEnd() async -> [UInt8] {
    await offPool { self.blockingReadToEnd() }
  }

  /// Reads until at least `count` bytes arrived (or the connection ends).
  func read(atLeast count: Int) async -> [UInt8] {
    await offPool { self.blockingRead(atLeast: count) }
  }

  /// Reads until the preface and `count` complete frames arrived (or the connection ends).
  func readFrames(_ count: Int) async -> [RawFrame] { await framesSoFar(atLeast: count) }

  /// Reads on from where the previous call of this method stopped until the preface and `count` frames
  /// in all have arrived, or the connection ends; returns every frame so far.
  func framesSoFar(atLeast count: Int) async -> [RawFrame] {
    await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
          let bytes = self.accumulated.withLock { $0 }
          if let frames = Wire.completeFrames(bytes), frames.count >= count {
            continuation.resume(returning: frames)
            return
          }
          let received = recv(self.fd, &buffer, buffer.count, 0)
          if received <= 0 {
            continuation.resume(returning: Wire.completeFrames(bytes) ?? [])
            return
          }
          self.accumulated.withLock { $0 += buffer[0..<received] }
        }
      }
    }
  }

  /// Bytes ``framesSoFar(atLeast:)`` has read.
  private let accumulated = Mutex<[UInt8]>([])

  private func offPool(_ work: @escaping @Sendable () -> [UInt8]) async -> [UInt8] {
    await withCheckedContinuation { continuation in
      DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
  }

  private func blockingReadToEnd() -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = recv(fd, &buffer, buffer.count, 0)
      if count <= 0 { break }
      result += buffer[0..<count]
    }
    return result
  }

  private func blockingRead(atLeast count: Int) -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while result.count < count {
      let received = recv(fd, &buffer, buffer.count, 0)
      if received <= 0 { break }
      result += buffer[0..<received]
    }
    return result
  }
}

/// A frame as read off the wire.
struct RawFrame: Equatable {
  var streamID: UInt32
  var type: UInt8
  var flags: UInt8
  var payload: [UInt8]

  var status: RpcStatus? { try? RpcStatus(serializedBytes: payload) }
}

enum Wire {
  static let preface = Array("GAINSAY/1\n".utf8)

  static func frame(streamID: UInt32, type: UInt8, flags: UInt8 = 0, payload: [UInt8]) -> [UInt8] {
    bigEndian(UInt32(payload.count)) + bigEndian(streamID) + [type, flags] + payload
  }

  static func request(
    streamID: UInt32, method: String, payload: some ProtoMessage, timeoutMicros: UInt64 = 0,
    metadata: [String: String] = [:]
  ) -> [UInt8] {
    var call = RpcCall()
    call.method = method
    call.payload = payload.serializedBytes()
    call.timeoutMicros = timeoutMicros
    call.metadata = metadata.sorted { $0.key < $1.key }.map { key, value in
      var entry = MetadataEntry()
      entry.key = key
      entry.value = value
      return entry
    }
    return frame(streamID: streamID, type: 0x01, payload: call.serializedBytes())
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
  }

  /// The complete frames after the preface, ignoring a trailing partial frame.
  static func completeFrames(_ bytes: [UInt8]) -> [RawFrame]? {
    guard bytes.count >= 10 else { return nil }
    var frames: [RawFrame] = []
    var offset = 10
    while bytes.count - offset >= 10 {
      let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
      guard bytes.count - offset - 10 >= length else { break }
      let streamID = bytes[offset + 4..<offset + 8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      frames.append(
        RawFrame(
          streamID: streamID, type: bytes[offset + 8], flags: bytes[offset + 9],
          payload: Array(bytes[offset + 10..<offset + 10 + length])))
      offset += 10 + length
    }
    return frames
  }

  /// Splits the server's bytes into its preface and frames; a trailing partial frame is an error.
  static func parse(_ bytes: [UInt8]) throws -> (preface: [UInt8], frames: [RawFrame]) {
    guard bytes.count >= 10 else { throw ParseError(reason: "no preface in \(bytes)") }
    var frames: [RawFrame] = []
    var offset = 10
    while offset < bytes.count {
      guard bytes.count - offset >= 10 else { throw ParseError(reason: "partial header") }
      let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
      let streamID = bytes[offset + 4..<offset + 8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      guard bytes.count - offset - 10 >= length else { throw ParseError(reason: "partial payload") }
      frames.append(
        RawFrame(
          streamID: streamID, type: bytes[offset + 8], flags: bytes[offset + 9],
          payload: Array(bytes[offset + 10..<offset + 10 + length])))
      offset += 10 + length
    }
    return (Array(bytes[0..<10]), frames)
  }

  struct ParseError: Error { let reason: String }
}
