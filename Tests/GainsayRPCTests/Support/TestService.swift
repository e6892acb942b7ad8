import GainsayProto
import GainsayRPC
import Synchronization

/// A stand-in for the ledger, with handlers that misbehave on request, to exercise the runtime.
///
/// `GetClaim` echoes the id, or for special ids: "slow" waits until cancelled, "not-found" fails with
/// NOT_FOUND, "crash" throws a plain error. `Search` streams `limit` hits, then fails if the query is "fail";
/// the query "big" streams hits of 1 MiB each until cancelled (all sharing one string: only the encoded
/// frames cost memory). `ImportRecords` answers with one outcome per record.
struct TestLedger: RPCService {
  let serviceName = LedgerService.name
  let probe = Probe()

  final class Probe: Sendable {
    private let cancelledCalls = Mutex(0)
    private let startedSlowCalls = Mutex(0)
    var cancelled: Int { cancelledCalls.withLock { $0 } }
    var startedSlow: Int { startedSlowCalls.withLock { $0 } }
    func recordCancelled() { cancelledCalls.withLock { $0 += 1 } }
    func recordSlowStart() { startedSlowCalls.withLock { $0 += 1 } }
  }

  struct PlainError: Error {}

  static let megabyte = String(repeating: "x", count: 1 << 20)

  func registerMethods(with router: inout RPCRouter) {
    let probe = self.probe
    router.register(LedgerService.getClaim) { request, context in
      switch request.id {
      case "slow":
        probe.recordSlowStart()
        do {
          try await Task.sleep(for: .seconds(60))
        } catch {
          probe.recordCancelled()
          throw error
        }
        return Claim()
      case "not-found":
        throw RPCError(code: .notFound, message: "claim not-found does not exist", resource: "not-found")
      case "crash":
        throw PlainError()
      default:
        var claim = Claim()
        claim.id = request.id
        claim.text = "echo \(request.id) from uid \(context.peer.uid)"
        return claim
      }
    }
    router.register(LedgerService.importRecords) { request, _ in
      var response = ImportRecordsResponse()
      response.outcomes = request.records.map { record in
        var outcome = ImportOutcome()
        outcome.line = record.line
        return outcome
      }
      return response
    }
    // A stream that only ends when the client stops it, as the ledger's Watch.
    router.register(LedgerService.watch, endsWhenDraining: true) { _, _, writer in
      try await writer.write(ChangeEvent())
      while true { try await Task.sleep(for: .milliseconds(10)) }
    }
    router.register(LedgerService.search) { request, _, writer in
      if request.query == "big" {
        var hit = SearchHit()
        hit.snippet = Self.megabyte
        while true { try await writer.write(hit) }
      }
      for index in 0..<Int(request.limit) {
        var hit = SearchHit()
        hit.resourceID = "hit-\(index)"
        hit.snippet = request.query
        try await writer.write(hit)
      }
      if request.query == "fail" {
        throw RPCError(code: .failedPrecondition, message: "search failed after the hits")
      }
      if request.query == "endless" {
        while true {
          try await Task.sleep(for: .milliseconds(10))
        }
      }
    }
  }
}
