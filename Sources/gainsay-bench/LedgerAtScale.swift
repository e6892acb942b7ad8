import Foundation
import GainsayProto
import GainsayRPC

/// A figure that is not a latency distribution: a rate, a size or a time, with its target.
struct Figure {
  let name: String
  let value: Double
  let unit: String
  let target: String
  let met: Bool
}

/// The measurements on a large ledger: import throughput, ranked search and List by speaker, a report
/// for a speaker with many claims and links, daemon RSS and startup time.
struct LedgerAtScale {
  let claims: Int
  let reportClaims: Int
  let reportLinks: Int
  let queries: Int
  let searches: Int
  let daemon: DaemonProcess

  /// Imports `claims` synthetic claims in chunks of 1,000 through the import RPCs, as `gainsay import` does.
  func importClaims(_ client: RPCClient, corpus: inout SyntheticCorpus) async throws -> Figure {
    let clock = ContinuousClock()
    let start = clock.now
    var begin = BeginImportRequest()
    begin.origin = "gainsay-bench synthetic corpus"
    let session = try await client.call(LedgerService.beginImport, begin).importID
    var line: Int64 = 0
    var created: Int64 = 0
    while line < Int64(claims) {
      var request = ImportRecordsRequest()
      request.importID = session
      for _ in 0..<min(1_000, claims - Int(line)) {
        line += 1
        let next = corpus.nextClaim()
        var claim = Claim()
        claim.text = next.text
        claim.saidOn = PartialDate(iso: String(next.year))
        claim.topics = [next.topic]
        var record = ImportRecord()
        record.line = line
        record.speakerName = next.speaker
        record.record = LedgerRecord()
        record.record!.record = .claim(claim)
        request.records.append(record)
      }
      let outcomes = try await client.call(LedgerService.importRecords, request).outcomes
      created += Int64(outcomes.count { $0.result == .created })
    }
    var finish = FinishImportRequest()
    finish.importID = session
    finish.commit = true
    _ = try await client.call(LedgerService.finishImport, finish)
    let seconds = (clock.now - start).seconds
    FileHandle.standardError.write(Data("imported \(created) of \(claims) rows in \(Int(seconds)) s\n".utf8))
    let rate = Double(created) / seconds
    return Figure(
      name: "import \(claims) rows (claims of 3,000 speakers, a quarter in Russian)", value: rate, unit: "rows/s",
      target: "≥ 50,000",
      met: rate >= 50_000)
  }

  /// Search times: all queries, the English and the Russian ones, and the Russian ones by kind.
  struct SearchTimes {
    let all: Measurement
    let english: Measurement
    let russian: Measurement
    let russianByKind: [(kind: RussianCorpus.QueryKind, measurement: Measurement)]
  }

  /// Runs `searches` queries from the corpus (a quarter Russian), top 20, one after another.
  func search(_ client: RPCClient, corpus: inout SyntheticCorpus) async throws -> SearchTimes {
    var timed: [(query: SyntheticCorpus.Query, microseconds: Double, hits: Int, index: Int)] = []
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<searches {
      let query = corpus.nextQuery()
      var request = SearchRequest()
      request.query = query.text
      request.limit = 20
      let begin = clock.now
      var hits = 0
      for try await _ in client.stream(LedgerService.search, request) { hits += 1 }
      timed.append((query, (clock.now - begin).microseconds, hits, timed.count))
    }
    let elapsed = clock.now - start
    // The slowest queries, to see what limits the tail.
    for slow in timed.sorted(by: { $0.microseconds > $1.microseconds }).prefix(5) {
      FileHandle.standardError.write(
        Data(
          ("slow search #\(slow.index) (\(slow.query.russian?.rawValue ?? "English words")): \"\(slow.query.text)\" "
            + "\(Int(slow.microseconds)) µs, \(slow.hits) hits\n").utf8))
    }
    // A group's rate is taken over its own calls' time.
    func group(_ include: (SyntheticCorpus.Query) -> Bool) -> Measurement {
      let samples = timed.filter { include($0.query) }.map(\.microseconds)
      return Measurement(samples: samples, elapsed: .microseconds(samples.reduce(0, +)))
    }
    // How many searches of each kind found nothing: the tokenizer's effect on recall, in one line.
    let kinds = [("English words", nil)] + RussianCorpus.QueryKind.allCases.map { ($0.rawValue, Optional($0)) }
    let misses = kinds.map { name, kind in
      let group = timed.filter { $0.query.russian == kind }
      return "\(name) \(group.count { $0.hits == 0 }) of \(group.count)"
    }
    FileHandle.standardError.write(Data("searches without a hit: \(misses.joined(separator: "; "))\n".utf8))
    return SearchTimes(
      all: Measurement(samples: timed.map(\.microseconds), elapsed: elapsed),
      english: group { $0.russian == nil },
      russian: group { $0.russian != nil },
      russianByKind: RussianCorpus.QueryKind.allCases.map { kind in (kind, group { $0.russian == kind }) })
  }

