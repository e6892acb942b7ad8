import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay-bench`: measures Gainsay's RPC against the floor (a raw Unix-socket echo between two
/// processes with the same payload sizes), in one run, and prints a table (and JSON with --json FILE).
///
///   gainsay-bench [--quick] [--json FILE]
///
/// It starts its own gainsayd (the one built beside it) on a temporary socket and store.
@main
enum Bench {
  static func main() async throws {
    let arguments = CommandLine.arguments
    if arguments.count == 3, arguments[1] == "--echo-server" {
      try EchoServer.serve(path: arguments[2])
      return
    }
    if arguments.count == 4, arguments[1] == "--health-loop", let count = Int(arguments[3]) {
      // For profiling a daemon: `perf record -e cpu-clock -p $(pidof gainsayd)` while this runs.
      print(try WireClient.measureHealth(path: arguments[2], count: count))
      return
    }
    // Measured calls resume on the event loop that read their reply, as in any lean client.
    EventLoopExecutor.install()
    try await run(arguments)
  }

  /// Off the main actor, so no measured call pays a hop to the main thread.
  nonisolated static func run(_ arguments: [String]) async throws {
    let quick = arguments.contains("--quick")
    let jsonPath = arguments.firstIndex(of: "--json").flatMap {
      arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil
    }
    let calls = quick ? 2_000 : 20_000

    let here = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent()
    let work = NSTemporaryDirectory() + "gsb-\(getpid())"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }

    // The request and reply sizes of a Health call, for the floor.
    var call = RpcCall()
    call.method = MetaService.health.fullName
    let requestSize = FrameHeader.size + call.serializedSize
    var reply = HealthResponse()
    reply.status = .serving
    let replySize = FrameHeader.size + reply.serializedSize

    let echo = Process()
    echo.executableURL = URL(fileURLWithPath: arguments[0])
    echo.arguments = ["--echo-server", work + "/echo.sock"]
    try echo.run()
    defer { echo.terminate() }
    let floor = try await EchoClient.measure(
      path: work + "/echo.sock", requestSize: requestSize, replySize: replySize, count: calls)

    let daemon = Process()
    daemon.executableURL = here.appendingPathComponent("gainsayd")
    daemon.arguments = ["--socket", work + "/d.sock", "--data-dir", work + "/data", "--log-level", "error"]
    try daemon.run()
    defer { daemon.terminate() }
    let client = try await connect(work + "/d.sock")

    var results: [(String, Measurement)] = [
      ("floor: raw Unix-socket round trip (\(requestSize)→\(replySize) bytes)", floor)
    ]
    results.append(
      (
        "Health, 1 client",
        try await sequential(calls) { _ in _ = try await client.call(MetaService.health, HealthRequest()) }
      ))
    results.append(
      ("Health, 1 minimal blocking wire client", try WireClient.measureHealth(path: work + "/d.sock", count: calls)))
    results.append(
      (
        "Health, 8 clients",
        try await concurrent(clients: 8, calls: calls, socket: work + "/d.sock") { client, _ in
          _ = try await client.call(MetaService.health, HealthRequest())
        }
      ))
    var speaker = CreateSpeakerRequest()
    speaker.speaker = {
      var s = Speaker(); s.name = "Bench Speaker"; return s
    }()
    let speakerID = try await client.call(LedgerService.createSpeaker, speaker).id
    let claim: @Sendable (Int) -> CreateClaimRequest = { index in
      var request = CreateClaimRequest()
      var claim = Claim()
      claim.speakerID = speakerID
      claim.text = "Benchmark statement number \(index) about the budget"
      claim.saidOn = PartialDate(iso: "2020-01-02")
      request.claim = claim
      return request
    }
    let writes = quick ? 300 : 3_000
    var ids: [String] = []
    let oneWriter = try await sequential(writes) { index in
      ids.append(try await client.call(LedgerService.createClaim, claim(index)).claim!.id)
    }
    results.append(("CreateClaim (durable), 1 client", oneWriter))
    results.append(
      (
        "CreateClaim (durable), 16 clients",
        try await concurrent(clients: 16, calls: writes * 2, socket: work + "/d.sock") { client, index in
          _ = try await client.call(LedgerService.createClaim, claim(100_000 + index))
        }
      ))
    let getID = ids[0]
    results.append(
      (
        "GetClaim, 1 client",
        try await sequential(calls) { _ in
          var request = GetClaimRequest()
          request.id = getID
          _ = try await client.call(LedgerService.getClaim, request)
        }
      ))
    results.append(
      (
        "GetClaim, 8 clients",
        try await concurrent(clients: 8, calls: calls, socket: work + "/d.sock") { client, _ in
          var request = GetClaimRequest()
          request.id = getID
          _ = try await client.call(LedgerService.getClaim, request)
        }
      ))
    await client.close()

    let floorP50 = floor.p50
    print("| measurement | calls | p50 µs | p99 µs | calls/s | p50 ÷ floor p50 |")
    print("|---|---:|---:|---:|---:|---:|")
    for (name, m) in results {
      print(
        "| \(name) | \(m.count) | \(fmt(m.p50)) | \(fmt(m.p99)) | \(Int(m.perSecond)) | \(String(format: "%.2f", m.p50 / floorP50)) |"
      )
    }
    if let jsonPath {
      let object = results.map { name, m in
        [
          "name": name, "calls": m.count, "p50_us": m.p50, "p99_us": m.p99, "per_second": m.perSecond,
          "ratio_to_floor": m.p50 / floorP50,
        ]
          as [String: Any]
      }
      try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        .write(to: URL(fileURLWithPath: jsonPath))
    }
  }

  static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

  static func connect(_ path: String) async throws -> RPCClient {
    for _ in 0..<500 {
      if let client = try? await RPCClient.connect(socketPath: path),
        (try? await client.call(MetaService.health, HealthRequest())) != nil
      {
        return client
      }
      try await Task.sleep(for: .milliseconds(10))
    }
    throw RPCError(code: .unavailable, message: "gainsayd did not start")
  }

  static func sequential(_ count: Int, _ body: (Int) async throws -> Void) async throws -> Measurement {
    var samples: [Double] = []
    samples.reserveCapacity(count)
    let clock = ContinuousClock()
    let start = clock.now
    for index in 0..<count {
      let begin = clock.now
      try await body(index)
      samples.append(
        Double((clock.now - begin).components.attoseconds) / 1e12 + Double((clock.now - begin).components.seconds) * 1e6
      )
    }
    return Measurement(samples: samples, elapsed: clock.now - start)
  }

  static func concurrent(
    clients: Int, calls: Int, socket: String, _ body: @escaping @Sendable (RPCClient, Int) async throws -> Void
  ) async throws -> Measurement {
    let connections = try await (0..<clients).asyncMap { _ in try await RPCClient.connect(socketPath: socket) }
    let clock = ContinuousClock()
    let start = clock.now
    let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
      for (index, client) in connections.enumerated() {
        group.addTask {
          var samples: [Double] = []
          for call in stride(from: index, to: calls, by: clients) {
            let begin = clock.now
            try await body(client, call)
            let elapsed = clock.now - begin
            samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
          }
          return samples
        }
      }
      var all: [Double] = []
      for try await part in group { all += part }
      return all
    }
    let elapsed = clock.now - start
    for connection in connections { await connection.close() }
    return Measurement(samples: samples, elapsed: elapsed)
  }
}

struct Measurement {
  let count: Int
  let p50: Double
  let p99: Double
  let perSecond: Double

  init(samples: [Double], elapsed: Duration) {
    let sorted = samples.sorted()
    count = sorted.count
    p50 = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    perSecond = seconds > 0 ? Double(sorted.count) / seconds : 0
  }
}

extension Sequence {
  func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
    var result: [T] = []
    for element in self { result.append(try await transform(element)) }
    return result
  }
}
