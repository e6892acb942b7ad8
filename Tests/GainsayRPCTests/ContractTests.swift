import Foundation
import GainsayProto
import GainsayTestSupport
import Logging
import Synchronization
import Testing

@testable import GainsayRPC

/// The points where docs/PROTOCOL.md and the server once disagreed, each checked byte by byte against
/// the document's words.
@Suite("the server keeps docs/PROTOCOL.md", .serialized)
struct ContractTests {
  /// REQUEST payloads that would get a STATUS on a free stream (section 11.2, steps 1, 4 and 5).
  static let answerableOnAFreeStream: [String] = ["malformed envelope", "unknown method", "oversized"]

  @Test("§6: a REQUEST on a running call's stream is GOAWAY STREAM_ID_IN_USE whatever its payload",
    arguments: answerableOnAFreeStream)
  func streamInUseWins(payload: String) async throws {
    try await withTestServer(configure: { $0.maximumFrameSize = 64 * 1024 }) { path, ledger in
      let raw = try RawConnection(path: path)
      var slow = GetClaimRequest()
      slow.id = "slow"
      raw.send(Wire.preface + Wire.request(streamID: 5, method: "gainsay.v1.Ledger/GetClaim", payload: slow))
      try await waitUntil { ledger.probe.startedSlow == 1 }
      switch payload {
      case "malformed envelope":
        raw.send(Wire.frame(streamID: 5, type: 0x01, payload: [0xFF, 0xFF, 0xFF]))
      case "unknown method":
        var call = RpcCall()
        call.method = "gainsay.v1.Ledger/DeleteEverything"
        raw.send(Wire.frame(streamID: 5, type: 0x01, payload: call.serializedBytes()))
      default:
        // Only the header: the server answers an oversized frame as soon as it has read it.
        raw.send(Wire.bigEndian(128 * 1024) + Wire.bigEndian(5) + [0x01, 0])
      }
      let frames = try Wire.parse(await raw.readToEnd()).frames
      #expect(frames.map(\.type) == [0x05], "no STATUS on stream 5, only the GOAWAY")
      #expect(frames.first?.streamID == 0)
      #expect(frames.first?.status?.code == RPCStatusCode.invalidArgument.rawValue)
      #expect(frames.first?.status?.reason == "STREAM_ID_IN_USE")
      // The running call goes with the connection.
      try await waitUntil { ledger.probe.cancelled == 1 }
    }
  }

  @Test("§8: a deadline that has passed when the reply is ready fails, however fast the handler")
  func deadlineCountsTheWholeCall() async throws {
    try await withTestServer { path, _ in
      let raw = try RawConnection(path: path)
      var echo = GetClaimRequest()
      echo.id = "fast"
      raw.send(
        Wire.preface
          + Wire.request(streamID: 1, method: "gainsay.v1.Meta/Health", payload: HealthRequest(), timeoutMicros: 1)
          + Wire.request(
            streamID: 2, method: "gainsay.v1.Meta/Describe", payload: DescribeRequest(), timeoutMicros: 1)
          + Wire.request(streamID: 3, method: "gainsay.v1.Ledger/GetClaim", payload: echo, timeoutMicros: 1)
          + Wire.request(streamID: 4, method: "gainsay.v1.Meta/Health", payload: HealthRequest(), timeoutMicros: 0)
          + Wire.request(
            streamID: 5, method: "gainsay.v1.Ledger/GetClaim", payload: echo, timeoutMicros: 10_000_000))
      raw.shutdownWrite()
      let frames = try Wire.parse(await raw.readToEnd()).frames
      let byStream = Dictionary(grouping: frames, by: \.streamID).mapValues { $0[0] }
      for stream: UInt32 in [1, 2, 3] {
        #expect(byStream[stream]?.type == 0x03, "stream \(stream) ends with a STATUS")
        #expect(byStream[stream]?.status?.code == RPCStatusCode.deadlineExceeded.rawValue)
        #expect(byStream[stream]?.status?.reason == "DEADLINE_EXCEEDED")
      }
      #expect(byStream[4]?.type == 0x02, "no deadline: answered")
      #expect(byStream[5]?.type == 0x02, "a deadline it meets: answered")
      #expect(frames.count == 5, "one end per call, nothing more")
    }
  }

  @Test("§12: Health and Describe are answered when the connection is at its limit of running calls")
  func inlineMethodsAreNotCounted() async throws {
    try await withTestServer(configure: { $0.maximumConcurrentCallsPerConnection = 2 }) { path, ledger in
      let raw = try RawConnection(path: path)
      var slow = GetClaimRequest()
      slow.id = "slow"
      raw.send(
        Wire.preface + Wire.request(streamID: 1, method: "gainsay.v1.Ledger/GetClaim", payload: slow)
          + Wire.request(streamID: 2, method: "gainsay.v1.Ledger/GetClaim", payload: slow))
      try await waitUntil { ledger.probe.startedSlow == 2 }
      var echo = GetClaimRequest()
      echo.id = "third"
      raw.send(
        Wire.request(streamID: 3, method: "gainsay.v1.Ledger/GetClaim", payload: echo)
          + Wire.request(streamID: 4, method: "gainsay.v1.Meta/Health", payload: HealthRequest())
          + Wire.request(streamID: 5, method: "gainsay.v1.Meta/Describe", payload: DescribeRequest()))
      let frames = await raw.readFrames(3)
      let byStream = Dictionary(grouping: frames, by: \.streamID).mapValues { $0[0] }
      #expect(byStream[3]?.status?.reason == "TOO_MANY_CALLS")
      #expect(byStream[4]?.type == 0x02)
      #expect(byStream[5]?.type == 0x02)
    }
  }