  func listBySpeaker(_ client: RPCClient, corpus: inout SyntheticCorpus) async throws -> Measurement {
    var speakers: [String] = []
    var page = ListSpeakersRequest()
    page.pageSize = 1_000
    repeat {
      let response = try await client.call(LedgerService.listSpeakers, page)
      speakers += response.speakers.map(\.id)
      page.pageToken = response.nextPageToken
    } while !page.pageToken.isEmpty
    var samples: [Double] = []
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<queries {
      var request = ListClaimsRequest()
      request.speakerID = speakers[corpus.nextIndex(below: speakers.count)]
      request.pageSize = 50
      let begin = clock.now
      _ = try await client.call(LedgerService.listClaims, request)
      samples.append((clock.now - begin).microseconds)
    }
    return Measurement(samples: samples, elapsed: clock.now - start)
  }

  /// A speaker with `reportClaims` claims (imported), `reportClaims / 5` sources and `reportLinks` links
  /// (created through the RPC by 16 clients), then the time to generate their Markdown and HTML reports
  /// (the median of `runs`) and the daemon's largest RSS while it builds them.
  func report(
    _ client: RPCClient, socket: String, corpus: inout SyntheticCorpus, runs: Int = 3
  ) async throws -> [Figure] {
    let fixture = try await reportFixture(client, socket: socket, corpus: &corpus)
    return try await reportTimes(client, fixture: fixture, runs: runs)
  }

  /// The report fixture: the speaker's id and how many claims and links it has.
  struct ReportFixture {
    let speakerID: String
    let claims: Int
    let links: Int
  }

