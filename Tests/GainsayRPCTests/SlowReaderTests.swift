import Foundation
import GainsayProto
import GainsayRPC
import Logging
import Testing

/// A client that stops reading: the server holds a bounded number of response bytes for it, drops it
/// after the write timeout, and never lets it hold up a graceful stop.
@Suite("clients that do not read", .serialized)
struct SlowReaderTests {
  /// The process's resident memory, from /proc.
  static func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
  }

  /// Whether the server closes the connection (POLLHUP) within `limit`, without reading from it.
  static func hangsUp(_ raw: RawConnection, within limit: Duration) async -> Bool {
    await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        // POLLRDHUP (0x2000, Linux): the peer closed; POLLHUP is reported whatever is asked.
        var entry = pollfd(fd: raw.fd, events: Int16(0x2000), revents: 0)
        let milliseconds = Int32(limit.components.seconds * 1000)
        let ready = poll(&entry, 1, milliseconds)
        continuation.resume(returning: ready == 1 && entry.revents & (Int16(POLLHUP) | 0x2000) != 0)
      }
    }
  }

  /// 64 streams of 1 MiB messages to a client that never reads.
  static func stalledStreams(_ raw: RawConnection) {
    var request = SearchRequest()
    request.query = "big"
    var bytes = Wire.preface
    for index in 0..<64 {
      bytes += Wire.request(streamID: UInt32(2 * index + 1), method: "gainsay.v1.Ledger/Search", payload: request)
    }
    raw.send(bytes)
  }

  @Test("the server holds a bounded number of bytes for a client that does not read, and drops it")
  func boundedAndDropped() async throws {
    try await withTestServer(configure: {
      $0.writeTimeout = .milliseconds(1_500)
      $0.maximumPendingResponseBytesPerConnection = 2 * 1024 * 1024
    }) { path, _ in
      let before = Self.residentBytes()
      let raw = try RawConnection(path: path)
      Self.stalledStreams(raw)
      // Time for every stream to write what it can (not an assertion: the bound holds whenever measured).
      try await Task.sleep(for: .milliseconds(800))
      let growth = Self.residentBytes() - before
      print("client not reading: the process grew by \(growth / 1024) KiB with 64 stalled streams of 1 MiB messages")
      // Unbounded, 64 streams hold at least 64 MiB of encoded frames.
      #expect(growth < 40 * 1024 * 1024)
      // Dropped once no write completed for the write timeout (1.5 s): the socket reports the server's
      // close (POLLHUP) while its unread bytes are still in it. Not read meanwhile.
      #expect(await Self.hangsUp(raw, within: .seconds(60)), "the connection was not dropped")
    }
  }

  @Test("a graceful stop is not held up by a call writing to a client that does not read")
  func gracefulStopNotHeldUp() async throws {
    let directory = try makeTestDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var configuration = RPCServerConfiguration(socketPath: directory + "/t.sock")
    configuration.writeTimeout = .seconds(600)  // the drain deadline, not the write timeout, must end it
    var logger = Logger(label: "test-server")
    logger.logLevel = .critical
    let server = RPCServer(configuration: configuration, services: [TestLedger()], logger: logger)
    let (listening, listeningContinuation) = AsyncStream<Void>.makeStream()
    let running = Task { try await server.run(onListening: { listeningContinuation.finish() }) }
    for await _ in listening {}
    let raw = try RawConnection(path: configuration.socketPath)
    Self.stalledStreams(raw)
    try await Task.sleep(for: .milliseconds(300))
    // As gainsayd's service group does: drain, then cancel when the drain time is up.
    server.beginGracefulShutdown()
    try await Task.sleep(for: .milliseconds(300))
    running.cancel()
    let stopped = await withTaskGroup(of: Bool.self) { group in
      group.addTask {
        _ = try? await running.value; return true
      }
      group.addTask {
        try? await Task.sleep(for: .seconds(30)); return false
      }
      defer { group.cancelAll() }
      return await group.next()!
    }
    #expect(stopped, "the server was still running 30 s after its drain time")
    _ = raw
  }
}

/// A short temp directory (socket paths are limited to 107 bytes).
func makeTestDirectory() throws -> String {
  var template = Array("/tmp/gsr-XXXXXX".utf8CString)
  guard let result = mkdtemp(&template) else { throw POSIXError(.EIO) }
  return String(cString: result)
}