  @Test("§4: each call's end is logged at debug level with its request-id, inline calls too")
  func requestIDIsLogged() async throws {
    let lines = LogCapture()
    try await withLoggingServer(lines) { path in
      let raw = try RawConnection(path: path)
      var echo = GetClaimRequest()
      echo.id = "logged"
      raw.send(
        Wire.preface
          + Wire.request(
            streamID: 1, method: "gainsay.v1.Ledger/GetClaim", payload: echo, metadata: ["request-id": "req-ĸ-42"])
          + Wire.request(
            streamID: 2, method: "gainsay.v1.Meta/Health", payload: HealthRequest(),
            metadata: ["request-id": "req-health-7"]))
      raw.shutdownWrite()
      _ = await raw.readToEnd()
    }
    let ended = lines.entries.filter { $0.message == "call ended" }
    let echo = ended.first { $0.metadata["request-id"] == "req-ĸ-42" }
    #expect(echo?.level == .debug)
    #expect(echo?.metadata["method"] == "gainsay.v1.Ledger/GetClaim")
    #expect(echo?.metadata["code"] == "OK")
    #expect(echo?.metadata["peer"] != nil)
    let health = ended.first { $0.metadata["request-id"] == "req-health-7" }
    #expect(health?.metadata["method"] == "gainsay.v1.Meta/Health")
  }

  @Test("§9.1: a drain ends Watch at once, lets other calls finish, ends them after the grace period")
  func shutdown() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/d.sock"
    var configuration = RPCServerConfiguration(socketPath: path)
    configuration.shutdownGracePeriod = .seconds(2)
    let ledger = TestLedger()
    let server = RPCServer(configuration: configuration, services: [ledger], logger: .init(label: "t"))
    try await withThrowingTaskGroup(of: Void.self) { group in
      let (listening, continuation) = AsyncStream<Void>.makeStream()
      group.addTask { try await server.run(onListening: { continuation.finish() }) }
      for await _ in listening {}
      let raw = try RawConnection(path: path)
      var slow = GetClaimRequest()
      slow.id = "slow"
      raw.send(
        Wire.preface + Wire.request(streamID: 1, method: "gainsay.v1.Ledger/Watch", payload: WatchRequest())
          + Wire.request(streamID: 3, method: "gainsay.v1.Ledger/GetClaim", payload: slow))
      _ = await raw.framesSoFar(atLeast: 1)  // the watch's first message: it is running
      try await waitUntil { ledger.probe.startedSlow == 1 }
      let start = ContinuousClock.now
      server.beginGracefulShutdown()

      // The watch ends at once; a new call on the open connection is refused.
      var frames = await raw.framesSoFar(atLeast: 2)
      #expect(frames.last?.streamID == 1)
      #expect(frames.last?.status?.code == RPCStatusCode.unavailable.rawValue)
      #expect(frames.last?.status?.reason == "DRAINING")
      #expect(ContinuousClock.now - start < .seconds(1))
      raw.send(Wire.request(streamID: 5, method: "gainsay.v1.Meta/Health", payload: HealthRequest()))
      frames = await raw.framesSoFar(atLeast: 3)
      #expect(frames.last?.streamID == 5)
      #expect(frames.last?.status?.reason == "DRAINING")
      // New connections are refused.
      #expect(throws: (any Error).self) { _ = try RawConnection(path: path) }

      // The slow call ends after the grace period, then the connection gets its GOAWAY.
      let rest = Array(await raw.framesSoFar(atLeast: .max).dropFirst(3))
      let elapsed = ContinuousClock.now - start
      #expect(elapsed >= .seconds(2) && elapsed < .seconds(8))
      let slowEnd = rest.first { $0.streamID == 3 }
      #expect(slowEnd?.type == 0x03)
      #expect(slowEnd?.status?.code == RPCStatusCode.unavailable.rawValue)
      #expect(slowEnd?.status?.reason == "DRAINING")
      #expect(rest.last?.type == 0x05)
      #expect(rest.last?.status?.reason == "DRAINING")
      try await group.waitForAll()
      #expect(ledger.probe.cancelled == 1, "the slow handler was cancelled, not left running")
      #expect(!FileManager.default.fileExists(atPath: path))
    }
  }
}

/// Runs the test ledger's server with `capture` as its log handler at debug level.
private func withLoggingServer(_ capture: LogCapture, _ body: (String) async throws -> Void) async throws {
  let directory = try makeShortTempDirectory()
  defer { try? FileManager.default.removeItem(atPath: directory) }
  let configuration = RPCServerConfiguration(socketPath: directory + "/l.sock")
  var logger = Logger(label: "contract") { _ in capture }
  logger.logLevel = .debug
  let server = RPCServer(configuration: configuration, services: [TestLedger()], logger: logger)
  try await withThrowingTaskGroup(of: Void.self) { group in
    let (listening, continuation) = AsyncStream<Void>.makeStream()
    group.addTask { try await server.run(onListening: { continuation.finish() }) }
    for await _ in listening {}
    try await body(configuration.socketPath)
    server.beginGracefulShutdown()
    try await group.waitForAll()
  }
}

/// A log handler that keeps every entry.
private struct LogCapture: LogHandler {
  struct Entry: Sendable {
    var level: Logger.Level
    var message: String
    var metadata: [String: String]
  }

  private let storage = Storage()
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace

  final class Storage: Sendable {
    let entries = Mutex<[Entry]>([])
  }

  var entries: [Entry] { storage.entries.withLock { $0 } }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    let merged = metadata.merging(event.metadata ?? [:]) { $1 }
    let entry = Entry(
      level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
    storage.entries.withLock { $0.append(entry) }
  }
}