  func reportFixture(
    _ client: RPCClient, socket: String, corpus: inout SyntheticCorpus
  ) async throws -> ReportFixture {
    let name = "Report Subject"
    var begin = BeginImportRequest()
    begin.origin = "gainsay-bench report fixture"
    let session = try await client.call(LedgerService.beginImport, begin).importID
    for start in stride(from: 0, to: reportClaims, by: 1_000) {
      var request = ImportRecordsRequest()
      request.importID = session
      for index in start..<min(start + 1_000, reportClaims) {
        var claim = Claim()
        claim.text = corpus.nextClaim().text
        claim.saidOn = PartialDate(iso: String(2000 + index % 25))
        var record = ImportRecord()
        record.line = Int64(index + 1)
        record.speakerName = name
        record.record = LedgerRecord()
        record.record!.record = .claim(claim)
        request.records.append(record)
      }
      _ = try await client.call(LedgerService.importRecords, request)
    }
    var finish = FinishImportRequest()
    finish.importID = session
    finish.commit = true
    _ = try await client.call(LedgerService.finishImport, finish)

    var lookup = ListSpeakersRequest()
    lookup.nameContains = name
    guard let speakerID = try await client.call(LedgerService.listSpeakers, lookup).speakers.first?.id else {
      throw RPCError(code: .notFound, message: "the report speaker was not imported")
    }
    var claimIDs: [String] = []
    var page = ListClaimsRequest()
    page.speakerID = speakerID
    page.pageSize = 1_000
    repeat {
      let response = try await client.call(LedgerService.listClaims, page)
      claimIDs += response.claims.map(\.id)
      page.pageToken = response.nextPageToken
    } while !page.pageToken.isEmpty

    let sourceCount = max(1, reportClaims / 5)
    let sourceIDs = try await Bench.concurrentResults(clients: 16, count: sourceCount, socket: socket) {
      client, index in
      var source = Source()
      source.title = "Investigation \(index): what the records show"
      source.outlet = "Bench Gazette"
      source.url = "https://example.org/investigations/\(index)"
      source.publishedOn = PartialDate(iso: "2021-03-04")
      source.archivedText = (0..<5).map { "Finding \($0) of investigation \(index) contradicts the official account." }
        .joined(separator: " ")
      var request = CreateSourceRequest()
      request.source = source
      return try await client.call(LedgerService.createSource, request).id
    }
    let linksPerClaim = max(1, reportLinks / max(1, claimIDs.count))
    let linkedClaims = claimIDs
    let links = try await Bench.concurrentResults(clients: 16, count: claimIDs.count * linksPerClaim, socket: socket) {
      client, index in
      let claimIndex = index / linksPerClaim
      let sourceIndex = (claimIndex + index % linksPerClaim * 7) % sourceIDs.count
      var link = Link()
      link.claimID = linkedClaims[claimIndex]
      link.target = .sourceID(sourceIDs[sourceIndex])
      link.relation = index % 4 == 0 ? .supports : .contradicts
      var quote = TextQuote()
      quote.exact =
        "Finding \(index % linksPerClaim % 5) of investigation \(sourceIndex) contradicts the official account."
      link.quote = quote
      var request = CreateLinkRequest()
      request.link = link
      return try await client.call(LedgerService.createLink, request).id
    }
    return ReportFixture(speakerID: speakerID, claims: claimIDs.count, links: links.count)
  }

  /// Times `runs` Markdown and HTML reports of the fixture and samples the daemon's RSS while they run.
  func reportTimes(_ client: RPCClient, fixture: ReportFixture, runs: Int) async throws -> [Figure] {
    let before = daemon.residentMiB
    var figures: [Figure] = []
    var peak = before
    for format in [ReportFormat.markdown, .html] {
      var request = GenerateReportRequest()
      request.speakerID = fixture.speakerID
      request.format = format
      let call = request
      var times: [Double] = []
      var bytes = 0
      for _ in 0..<max(1, runs) {
        let clock = ContinuousClock()
        let start = clock.now
        bytes = 0
        let (count, largest) = try await sampling { [daemon] in
          daemon.residentMiB
        } while: {
          var bytes = 0
          for try await chunk in client.stream(LedgerService.generateReport, call) {
            if case .data(let data) = chunk.part { bytes += data.count }
          }
          return bytes
        }
        bytes = count
        peak = max(peak, largest)
        times.append((clock.now - start).seconds * 1_000)
      }
      figures.append(
        Figure(
          name: "report (\(format == .html ? "HTML" : "Markdown"), \(bytes / 1_024) KiB) for a speaker with "
            + "\(fixture.claims) claims and \(fixture.links) links, median of \(times.count)",
          value: times.sorted()[times.count / 2], unit: "ms", target: "—", met: true))
    }
    figures.append(
      Figure(
        name: "daemon RSS before those reports → the most while building them", value: peak, unit: "MiB",
        target: "≤ 150 (from \(Bench.fmt(before)))", met: peak <= 150))
    return figures
  }

