import Foundation
import GainsayProto
import GainsayRPC
import Synchronization
import Testing

/// The server's access hooks: callers without a role get one call and are closed, calls are authorized
/// before their request is decoded, and the last connection slots are kept for privileged callers.
@Suite("access hooks: classes, authorization before decoding, reserved slots", .serialized)
struct AccessHooksTests {
  static let withoutRole = RPCAccessControl(
    classify: { _ in .withoutRole },
    authorize: { method, _ in
      method.hasPrefix("gainsay.v1.Meta/")
        ? nil : RPCError(code: .permissionDenied, message: "no role for \(method)", reason: "ROLE_REQUIRED")
    })

  @Test("a caller without a role is answered once, then sent GOAWAY PERMISSION_DENIED and closed")
  func answeredThenClosed() async throws {
    try await withTestServer(access: Self.withoutRole) { path, _ in
      let raw = try RawConnection(path: path)
      raw.setReceiveTimeout(seconds: 60)
      // Two requests in one write: only the first is read and answered.
      raw.send(
        Wire.preface + Wire.request(streamID: 1, method: "gainsay.v1.Meta/Health", payload: HealthRequest())
          + Wire.request(streamID: 3, method: "gainsay.v1.Meta/Health", payload: HealthRequest()))
      let (_, frames) = try Wire.parse(await raw.readToEnd())
      #expect(frames.map(\.streamID) == [1, 0])
      #expect(frames.first?.type == 0x02)
      #expect(frames.last?.type == 0x05)
      #expect(frames.last?.status?.code == RPCStatusCode.permissionDenied.rawValue)
      #expect(frames.last?.status?.reason == "NO_ROLE")
      #expect(frames.last?.status?.message.contains("has no role") == true)
    }
  }

  @Test("a caller without a role refused a method is closed too")
  func refusedThenClosed() async throws {
    try await withTestServer(access: Self.withoutRole) { path, _ in
      let raw = try RawConnection(path: path)
      raw.setReceiveTimeout(seconds: 60)
      var request = GetClaimRequest()
      request.id = "clm_1"
      raw.send(Wire.preface + Wire.request(streamID: 1, method: "gainsay.v1.Ledger/GetClaim", payload: request))
      let (_, frames) = try Wire.parse(await raw.readToEnd())
      #expect(frames.first?.status?.reason == "ROLE_REQUIRED")
      #expect(frames.last?.status?.reason == "NO_ROLE")
    }
  }

  @Test("a caller without a role that sends nothing is closed with GOAWAY PERMISSION_DENIED")
  func idleWithoutRoleClosed() async throws {
    try await withTestServer(configure: { $0.noRoleRequestTimeout = .milliseconds(200) }, access: Self.withoutRole) {
      path, _ in
      let raw = try RawConnection(path: path)
      raw.setReceiveTimeout(seconds: 60)
      raw.send(Wire.preface)
      // The read gives up after 10 s: the GOAWAY proves the server closed the connection first.
      let (_, frames) = try Wire.parse(await raw.readToEnd())
      #expect(frames.count == 1)
      #expect(frames.first?.type == 0x05)
      #expect(frames.first?.status?.code == RPCStatusCode.permissionDenied.rawValue)
      #expect(frames.first?.status?.reason == "NO_ROLE")
    }
  }

  @Test("a call is authorized from its method name before its request is decoded")
  func authorizedBeforeDecoding() async throws {
    let access = RPCAccessControl(
      classify: { _ in .member },
      authorize: { method, _ in
        method == "gainsay.v1.Ledger/GetClaim"
          ? RPCError(code: .permissionDenied, message: "readers only", reason: "ROLE_REQUIRED") : nil
      })
    try await withTestServer(access: access) { path, _ in
      let raw = try RawConnection(path: path)
      raw.setReceiveTimeout(seconds: 60)
      var call = RpcCall()
      call.method = "gainsay.v1.Ledger/GetClaim"
      call.payload = [0xFF, 0xFF, 0xFF]  // not a GetClaimRequest: decoding it would fail
      raw.send(Wire.preface + Wire.frame(streamID: 1, type: 0x01, payload: call.serializedBytes()))
      raw.shutdownWrite()
      let (_, frames) = try Wire.parse(await raw.readToEnd())
      #expect(frames.first?.status?.code == RPCStatusCode.permissionDenied.rawValue)
      #expect(frames.first?.status?.reason == "ROLE_REQUIRED")
    }
  }

  @Test("the last connection slots admit only privileged callers")
  func reservedSlots() async throws {
    let privileged = Mutex(false)
    let access = RPCAccessControl(
      classify: { _ in privileged.withLock { $0 } ? .privileged : .member }, authorize: { _, _ in nil })
    try await withTestServer(
      configure: {
        $0.maximumConnections = 10
        $0.reservedPrivilegedConnections = 3
      }, access: access
    ) { path, _ in
      var held: [RPCClient] = []
      for _ in 0..<7 { held.append(try await RPCClient.connect(socketPath: path)) }
      for client in held { _ = try await client.call(MetaService.health, HealthRequest()) }
      let refused = try RawConnection(path: path)
      let (_, frames) = try Wire.parse(await refused.readToEnd())
      #expect(frames.first?.status?.reason == "TOO_MANY_CONNECTIONS")
      #expect(frames.first?.status?.message.contains("kept for its administrators") == true)
      privileged.withLock { $0 = true }
      for _ in 0..<3 {
        let admin = try await RPCClient.connect(socketPath: path)
        #expect(try await admin.call(MetaService.health, HealthRequest()).status == .serving)
        held.append(admin)
      }
      for client in held { await client.close() }
    }
  }
}
