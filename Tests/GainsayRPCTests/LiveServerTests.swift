import Foundation
import GainsayProto
import GainsayRPC
import GainsayTestSupport
import Logging
import Testing

/// The real server on a real Unix socket, driven by the real client and by raw bytes.
@Suite("server and client on a Unix socket")
struct LiveServerTests {
  @Test("Describe lists every method with its types, and the descriptor set; Health answers")
  func describeAndHealth() async throws {
    try await withTestServer { path, _ in
      let client = try await RPCClient.connect(socketPath: path)
      defer { Task { await client.close() } }
      let description = try await client.call(MetaService.describe, DescribeRequest())
      #expect(description.serverVersion == "test")
      #expect(description.protocolVersion == 1)
      #expect(description.maxFrameSize == 4 * 1024 * 1024)
      #expect(description.descriptorSet == ProtoDescriptorSet.bytes)
      let byName = Dictionary(uniqueKeysWithValues: description.methods.map { ($0.name, $0) })
      #expect(byName["gainsay.v1.Ledger/GetClaim"]?.requestType == "gainsay.v1.GetClaimRequest")
      #expect(byName["gainsay.v1.Ledger/GetClaim"]?.responseType == "gainsay.v1.Claim")
      #expect(byName["gainsay.v1.Ledger/Search"]?.streaming == .serverStreaming)
      #expect(byName["gainsay.v1.Meta/Health"]?.streaming == .unary)
      #expect(description.methods.map(\.name) == description.methods.map(\.name).sorted())

      #expect(try await client.call(MetaService.health, HealthRequest()).status == .serving)
      var request = HealthRequest()
      request.service = "gainsay.v1.Ledger"
      #expect(try await client.call(MetaService.health, request).status == .serving)
      request.service = "gainsay.v1.Nope"
      #expect(try await client.call(MetaService.health, request).status == .serviceUnknown)
    }
  }

  @Test("handlers see the caller's Unix identity")
  func peerCredentials() async throws {
    try await withTestServer { path, _ in
      let client = try await RPCClient.connect(socketPath: path)
      var request = GetClaimRequest()
      request.id = "clm_1"
      let claim = try await client.call(LedgerService.getClaim, request)
      #expect(claim.text == "echo clm_1 from uid \(getuid())")
      await client.close()
    }
  }