  /// Runs `body` while sampling `sample` every 10 ms; returns the body's result and the largest sample.
  private func sampling<T: Sendable>(
    _ sample: @escaping @Sendable () -> Double, while body: @escaping @Sendable () async throws -> T
  ) async throws -> (T, Double) {
    try await withThrowingTaskGroup(of: (T?, Double).self) { group in
      group.addTask {
        var largest = sample()
        while !Task.isCancelled {
          largest = max(largest, sample())
          try? await Task.sleep(for: .milliseconds(10))
        }
        return (nil, max(largest, sample()))
      }
      group.addTask { (try await body(), 0) }
      var result: T?
      var largest = 0.0
      while let (value, sampled) = try await group.next() {
        if let value {
          result = value
          group.cancelAll()
        }
        largest = max(largest, sampled)
      }
      return (result!, largest)
    }
  }

  /// Stops the daemon, starts it again on the same store, and times until it answers Health: after a
  /// graceful stop (the sealed file needs no check), and after kill -9 (the check runs in the background;
  /// the first call does not wait for it).
  func startupTimes() async throws -> [Figure] {
    let graceful = try await daemon.restart(signal: SIGTERM).seconds * 1_000
    let crashed = try await daemon.restart(signal: SIGKILL).seconds * 1_000
    // The check that follows, while the daemon serves: how long until Health says it is done.
    let client = try await RPCClient.connect(socketPath: daemon.socket)
    var request = HealthRequest()
    request.includeIntegrity = true
    var report = try await client.call(MetaService.health, request).integrity
    while report?.state == .checking {
      try await Task.sleep(for: .milliseconds(100))
      report = try await client.call(MetaService.health, request).integrity
    }
    await client.close()
    return [
      Figure(
        name: "startup with the ledger above after a graceful stop (launch → first Health answered)",
        value: graceful, unit: "ms", target: "≤ 300", met: graceful <= 300),
      Figure(
        name: "first call served after kill -9 (the integrity check then runs in the background)", value: crashed,
        unit: "ms", target: "≤ 1,000", met: crashed <= 1_000),
      Figure(
        name: "… the background integrity check after it (\(report?.tablesTotal ?? 0) tables, \(report?.state.protoName ?? "no report"))",
        value: Double(report?.durationMillis ?? 0), unit: "ms", target: "—", met: report?.state == .checked),
    ]
  }
}

/// The gainsayd the benchmark runs: started, restarted, and measured from /proc.
final class DaemonProcess: @unchecked Sendable {
  private let executable: URL
  private let arguments: [String]
  let socket: String
  private(set) var process: Process

  /// A daemon on `store` (a PostgreSQL URL), or on the embedded store in `dataDirectory` when nil.
  init(executable: URL, socket: String, dataDirectory: String, store: String? = nil) throws {
    self.executable = executable
    self.socket = socket
    arguments =
      ["--socket", socket, "--data-dir", dataDirectory, "--log-level", "error"] + (store.map { ["--store", $0] } ?? [])
    process = Process()
    try launch()
  }

  private func launch() throws {
    process = Process()
    process.executableURL = executable
    process.arguments = arguments
    try process.run()
  }

  /// The daemon's resident memory, in MiB, from /proc/PID/status.
  var residentMiB: Double {
    guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
      let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kib / 1_024
  }

  /// Stops the daemon with `signal`, launches it again, and returns the time from launch to the first
  /// Health answer.
  func restart(signal: Int32) async throws -> Duration {
    kill(process.processIdentifier, signal)
    process.waitUntilExit()
    let clock = ContinuousClock()
    let start = clock.now
    try launch()
    while true {
      if let client = try? await RPCClient.connect(socketPath: socket) {
        let answered = (try? await client.call(MetaService.health, HealthRequest())) != nil
        await client.close()
        if answered { return clock.now - start }
      }
      guard process.isRunning, clock.now - start < .seconds(120) else {
        throw RPCError(code: .unavailable, message: "gainsayd did not come back")
      }
      try await Task.sleep(for: .milliseconds(1))
    }
  }

  func stop() {
    process.terminate()
    process.waitUntilExit()
  }
}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
  var microseconds: Double { seconds * 1e6 }
}
