import Foundation

/// The floor: a minimal echo over the plain socket API, in its own process, as fast as a Unix socket
/// round trip between two processes can be. Reads `requestSize` bytes, writes `replySize` bytes back.
enum EchoServer {
  static func serve(path: String) throws {
    unlink(path)
    let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un.make(path)
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    listen(listener, 16)
    // One client, then exit: the echo server never outlives the benchmark that started it.
    while true {
      let connection = accept(listener, nil, nil)
      guard connection >= 0 else { continue }
      defer { unlink(path); exit(0) }
      // The first 8 bytes say the request and reply sizes of the round trips that follow.
      var sizes = [UInt32](repeating: 0, count: 2)
      guard readFully(connection, &sizes, 8) else { close(connection); continue }
      var request = [UInt8](repeating: 0, count: Int(sizes[0]))
      let reply = [UInt8](repeating: 7, count: Int(sizes[1]))
      while readFully(connection, &request, request.count) {
        _ = reply.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
      }
      close(connection)
    }
  }

  static func readFully(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Bool {
    var offset = 0
    while offset < count {
      let received = read(descriptor, buffer + offset, count - offset)
      if received <= 0 { return false }
      offset += received
    }
    return true
  }
}

enum EchoClient {
  static func measure(path: String, requestSize: Int, replySize: Int, count: Int) async throws -> Measurement {
    var descriptor: Int32 = -1
    for _ in 0..<500 {
      descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
      var address = sockaddr_un.make(path)
      let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      }
      if connected == 0 { break }
      close(descriptor)
      descriptor = -1
      try await Task.sleep(for: .milliseconds(10))
    }
    guard descriptor >= 0 else { throw POSIXError(.ECONNREFUSED) }
    defer { close(descriptor) }
    var sizes: [UInt32] = [UInt32(requestSize), UInt32(replySize)]
    _ = write(descriptor, &sizes, 8)
    let request = [UInt8](repeating: 1, count: requestSize)
    var reply = [UInt8](repeating: 0, count: replySize)
    return try Measurement.timing(count) {
      _ = request.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      guard EchoServer.readFully(descriptor, &reply, replySize) else { throw POSIXError(.EPIPE) }
    }
  }
}

extension sockaddr_un {
  static func make(_ path: String) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      let bytes = Array(path.utf8.prefix(buffer.count - 1))
      buffer.copyBytes(from: bytes)
      buffer[bytes.count] = 0
    }
    return address
  }
}
