import Foundation
import GainsayCore
import GainsayProto
import GainsayRPC
import GainsayTestSupport
import Testing

/// A bounded soak of the real `gainsayd`: 8 clients mixing writes, reads, searches and watch streams.
///
/// Runs only when `GAINSAY_SOAK_SECONDS` is set (`Scripts/test` sets 60); `swift test` alone skips it so
/// that it does not share the machine with the other suites.
@Suite("soak")
struct SoakTests {
  static let seconds = ProcessInfo.processInfo.environment["GAINSAY_SOAK_SECONDS"].flatMap(Int.init)
  static let clients = 8
  /// RSS may grow at most this much (KiB) over the second half of the soak. Measured growth is 0.3–3.9 MiB,
  /// within what SQLite's page caches (2 MiB for each of up to 6 connections) can still take as the
  /// database grows. At the ~3,000 calls of a second half, a leak of about 5 KiB per call (a request or
  /// response buffer kept) breaks it; a longer soak (`GAINSAY_SOAK_SECONDS`) catches smaller leaks.
  static let rssGrowthBound = 16 * 1024

  enum Operation: String, CaseIterable, Sendable {
    case createClaim = "CreateClaim"
    case updateClaim = "UpdateClaim"
    case getClaim = "GetClaim"
    case listClaims = "ListClaims"
    case search = "Search"
  }

  struct ClientLog: Sendable {
    var latencies: [Operation: [Duration]] = [:]
    var errors: [String] = []
    var watched = 0
  }

  /// VmRSS in KiB and the number of open descriptors of `pid`.
  static func sample(_ pid: Int32) -> (rss: Int, fds: Int) {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let rss =
      status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
      .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? -1
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    return (rss, fds)
  }

  /// One client: a watch stream open throughout, and calls back to back until `end`.
  static func run(
    socket: String, client index: Int, speaker: String, until end: ContinuousClock.Instant
  ) async -> ClientLog {
    var log = ClientLog()
    let client: RPCClient
    do { client = try await RPCClient.connect(socketPath: socket) } catch {
      log.errors.append("client \(index) cannot connect: \(error)")
      return log
    }
    let watch = Task { () -> (Int, String?) in
      var count = 0
      do {
        for try await _ in client.stream(LedgerService.watch, WatchRequest()) { count += 1 }
      } catch is CancellationError {
      } catch {
        if !Task.isCancelled { return (count, "watch: \(error)") }
      }
      return (count, nil)
    }
    var mine: [Claim] = []
    var generator = SystemRandomNumberGenerator()
    var call = 0
    while ContinuousClock.now < end {
      call += 1
      let roll = Int.random(in: 0..<20, using: &generator)
      let operation: Operation =
        mine.isEmpty || roll < 4
        ? .createClaim : roll < 6 ? .updateClaim : roll < 12 ? .getClaim : roll < 16 ? .listClaims : .search
      let start = ContinuousClock.now
      do {
        switch operation {
        case .createClaim:
          let text = "Soak client \(index) call \(call): the budget grew by \(call % 97) percent"
          mine.append(
            try await client.call(
              LedgerService.createClaim, Make.claim(text, speaker: speaker, said: "2020-0\(call % 9 + 1)")
            ).claim!)
        case .updateClaim:
          let position = Int.random(in: 0..<mine.count, using: &generator)
          var update = UpdateClaimRequest()
          var change = Claim()
          change.id = mine[position].id
          change.context = "revised at call \(call)"
          update.claim = change
          var mask = FieldMask()
          mask.paths = ["context"]
          update.updateMask = mask
          update.reason = "soak"
          mine[position] = try await client.call(LedgerService.updateClaim, update)
        case .getClaim:
          var request = GetClaimRequest()
          request.id = mine[Int.random(in: 0..<mine.count, using: &generator)].id
          _ = try await client.call(LedgerService.getClaim, request)
        case .listClaims:
          var request = ListClaimsRequest()
          request.pageSize = 50
          request.speakerID = speaker
          _ = try await client.call(LedgerService.listClaims, request)
        case .search:
          var request = SearchRequest()
          request.query = "budget \(call % 97)"
          request.limit = 20
          for try await _ in client.stream(LedgerService.search, request) {}
        }
        log.latencies[operation, default: []].append(ContinuousClock.now - start)
      } catch {
        log.errors.append("client \(index) \(operation.rawValue): \(error)")
        break
      }
    }
    watch.cancel()
    let (watched, watchError) = await watch.value
    log.watched = watched
    if let watchError { log.errors.append("client \(index) \(watchError)") }
    await client.close()
    return log
  }

