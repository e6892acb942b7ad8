import Foundation
import GainsayCore
import GainsayProto
import GainsayRPC
import GainsayTestSupport
import Synchronization
import Testing

/// The real `gainsayd` process, killed with SIGKILL at random moments under concurrent writers and restarted.
///
/// `GAINSAY_CRASH_ROUNDS` sets the number of kills (default 20, the CI run).
@Suite("durability")
struct DurabilityTests {
  /// The `gainsayd` built beside this test binary.
  static var daemonPath: String? {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for directory in [here, here.deletingLastPathComponent()] {
      let candidate = directory.appendingPathComponent("gainsayd").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  static var rounds: Int {
    ProcessInfo.processInfo.environment["GAINSAY_CRASH_ROUNDS"].flatMap(Int.init) ?? 20
  }

  final class Daemon {
    let process = Process()

    init(executable: String, socket: String, dataDirectory: String) throws {
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = ["--socket", socket, "--data-dir", dataDirectory, "--log-level", "error"]
      try process.run()
    }

    func kill() {
      Glibc.kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }

  static func connect(_ socket: String) async throws -> RPCClient {
    let deadline = ContinuousClock.now + .seconds(20)
    while true {
      do {
        let client = try await RPCClient.connect(socketPath: socket)
        _ = try await client.call(MetaService.health, HealthRequest())
        return client
      } catch {
        if ContinuousClock.now > deadline { throw error }
        try await Task.sleep(for: .milliseconds(20))
      }
    }
  }

  /// Set just before the kill: errors after it are expected, errors before it fail the test.
  final class KillSwitch: Sendable {
    private let state = Mutex(false)
    var isOn: Bool { state.withLock { $0 } }
    func turnOn() { state.withLock { $0 = true } }
  }

  /// A write the daemon acknowledged, with the resource it returned.
  enum Acknowledged: Sendable {
    case speaker(Speaker)
    /// A created or updated claim: the version the reply carried.
    case claim(Claim)
    case link(Link)
    case verdict(Verdict)

    var id: String {
      switch self {
      case .speaker(let value): value.id
      case .claim(let value): value.id
      case .link(let value): value.id
      case .verdict(let value): value.id
      }
    }
  }

  /// What one writer did in one round.
  struct WriterLog: Sendable {
    var acknowledged: [Acknowledged] = []
    /// An error before the daemon was killed: a failure of the test.
    var unexpectedError: String?
  }

  /// Creates speakers, claims, links and verdicts and updates claims, flat out, until the daemon dies.
  ///
  /// Each writer updates only its own claims, so the last acknowledged version of each claim is known.
  static func write(
    client: RPCClient, round: Int, writer: Int, killed: KillSwitch
  ) async -> WriterLog {
    var log = WriterLog()
    var claims: [Claim] = []
    var generator = SystemRandomNumberGenerator()
    func record(_ error: any Error) {
      if !killed.isOn { log.unexpectedError = "round \(round) writer \(writer): \(error)" }
    }
    let speaker: Speaker
    do {
      speaker = try await client.call(
        LedgerService.createSpeaker, Make.speaker("Speaker \(round)-\(writer)", aliases: ["Alias \(round)-\(writer)"]))
      log.acknowledged.append(.speaker(speaker))
    } catch {
      record(error)
      return log
    }
    for index in 0..<100_000 {
      do {
        let choice = Int.random(in: 0..<10, using: &generator)
        if claims.isEmpty || choice < 4 {
          let response = try await client.call(
            LedgerService.createClaim,
            Make.claim(
              "Round \(round) writer \(writer) claim \(index): \(String(repeating: "é", count: index % 50))",
              speaker: speaker.id, said: "2017-07", context: "context \(index)", topics: ["t\(index % 3)"]))
          let claim = response.claim!
          log.acknowledged.append(.claim(claim))
          if let previous = claims.last, choice % 2 == 0 {
            let link = try await client.call(
              LedgerService.createLink,
              Make.link(claim.id, claimTarget: previous.id, .repeats, note: "linked in round \(round)"))
            log.acknowledged.append(.link(link))
          }
          claims.append(claim)
        } else if choice < 7 {
          let position = Int.random(in: 0..<claims.count, using: &generator)
          var update = UpdateClaimRequest()
          var change = Claim()
          change.id = claims[position].id
          change.text = "Updated \(index) of round \(round) writer \(writer)"
          change.context = "revised \(index)"
          update.claim = change
          var mask = FieldMask()
          mask.paths = ["text", "context"]
          update.updateMask = mask
          update.reason = "correction \(index)"
          let updated = try await client.call(LedgerService.updateClaim, update)
          log.acknowledged.append(.claim(updated))
          claims[position] = updated
        } else {
          let claim = claims[Int.random(in: 0..<claims.count, using: &generator)]
          let verdict = try await client.call(
            LedgerService.createVerdict, Make.verdict(claim.id, "false", "verdict \(index) of round \(round)"))
          log.acknowledged.append(.verdict(verdict))
        }
      } catch {
        record(error)
        return log
      }
    }
    return log
  }

  /// `PRAGMA integrity_check` of the database file as the dead daemon left it, read-only, by the sqlite3 CLI.
  static func integrityCheck(_ database: String) async -> String {
    await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-readonly", database, "PRAGMA integrity_check"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
          try process.run()
          let output = pipe.fileHandleForReading.readDataToEndOfFile()
          process.waitUntilExit()
          continuation.resume(
            returning: String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
          continuation.resume(returning: "cannot run sqlite3: \(error)")
        }
      }
    }
  }

  /// The record as stored: the evidence counts and latest rating are computed when read.
  static func stored(_ claim: Claim) -> Claim {
    var claim = claim
    claim.evidence = nil
    claim.latestRating = ""
    claim.speakerName = ""
    return claim
  }

  @Test(
    "every acknowledged write survives kill -9 at random moments, intact, with its audit event",
    .timeLimit(.minutes(30)))
  func killNine() async throws {
    let executable = try #require(Self.daemonPath, "gainsayd must be built beside the tests")
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let socket = directory + "/d.sock"
    let data = directory + "/data"
    let writers = 4
    var acknowledged: [Acknowledged] = []
    var kills = 0

    for round in 0..<Self.rounds {
      let daemon = try Daemon(executable: executable, socket: socket, dataDirectory: data)
      var clients: [RPCClient] = []
      for _ in 0..<writers { clients.append(try await Self.connect(socket)) }
      let killed = KillSwitch()
      let logs = Task { [clients] in
        await withTaskGroup(of: WriterLog.self) { group in
          for (writer, client) in clients.enumerated() {
            group.addTask { await Self.write(client: client, round: round, writer: writer, killed: killed) }
          }
          var logs: [WriterLog] = []
          for await log in group { logs.append(log) }
          return logs
        }
      }
      try await Task.sleep(for: .milliseconds(Int.random(in: 30...900)))
      killed.turnOn()
      daemon.kill()
      kills += 1
      for log in await logs.value {
        if let error = log.unexpectedError { Issue.record("a write failed before the kill: \(error)") }
        acknowledged += log.acknowledged
      }
      for client in clients { await client.close() }
      let check = await Self.integrityCheck(data + "/ledger.sqlite")
      #expect(check == "ok", "integrity check after kill \(kills): \(check)")
    }

    let daemon = try Daemon(executable: executable, socket: socket, dataDirectory: data)
    let client = try await Self.connect(socket)

    // Every acknowledged write is there, with the content the daemon acknowledged.
    var latestClaim: [String: Claim] = [:]
    for write in acknowledged {
      switch write {
      case .speaker(let speaker):
        var request = GetSpeakerRequest()
        request.id = speaker.id
        #expect(try await client.call(LedgerService.getSpeaker, request) == speaker)
      case .claim(let claim):
        if let known = latestClaim[claim.id], known.revision > claim.revision { continue }
        latestClaim[claim.id] = claim
      case .link(let link):
        var request = GetLinkRequest()
        request.id = link.id
        #expect(try await client.call(LedgerService.getLink, request) == link)
      case .verdict(let verdict):
        var request = ListVerdictsRequest()
        request.claimID = verdict.claimID
        request.pageSize = 1000
        let verdicts = try await client.call(LedgerService.listVerdicts, request).verdicts
        #expect(verdicts.contains(verdict), "verdict \(verdict.id) is stored as acknowledged")
      }
    }
    for (id, claim) in latestClaim {
      var request = GetClaimRequest()
      request.id = id
      let current = Self.stored(try await client.call(LedgerService.getClaim, request))
      // A later update may have committed without its reply reaching the writer before the kill.
      #expect(current.revision >= claim.revision)
      if current.revision == claim.revision { #expect(current == Self.stored(claim)) }
      var revisions = ListClaimRevisionsRequest()
      revisions.claimID = id
      revisions.pageSize = 1000
      let stored = try await client.call(LedgerService.listClaimRevisions, revisions).revisions
      #expect(stored.map(\.revision) == Array(1...current.revision), "claim \(id) keeps every revision")
    }
    for case .claim(let claim) in acknowledged {
      var revisions = ListClaimRevisionsRequest()
      revisions.claimID = claim.id
      revisions.pageSize = 1000
      let stored = try await client.call(LedgerService.listClaimRevisions, revisions).revisions
      let revision = stored.first { $0.revision == claim.revision }?.claim.map(Self.stored)
      #expect(revision == Self.stored(claim), "revision \(claim.revision) of \(claim.id) is stored as acknowledged")
    }

    // The audit log: sequences 1, 2, 3, … with no gap, and an event for every acknowledged write whose
    // `after` is what the writer was told.
    var events: [AuditEvent] = []
    var page = ListAuditEventsRequest()
    page.limit = 10_000
    while true {
      var count = 0
      for try await event in client.stream(LedgerService.listAuditEvents, page) {
        events.append(event)
        count += 1
      }
      guard count == Int(page.limit), let last = events.last else { break }
      page.afterSequence = last.sequence
    }
    #expect(events.map(\.sequence) == Array(1...Int64(events.count)), "audit sequences have no gaps")
    var after: [String: [Resource.Kind]] = [:]
    for event in events {
      if let kind = event.after?.kind { after[event.resourceID, default: []].append(kind) }
    }
    for write in acknowledged {
      let logged = after[write.id] ?? []
      switch write {
      case .speaker(let value): #expect(logged.contains(.speaker(value)), "audit event for \(value.id)")
      case .link(let value): #expect(logged.contains(.link(value)), "audit event for \(value.id)")
      case .verdict(let value):
        // The signature is the config's, filled on read: the audit event holds the record without it.
        var record = value
        record.signedBy = ""
        #expect(logged.contains(.verdict(record)), "audit event for \(value.id)")
      case .claim(let value):
        let claims = logged.compactMap { kind -> Claim? in
          if case .claim(let claim) = kind { return Self.stored(claim) }
          return nil
        }
        #expect(claims.contains(Self.stored(value)), "audit event for \(value.id) revision \(value.revision)")
      }
    }
    #expect(acknowledged.count > Self.rounds, "the writers got writes in between the kills")
    print(
      "crash: \(kills) kills survived, \(acknowledged.count) acknowledged writes verified, \(events.count) audit events"
    )
    await client.close()
    daemon.kill()
  }
}
