import Foundation
import GainsayCore
import GainsayProto
import GainsayRPC
import GainsayTestSupport
import Testing

/// The real `gainsayd` process, killed with SIGKILL in the middle of writes and restarted.
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

  @Test("every acknowledged write survives kill -9, and the audit log matches", .timeLimit(.minutes(2)))
  func killNine() async throws {
    let executable = try #require(Self.daemonPath, "gainsayd must be built beside the tests")
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let socket = directory + "/d.sock"
    let data = directory + "/data"

    var daemon = try Daemon(executable: executable, socket: socket, dataDirectory: data)
    var client = try await Self.connect(socket)
    let speaker = try await client.call(LedgerService.createSpeaker, Make.speaker("Ramzan Kadyrov"))
    var acknowledged: Set<String> = [speaker.id]

    for round in 0..<3 {
      // Writers run flat out; the daemon is killed while they do.
      let writers = Task { [client] in
        try await withThrowingTaskGroup(of: [String].self) { group in
          for writer in 0..<4 {
            group.addTask {
              var ids: [String] = []
              for index in 0..<10_000 {
                guard
                  let response = try? await client.call(
                    LedgerService.createClaim,
                    Make.claim("Round \(round) writer \(writer) claim \(index)", speaker: speaker.id, said: "2017-07"))
                else { return ids }
                ids.append(response.claim!.id)
              }
              return ids
            }
          }
          var all: [String] = []
          for try await ids in group { all += ids }
          return all
        }
      }
      try await Task.sleep(for: .milliseconds(300 + round * 150))
      daemon.kill()
      let written = try await writers.value
      #expect(!written.isEmpty, "round \(round) acknowledged some writes before the kill")
      acknowledged.formUnion(written)
      await client.close()

      daemon = try Daemon(executable: executable, socket: socket, dataDirectory: data)
      client = try await Self.connect(socket)
    }

    // Everything acknowledged is there, intact.
    var stored: Set<String> = []
    var request = ListClaimsRequest()
    request.pageSize = 1000
    repeat {
      let page = try await client.call(LedgerService.listClaims, request)
      for claim in page.claims {
        stored.insert(claim.id)
        #expect(claim.text.hasPrefix("Round "), "claim \(claim.id) is intact")
      }
      request.pageToken = page.nextPageToken
    } while !request.pageToken.isEmpty
    let acknowledgedClaims = acknowledged.subtracting([speaker.id])
    #expect(
      acknowledgedClaims.isSubset(of: stored),
      "\(acknowledgedClaims.subtracting(stored).count) acknowledged claims were lost")

    // The audit log has exactly one CREATE per stored resource, in sequence.
    var created: [String] = []
    var last: Int64 = 0
    for try await event in client.stream(LedgerService.listAuditEvents, ListAuditEventsRequest()) {
      #expect(event.sequence > last)
      last = event.sequence
      if event.action == .create { created.append(event.resourceID) }
    }
    #expect(Set(created) == stored.union([speaker.id]))
    #expect(created.count == stored.count + 1)
    await client.close()
    daemon.kill()
  }
}