  static func load(socket: String, speaker: String, for duration: Duration) async -> [ClientLog] {
    let end = ContinuousClock.now + duration
    return await withTaskGroup(of: ClientLog.self) { group in
      for index in 0..<clients {
        group.addTask { await run(socket: socket, client: index, speaker: speaker, until: end) }
      }
      var logs: [ClientLog] = []
      for await log in group { logs.append(log) }
      return logs
    }
  }

  /// Waits (at most 10 s) for the daemon's descriptors to fall to `bound`; returns the last count.
  static func settledDescriptors(_ pid: Int32, atMost bound: Int) async throws -> Int {
    var fds = sample(pid).fds
    for _ in 0..<100 where fds > bound {
      try await Task.sleep(for: .milliseconds(100))
      fds = sample(pid).fds
    }
    return fds
  }

  static func percentile(_ values: [Duration], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    return Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15
  }

  @Test("8 clients for GAINSAY_SOAK_SECONDS: no errors, RSS and descriptors stable", .enabled(if: seconds != nil))
  func soak() async throws {
    let seconds = try #require(Self.seconds)
    let executable = try #require(DurabilityTests.daemonPath, "gainsayd must be built beside the tests")
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let socket = directory + "/d.sock"
    let daemon = try DurabilityTests.Daemon(executable: executable, socket: socket, dataDirectory: directory + "/data")
    defer { daemon.kill() }
    let pid = daemon.process.processIdentifier
    let seed = try await DurabilityTests.connect(socket)
    let speaker = try await seed.call(LedgerService.createSpeaker, Make.speaker("Soak Speaker")).id

    // Warm-up: the connection pool's readers open, caches fill; then every client leaves.
    for log in await Self.load(socket: socket, speaker: speaker, for: .seconds(3)) {
      for error in log.errors { Issue.record("warm-up: \(error)") }
    }
    try await Task.sleep(for: .milliseconds(500))
    let baseline = Self.sample(pid)

    // The soak, sampling the daemon every second.
    let sampler = Task {
      var samples: [(rss: Int, fds: Int)] = []
      while !Task.isCancelled {
        samples.append(Self.sample(pid))
        try? await Task.sleep(for: .seconds(1))
      }
      return samples
    }
    let logs = await Self.load(socket: socket, speaker: speaker, for: .seconds(seconds))
    sampler.cancel()
    let samples = await sampler.value
    // Watch streams of clients that left end at the next event; one write ends them.
    _ = try await seed.call(LedgerService.createClaim, Make.claim("The soak is over", speaker: speaker, said: "2021"))
    let fdsAfter = try await Self.settledDescriptors(pid, atMost: baseline.fds)
    await seed.close()

    for log in logs {
      for error in log.errors { Issue.record("\(error)") }
      #expect(log.watched > 0, "every watch stream saw changes")
    }
    let middle = samples[samples.count / 2].rss
    let secondHalfPeak = samples[(samples.count / 2)...].map(\.rss).max() ?? middle
    let growth = secondHalfPeak - middle
    #expect(growth <= Self.rssGrowthBound, "RSS grew \(growth) KiB in the second half of the soak")
    #expect(fdsAfter <= baseline.fds, "descriptors after the clients left: \(fdsAfter), baseline \(baseline.fds)")

    var report = """
      soak: \(Self.clients) clients, \(seconds) s; RSS baseline \(baseline.rss / 1024) MiB, \
      peak \((samples.map(\.rss).max() ?? 0) / 1024) MiB, second-half growth \(growth) KiB \
      (bound \(Self.rssGrowthBound) KiB); fds baseline \(baseline.fds), peak \(samples.map(\.fds).max() ?? 0), \
      after \(fdsAfter); watch events \(logs.map(\.watched).reduce(0, +))

      """
    for operation in Operation.allCases {
      let values = logs.flatMap { $0.latencies[operation] ?? [] }
      report +=
        "  " + operation.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
        + String(
          format: " %7d calls  p50 %8.2f ms  p99 %8.2f ms\n", values.count, Self.percentile(values, 0.5),
          Self.percentile(values, 0.99))
    }
    print(report, terminator: "")
  }
}