  @Test("errors arrive with their code, message and details")
  func errors() async throws {
    try await withTestServer { path, _ in
      let client = try await RPCClient.connect(socketPath: path)
      var request = GetClaimRequest()
      request.id = "not-found"
      await #expect {
        _ = try await client.call(LedgerService.getClaim, request)
      } throws: { error in
        let error = error as? RPCError
        return error?.code == .notFound && error?.resource == "not-found"
          && error?.message == "claim not-found does not exist"
      }
      request.id = "crash"
      await #expect {
        _ = try await client.call(LedgerService.getClaim, request)
      } throws: { error in
        (error as? RPCError)?.code == .internal
      }
      // The connection is still good.
      request.id = "fine"
      #expect(try await client.call(LedgerService.getClaim, request).id == "fine")
      await client.close()
    }
  }

  @Test("1,000 concurrent calls on one connection each get their own reply")
  func manyConcurrentCalls() async throws {
    try await withTestServer { path, _ in
      let client = try await RPCClient.connect(socketPath: path)
      try await withThrowingTaskGroup(of: (Int, String).self) { group in
        for index in 0..<1_000 {
          group.addTask {
            var request = GetClaimRequest()
            request.id = "clm_\(index)"
            return (index, try await client.call(LedgerService.getClaim, request).id)
          }
        }
        var seen = Set<Int>()
        for try await (index, id) in group {
          #expect(id == "clm_\(index)")
          seen.insert(index)
        }
        #expect(seen.count == 1_000)
      }
      await client.close()
    }
  }

  @Test("a server-streaming call delivers every message in order, then its status")
  func streaming() async throws {
    try await withTestServer { path, _ in
      let client = try await RPCClient.connect(socketPath: path)
      var request = SearchRequest()
      request.query = "gays"
      request.limit = 500
      var ids: [String] = []
      for try await hit in client.stream(LedgerService.search, request) { ids.append(hit.resourceID) }
      #expect(ids == (0..<500).map { "hit-\($0)" })

      request.query = "fail"
      request.limit = 3
      var received = 0
      await #expect {
        for try await _ in client.stream(LedgerService.search, request) { received += 1 }
      } throws: { error in
        (error as? RPCError)?.code == .failedPrecondition
      }
      #expect(received == 3)

      request.limit = 0
      request.query = "nothing"
      var none = 0
      for try await _ in client.stream(LedgerService.search, request) { none += 1 }
      #expect(none == 0)
      await client.close()
    }
  }

  @Test("the server enforces the client's deadline")
  func deadline() async throws {
    try await withTestServer { path, ledger in
      let client = try await RPCClient.connect(socketPath: path)
      var request = GetClaimRequest()
      request.id = "slow"
      let start = ContinuousClock.now
      await #expect {
        _ = try await client.call(LedgerService.getClaim, request, options: CallOptions(timeout: .milliseconds(200)))
      } throws: { error in
        (error as? RPCError)?.code == .deadlineExceeded
      }
      #expect(ContinuousClock.now - start < .seconds(5))
      // The server-side handler was cancelled, not left running. (On a loaded machine the deadline can
      // pass before the handler starts; then the server never runs it, which is as good.)
      try await waitUntil { ledger.probe.cancelled == ledger.probe.startedSlow }
      // And it stays so: a handler started late must not be left running either.
      try await Task.sleep(for: .milliseconds(300))
      #expect(ledger.probe.cancelled == ledger.probe.startedSlow)
      #expect(ledger.probe.startedSlow <= 1)

      // Raw: the DEADLINE_EXCEEDED status comes from the server itself.
      let raw = try RawConnection(path: path)
      raw.send(
        Wire.preface
          + Wire.request(streamID: 1, method: "gainsay.v1.Ledger/GetClaim", payload: request, timeoutMicros: 100_000))
      let frames = await raw.readFrames(1)
      #expect(frames.first?.type == 0x03)
      #expect(frames.first?.status?.code == RPCStatusCode.deadlineExceeded.rawValue)
      await client.close()
    }
  }

  @Test("cancelling the caller's task cancels the call on the server")
  func cancellation() async throws {
    try await withTestServer { path, ledger in
      let client = try await RPCClient.connect(socketPath: path)
      let task = Task {
        var request = GetClaimRequest()
        request.id = "slow"
        return try await client.call(LedgerService.getClaim, request)
      }
      try await waitUntil { ledger.probe.startedSlow == 1 }
      task.cancel()
      await #expect {
        _ = try await task.value
      } throws: { error in
        (error as? RPCError)?.code == .cancelled
      }
      try await waitUntil { ledger.probe.cancelled == 1 }

      // Abandoning a stream half-way cancels it too.
      var search = SearchRequest()
      search.query = "endless"
      search.limit = 2
      var count = 0
      for try await _ in client.stream(LedgerService.search, search) {
        count += 1
        if count == 2 { break }
      }
      // The connection still serves.
      #expect(try await client.call(MetaService.health, HealthRequest()).status == .serving)
      await client.close()
    }
  }

  @Test("a client that sends its requests and half-closes still gets every reply")
  func halfClose() async throws {
    try await withTestServer { path, _ in
      let raw = try RawConnection(path: path)
      var getClaim = GetClaimRequest()
      getClaim.id = "clm_7"
      var search = SearchRequest()
      search.limit = 3
      raw.send(
        Wire.preface + Wire.request(streamID: 1, method: "gainsay.v1.Meta/Health", payload: HealthRequest())
          + Wire.request(streamID: 2, method: "gainsay.v1.Ledger/GetClaim", payload: getClaim)
          + Wire.request(streamID: 3, method: "gainsay.v1.Ledger/Search", payload: search))
      raw.shutdownWrite()
      let (preface, frames) = try Wire.parse(await raw.readToEnd())
      #expect(preface == Wire.preface)
      let byStream = Dictionary(grouping: frames, by: \.streamID)
      #expect(byStream[1]?.count == 1)
      #expect(byStream[1]?.first?.type == 0x02)
      #expect(byStream[1]?.first?.flags == 0x01)
      #expect(try HealthResponse(serializedBytes: byStream[1]!.first!.payload).status == .serving)
      #expect(try Claim(serializedBytes: byStream[2]!.first!.payload).id == "clm_7")
      #expect(byStream[3]?.map(\.type) == [0x02, 0x02, 0x02, 0x03])
      #expect(byStream[3]?.last?.status?.code == 0)
    }
  }

  @Test("an oversized request is refused with RESOURCE_EXHAUSTED and the connection goes on")
  func oversized() async throws {
    try await withTestServer(configure: { $0.maximumFrameSize = 64 * 1024 }) { path, _ in
      let raw = try RawConnection(path: path)
      let length: UInt32 = 5 * 1024 * 1024
      raw.send(Wire.preface + Wire.bigEndian(length) + Wire.bigEndian(7) + [0x01, 0])
      // The refusal comes before the payload has been sent.
      let early = await raw.readFrames(1)
      #expect(early.first?.streamID == 7)
      #expect(early.first?.status?.code == RPCStatusCode.resourceExhausted.rawValue)
      #expect(early.first?.status?.reason == "FRAME_TOO_LARGE")
      for _ in 0..<Int(length / 65536) { raw.send([UInt8](repeating: 0x55, count: 65536)) }
      raw.send(Wire.request(streamID: 9, method: "gainsay.v1.Meta/Health", payload: HealthRequest()))
      raw.shutdownWrite()
      // The preface was read with the first frame.
      let frames = try Wire.parse(Wire.preface + (await raw.readToEnd())).frames
      #expect(frames.last?.streamID == 9)
      #expect(frames.last?.type == 0x02)

      // Through the client: the error names the limit.
      let client = try await RPCClient.connect(socketPath: path)
      var request = GetClaimRequest()
      request.id = String(repeating: "x", count: 100 * 1024)
      await #expect {
        _ = try await client.call(LedgerService.getClaim, request)
      } throws: { error in
        (error as? RPCError)?.code == .resourceExhausted
      }
      #expect(try await client.call(MetaService.health, HealthRequest()).status == .serving)
      await client.close()
    }
  }

  @Test("malformed requests get precise errors on their stream")
  func malformedRequests() async throws {
    try await withTestServer { path, _ in
      let raw = try RawConnection(path: path)
      var badPayload = RpcCall()
      badPayload.method = "gainsay.v1.Ledger/GetClaim"
      badPayload.payload = [0x0A, 0x05, 0x61]  // a string longer than the input
      var unknown = RpcCall()
      unknown.method = "gainsay.v1.Ledger/DeleteClaim"
      raw.send(
        Wire.preface
          + Wire.frame(streamID: 1, type: 0x01, payload: [0xFF, 0xFF, 0xFF])  // garbage envelope
          + Wire.frame(streamID: 2, type: 0x01, payload: badPayload.serializedBytes())
          + Wire.frame(streamID: 3, type: 0x01, payload: unknown.serializedBytes())
          + Wire.frame(streamID: 4, type: 0x01, payload: [])  // zero-length: an empty envelope, no method
          + Wire.request(streamID: 5, method: "gainsay.v1.Meta/Health", payload: HealthRequest()))
      raw.shutdownWrite()
      let frames = try Wire.parse(await raw.readToEnd()).frames
      let byStream = Dictionary(grouping: frames, by: \.streamID).mapValues { $0[0] }
      #expect(byStream[1]?.status?.reason == "MALFORMED_ENVELOPE")
      #expect(byStream[1]?.status?.code == RPCStatusCode.invalidArgument.rawValue)
      #expect(byStream[2]?.status?.reason == "MALFORMED_REQUEST")
      #expect(byStream[2]?.status?.code == RPCStatusCode.invalidArgument.rawValue)
      #expect(byStream[3]?.status?.code == RPCStatusCode.unimplemented.rawValue)
      #expect(byStream[4]?.status?.code == RPCStatusCode.unimplemented.rawValue)
      #expect(byStream[5]?.type == 0x02)
    }
  }

  static let violations: [([UInt8], RPCStatusCode)] = [
    (Array("GAINSAY/2\n".utf8), .failedPrecondition),
    (Array("PRI * HTTP/2.0\r\n".utf8), .invalidArgument),
    (Wire.preface + Wire.frame(streamID: 1, type: 0x7F, payload: [1, 2]), .invalidArgument),
    (Wire.preface + Wire.frame(streamID: 1, type: 0x02, payload: []), .invalidArgument),
    (Wire.preface + Wire.frame(streamID: 0, type: 0x01, payload: []), .invalidArgument),
  ]

  @Test("protocol violations end the connection with GOAWAY", arguments: violations)
  func protocolViolations(bytes: [UInt8], code: RPCStatusCode) async throws {
    try await withTestServer { path, _ in
      let raw = try RawConnection(path: path)
      raw.send(bytes)
      // No half-close: the server must close the connection by itself.
      let (preface, frames) = try Wire.parse(await raw.readToEnd())
      #expect(preface == Wire.preface)
      #expect(frames.count == 1)
      #expect(frames.first?.type == 0x05)
      #expect(frames.first?.streamID == 0)
      #expect(frames.first?.status?.code == code.rawValue)
    }
  }

  @Test("a duplicate stream id while the first call runs is a protocol violation")
  func duplicateStreamID() async throws {
    try await withTestServer { path, ledger in
      let raw = try RawConnection(path: path)
      var slow = GetClaimRequest()
      slow.id = "slow"
      raw.send(Wire.preface + Wire.request(streamID: 5, method: "gainsay.v1.Ledger/GetClaim", payload: slow))
      try await waitUntil { ledger.probe.startedSlow == 1 }
      raw.send(Wire.request(streamID: 5, method: "gainsay.v1.Meta/Health", payload: HealthRequest()))
      let frames = try Wire.parse(await raw.readToEnd()).frames
      #expect(frames.map(\.type) == [0x05])
      #expect(frames.first?.status?.reason == "STREAM_ID_IN_USE")
      try await waitUntil { ledger.probe.cancelled == 1 }
    }
  }

  @Test("one client sending garbage never disturbs another")
  func isolation() async throws {
    try await withTestServer { path, _ in
      let client = try await RPCClient.connect(socketPath: path)
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          var generator = SystemRandomNumberGenerator()
          for round in 0..<200 {
            let raw = try RawConnection(path: path)
            let garbage = (0..<(round * 37 % 4000)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Half the time after a valid preface, so the frame parser sees the garbage.
            raw.send((round.isMultiple(of: 2) ? Wire.preface : []) + garbage)
            if round.isMultiple(of: 3) { raw.shutdownWrite() }
            _ = await raw.read(atLeast: 1)
          }
        }
        group.addTask {
          for index in 0..<300 {
            var request = GetClaimRequest()
            request.id = "clm_\(index)"
            let claim = try await client.call(
              LedgerService.getClaim, request, options: CallOptions(timeout: .seconds(10)))
            #expect(claim.id == "clm_\(index)")
          }
        }
        try await group.waitForAll()
      }
      // Truncated frames and abrupt closes leave the server serving.
      for cut in [3, 10, 15] {
        let raw = try RawConnection(path: path)
        raw.send(
          Array(
            (Wire.preface + Wire.request(streamID: 1, method: "gainsay.v1.Meta/Health", payload: HealthRequest()))
              .prefix(10 + cut)))
      }
      #expect(try await client.call(MetaService.health, HealthRequest()).status == .serving)
      await client.close()
    }
  }

  @Test("graceful shutdown finishes in-flight calls and refuses new connections")
  func gracefulShutdown() async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/g.sock"
    let server = RPCServer(
      configuration: RPCServerConfiguration(socketPath: path), services: [TestLedger()], logger: .init(label: "t"))
    try await withThrowingTaskGroup(of: Void.self) { group in
      let (listening, continuation) = AsyncStream<Void>.makeStream()
      group.addTask { try await server.run(onListening: { continuation.finish() }) }
      for await _ in listening {}
      let client = try await RPCClient.connect(socketPath: path)
      var search = SearchRequest()
      search.limit = 2_000
      var count = 0
      for try await _ in client.stream(LedgerService.search, search) {
        // Shut down once the call is surely running.
        if count == 0 { server.beginGracefulShutdown() }
        count += 1
      }
      #expect(count == 2_000)
      try await group.waitForAll()
      #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed")
      await #expect(throws: RPCError.self) { _ = try await RPCClient.connect(socketPath: path) }
    }
  }

  @Test("connecting to nothing is UNAVAILABLE")
  func nothingListening() async throws {
    await #expect {
      _ = try await RPCClient.connect(socketPath: "/tmp/gsy-does-not-exist.sock")
    } throws: { error in
      (error as? RPCError)?.code == .unavailable
    }
  }
}

/// Polls `condition` for up to 10 seconds.
func waitUntil(_ condition: () -> Bool) async throws {
  let deadline = ContinuousClock.now + .seconds(10)
  while !condition() {
    guard ContinuousClock.now < deadline else {
      Issue.record("condition not met within 10 s")
      return
    }
    try await Task.sleep(for: .milliseconds(10))
  }
}
