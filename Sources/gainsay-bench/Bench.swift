import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay-bench`: measures Gainsay's RPC against the floor (a raw Unix-socket echo between two
/// processes with the same payload sizes), in one run, and prints a table (and JSON with --json FILE).
///
///   gainsay-bench [--quick] [--claims N] [--searches N] [--json FILE] [--keep] [--scale-only] [--no-report]
///                 [--ledger DIR] [--store postgres://…]
///   gainsay-bench --report-only [--report-claims N] [--report-runs N] [--keep]
///
/// `--scale-only` skips the unary calls, `--no-report` the report fixture, and `--ledger DIR` measures a
/// ledger kept by `--keep` instead of importing one. `--searches N` sets how many searches are timed
/// (1,000, or 200 with `--quick`); a quarter of them are Russian, reported apart. After the import the
/// sizes of the search index and the database are read beside the daemon (``IndexSize``).
///
/// `--report-only` builds only the report fixture (N claims, default 10,000, or 1,000 with `--quick`)
/// and measures its reports and the daemon's RSS while it builds them.
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
    if arguments.count >= 4, arguments[1] == "--plot" {
      do {
        for file in try Plot.draw(into: arguments[2], runs: Array(arguments[3...])) { print(file) }
      } catch {
        FileHandle.standardError.write(Data("gainsay-bench: \(error)\n".utf8))
        exit(65)
      }
      return
    }
    if arguments.contains("--help") || arguments.contains("-h") {
      print(usage)
      return
    }
    if let unknown = unknownArgument(arguments) {
      FileHandle.standardError.write(
        Data("gainsay-bench: unknown argument \(unknown) (gainsay-bench --help lists them)\n".utf8))
      exit(64)
    }
    // Measured calls resume on the event loop that read their reply, as in any lean client.
    EventLoopExecutor.install()
    try await run(arguments)
  }

  static let usage = """
    usage: gainsay-bench [--quick] [--claims N] [--searches N] [--json FILE] [--keep] [--scale-only]
                         [--no-report] [--ledger DIR] [--store postgres://…]
           gainsay-bench --report-only [--report-claims N] [--report-runs N] [--keep]
       gainsay-bench --plot DIR RUN.json RUN.json…

    Starts its own gainsayd (the one built beside it) on a temporary socket and store and measures, in
    one run, the floor (a raw Unix-socket round trip), the unary calls over our framing and over gRPC,
    an import, search and listing at scale, reports, memory, and restarts. See docs/BENCHMARKS.md.

      --quick            2,000 calls and 20,000 claims instead of 20,000 and 1,000,000
      --claims N         the ledger's size for the figures at scale
      --searches N       how many searches are timed (1,000; 200 with --quick)
      --json FILE        also write every figure as JSON
      --keep             keep the ledger (its path goes to standard error)
      --scale-only       skip the unary calls
      --no-report        skip the report fixture and its reports
      --ledger DIR       measure a kept ledger instead of importing one
      --store URL        the ledger in PostgreSQL (an empty database), served by three daemons
      --report-only      build only the report fixture and time its reports
      --report-claims N  the report fixture's claims (10,000; 1,000 with --quick)
      --report-runs N    how many times each report is timed (3)
      --plot DIR RUN…    draw how each figure grows with the ledger, from runs' --json files at
                         several sizes, as SVG charts in DIR (docs/bench)
      -h, --help         print this
    """

  /// The first argument that is neither a known flag nor the value of an option, or a count that is not
  /// a positive number, if any: a full run takes minutes, so a mistyped flag must not start one.
  static func unknownArgument(_ arguments: [String]) -> String? {
    let flags: Set = ["--quick", "--keep", "--scale-only", "--no-report", "--report-only"]
    let options: Set = ["--claims", "--searches", "--json", "--ledger", "--report-claims", "--report-runs", "--store"]
    let counts: Set = ["--claims", "--searches", "--report-claims", "--report-runs"]
    var index = 1
    while index < arguments.count {
      if options.contains(arguments[index]) && index + 1 < arguments.count {
        if counts.contains(arguments[index]), (Int(arguments[index + 1]) ?? 0) <= 0 {
          return "\(arguments[index]) \(arguments[index + 1]) (a positive whole number is needed)"
        }
        index += 2
      } else if flags.contains(arguments[index]) {
        index += 1
      } else {
        return arguments[index]
      }
    }
    return nil
  }

  /// Off the main actor, so no measured call pays a hop to the main thread.
  nonisolated static func run(_ arguments: [String]) async throws {
    let quick = arguments.contains("--quick")
    func option(_ name: String) -> String? {
      arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
    }
    let jsonPath = option("--json")
    let calls = quick ? 2_000 : 20_000
    let scaleClaims = option("--claims").flatMap(Int.init) ?? (quick ? 20_000 : 1_000_000)

    let here = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent()
    let work = NSTemporaryDirectory() + "gsb-\(getpid())"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    // --keep leaves the ledger behind for further measurements (its path goes to standard error).
    let keep = arguments.contains("--keep")
    // --ledger DIR measures an existing ledger (one kept with --keep) instead of importing a new one.
    let existingLedger = option("--ledger")
    defer {
      if keep && existingLedger == nil {
        FileHandle.standardError.write(Data("kept the benchmark ledger in \(work)/data\n".utf8))
      } else {
        try? FileManager.default.removeItem(atPath: work)
      }
    }

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

    let socket = work + "/d.sock"
    // --store URL: the ledger in PostgreSQL (an empty database), served by three daemons; writes with many
    // clients are spread over them, everything else goes through the first.
    let store = option("--store")
    let daemon = try DaemonProcess(
      executable: here.appendingPathComponent("gainsayd"), socket: socket,
      dataDirectory: existingLedger ?? work + "/data", store: store)
    defer { daemon.stop() }
    let others =
      try store.map { url in
        try (2...3).map { number in
          try DaemonProcess(
            executable: here.appendingPathComponent("gainsayd"), socket: work + "/d\(number).sock",
            dataDirectory: work + "/data\(number)", store: url)
        }
      } ?? []
    defer { for other in others { other.stop() } }
    for other in others { await (try connect(other.socket)).close() }
    let client = try await connect(socket)
    let idleRSS = daemon.residentMiB

    if arguments.contains("--report-only") {
      let reportClaims = option("--report-claims").flatMap(Int.init) ?? (quick ? 1_000 : 10_000)
      let scale = LedgerAtScale(
        claims: 0, reportClaims: reportClaims, reportLinks: reportClaims * 5, queries: 0, searches: 0,
        daemon: daemon)
      var figures = Figures()
      figures.append(
        Figure(name: "daemon RSS, idle (empty ledger)", value: idleRSS, unit: "MiB", target: "—", met: true))
      var corpus = SyntheticCorpus()
      let clock = ContinuousClock()
      let start = clock.now
      let fixture = try await scale.reportFixture(client, socket: socket, corpus: &corpus)
      FileHandle.standardError.write(
        Data(
          "report fixture: \(fixture.claims) claims, \(fixture.links) links in \(Int((clock.now - start).seconds)) s\n"
            .utf8))
      let runs = option("--report-runs").flatMap(Int.init) ?? 3
      for figure in try await scale.reportTimes(client, fixture: fixture, runs: runs) { figures.append(figure) }
      await client.close()
      print("| figure | value | target | met |")
      print("|---|---:|---|---|")
      for figure in figures.rows {
        print(
          "| \(figure.name) | \(fmt(figure.value)) \(figure.unit) | \(figure.target) | \(figure.met ? "yes" : "no") |")
      }
      return
    }

    var results = Results(floor: floor.p50)
    results.append(("floor: raw Unix-socket round trip (\(requestSize)→\(replySize) bytes)", "—", floor))
    var corpus = SyntheticCorpus()
    // --scale-only skips the unary RPC measurements, for working on the ledger at scale.
    if !arguments.contains("--scale-only") {
      try await measureCalls(
        client: client, sockets: [socket] + others.map(\.socket), calls: calls, quick: quick, corpus: &corpus,
        into: &results)
    }

    // At scale.
    let scale = LedgerAtScale(
      claims: scaleClaims, reportClaims: quick ? 1_000 : 10_000, reportLinks: quick ? 5_000 : 50_000,
      queries: quick ? 100 : 500, searches: option("--searches").flatMap(Int.init) ?? (quick ? 200 : 1_000),
      daemon: daemon)
    var figures = Figures()
    figures.append(Figure(name: "daemon RSS, idle (empty ledger)", value: idleRSS, unit: "MiB", target: "—", met: true))
    if existingLedger == nil {
      figures.append(try await scale.importClaims(client, corpus: &corpus))
    }
    if store == nil {
      let size = try IndexSize.measure(databasePath: (existingLedger ?? work + "/data") + "/ledger.sqlite")
      FileHandle.standardError.write(Data("index size: \(size.detail)\n".utf8))
      for figure in size.figures { figures.append(figure) }
    }
    let searches = try await scale.search(client, corpus: &corpus)
    results.append(("ranked search (top 20) over \(scaleClaims) claims, all queries", "p99 ≤ 20 ms", searches.all))
    results.append(("… English queries (1–3 words)", "—", searches.english))
    results.append(("… Russian queries", "p99 ≤ 20 ms", searches.russian))
    for (kind, measurement) in searches.russianByKind { results.append(("… … \(kind.rawValue)", "—", measurement)) }
    results.append(
      (
        "List claims by speaker (page of 50), \(scaleClaims) claims", "—",
        try await scale.listBySpeaker(client, corpus: &corpus)
      ))
    // --no-report skips the report fixture and its reports.
    if !arguments.contains("--no-report") {
      for figure in try await scale.report(client, socket: socket, corpus: &corpus) { figures.append(figure) }
    }
    let busyRSS = daemon.residentMiB
    figures.append(
      Figure(
        name: "daemon RSS after the import, searches and reports", value: busyRSS, unit: "MiB", target: "≤ 150",
        met: busyRSS <= 150))
    await client.close()
    for figure in try await scale.startupTimes() { figures.append(figure) }
    let restartedRSS = daemon.residentMiB
    figures.append(
      Figure(
        name: "daemon RSS just after those restarts", value: restartedRSS, unit: "MiB", target: "≤ 150",
        met: restartedRSS <= 150))

    let floorP50 = floor.p50
    print("| measurement | calls | p50 µs | p99 µs | calls/s | p50 ÷ floor p50 | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for (name, target, m) in results.rows {
      print(
        "| \(name) | \(m.count) | \(fmt(m.p50)) | \(fmt(m.p99)) | \(Int(m.perSecond)) | \(String(format: "%.2f", m.p50 / floorP50)) | \(target) |"
      )
    }
    print("")
    print("| figure | value | target | met |")
    print("|---|---:|---|---|")
    for figure in figures.rows {
      print(
        "| \(figure.name) | \(fmt(figure.value)) \(figure.unit) | \(figure.target) | \(figure.met ? "yes" : "no") |")
    }
    if let jsonPath {
      // Every row says the ledger's size, so that `--plot` can set runs of several sizes side by side.
      var object: [[String: Any]] = results.rows.map { name, target, m in
        [
          "name": name, "calls": m.count, "p50_us": m.p50, "p99_us": m.p99, "per_second": m.perSecond,
          "ratio_to_floor": m.p50 / floorP50, "target": target, "claims": scaleClaims,
        ]
      }
      object += figures.rows.map {
        [
          "name": $0.name, "value": $0.value, "unit": $0.unit, "target": $0.target, "met": $0.met,
          "claims": scaleClaims,
        ] as [String: Any]
      }
      try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        .write(to: URL(fileURLWithPath: jsonPath))
    }
  }

  /// The unary calls: Health (Swift client, minimal wire client, 8 clients), durable CreateClaim with 1 and
  /// 16 clients (spread over every daemon of `sockets`), GetClaim with 1 and 8 clients.
  static func measureCalls(
    client: RPCClient, sockets: [String], calls: Int, quick: Bool, corpus: inout SyntheticCorpus,
    into results: inout Results
  ) async throws {
    let socket = sockets[0]
    results.append(
      (
        "Health, 1 client", "p50 ≤ 2× floor",
        try await sequential(calls) { _ in _ = try await client.call(MetaService.health, HealthRequest()) }
      ))
    results.append(
      (
        "Health, 1 minimal blocking wire client", "p50 ≤ 2× floor",
        try WireClient.measureHealth(path: socket, count: calls)
      ))
    results.append(
      (
        "Health, 8 clients", "—",
        try await concurrent(clients: 8, calls: calls, socket: socket) { client, _ in
          _ = try await client.call(MetaService.health, HealthRequest())
        }
      ))
    var claims: [CreateClaimRequest] = []
    let writes = quick ? 1_000 : 10_000
    var speakerIDs: [String: String] = [:]
    for _ in 0..<(writes * 3) {
      let next = corpus.nextClaim()
      if speakerIDs[next.speaker] == nil {
        var speaker = CreateSpeakerRequest()
        speaker.speaker = Speaker()
        speaker.speaker!.name = next.speaker
        speakerIDs[next.speaker] = try await client.call(LedgerService.createSpeaker, speaker).id
      }
      var request = CreateClaimRequest()
      var claim = Claim()
      claim.speakerID = speakerIDs[next.speaker]!
      claim.text = next.text
      claim.saidOn = PartialDate(iso: String(next.year))
      request.claim = claim
      claims.append(request)
    }
    let requests = claims
    var ids: [String] = []
    let oneWriter = try await sequential(writes) { index in
      ids.append(try await client.call(LedgerService.createClaim, requests[index]).claim!.id)
    }
    results.append(("CreateClaim (durable), 1 client", "—", oneWriter))
    results.append(
      (
        "CreateClaim (durable), 16 clients" + (sockets.count > 1 ? " over \(sockets.count) daemons" : ""),
        "≥ 10,000 calls/s",
        try await concurrent(clients: 16, calls: writes * 2, sockets: sockets) { client, index in
          _ = try await client.call(LedgerService.createClaim, requests[writes + index])
        }
      ))
    let getIDs = ids
    results.append(
      (
        "GetClaim, 1 client", "—",
        try await sequential(calls) { index in
          var request = GetClaimRequest()
          request.id = getIDs[index % getIDs.count]
          _ = try await client.call(LedgerService.getClaim, request)
        }
      ))
    results.append(
      (
        "GetClaim, 8 clients", "—",
        try await concurrent(clients: 8, calls: calls, socket: socket) { client, index in
          var request = GetClaimRequest()
          request.id = getIDs[index % getIDs.count]
          _ = try await client.call(LedgerService.getClaim, request)
        }
      ))
    try await measureGRPCCalls(socket: socket, ids: getIDs, calls: calls, into: &results)
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
}
