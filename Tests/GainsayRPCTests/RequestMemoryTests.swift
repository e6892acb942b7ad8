import Foundation
import GainsayProto
import GainsayRPC
import Testing

/// A request can take at most a small multiple of its frame once decoded.
@Suite("decoded requests are bounded in memory", .serialized)
struct RequestMemoryTests {
  /// `pattern` repeated up to `count` bytes, by doubling (a loop over millions of bytes is slow in a debug
  /// build, and would hold a thread other tests' servers need).
  static func repeated(_ pattern: [UInt8], count: Int) -> [UInt8] {
    var bytes = pattern
    while bytes.count < count { bytes += bytes }
    return Array(bytes.prefix(count))
  }

  /// A REQUEST frame for `method` whose payload is `payload` as it is.
  static func rawRequest(streamID: UInt32, method: String, payload: [UInt8]) -> [UInt8] {
    var call = RpcCall()
    call.method = method
    call.payload = payload
    return Wire.frame(streamID: streamID, type: 0x01, payload: call.serializedBytes())
  }

  @Test("4 MiB of empty repeated records is refused with RESOURCE_EXHAUSTED, not decoded into gigabytes")
  func emptyRecordsRefused() async throws {
    try await withTestServer { path, _ in
      // Field 2 (records), an empty message: 2 bytes on the wire, hundreds once decoded.
      let records = Self.repeated([0x12, 0], count: 4 * 1024 * 1024 - 256)
      let raw = try RawConnection(path: path)
      raw.setReceiveTimeout(seconds: 60)
      raw.send(Wire.preface + Self.rawRequest(streamID: 1, method: "gainsay.v1.Ledger/ImportRecords", payload: records))
      raw.shutdownWrite()
      let (_, frames) = try Wire.parse(await raw.readToEnd())
      #expect(frames.count == 1)
      #expect(frames.first?.status?.code == RPCStatusCode.resourceExhausted.rawValue)
      #expect(frames.first?.status?.reason == "REQUEST_TOO_COMPLEX")
    }
  }

  @Test("an envelope of millions of empty metadata entries is refused")
  func emptyMetadataRefused() async throws {
    try await withTestServer { path, _ in
      // RpcCall field 3 (metadata), empty entries, then the method.
      var envelope = Self.repeated([0x1A, 0], count: 4 * 1024 * 1024 - 256)
      envelope += [0x0A, 22] + Array("gainsay.v1.Meta/Health".utf8)
      let raw = try RawConnection(path: path)
      raw.setReceiveTimeout(seconds: 60)
      raw.send(Wire.preface + Wire.frame(streamID: 1, type: 0x01, payload: envelope))
      raw.shutdownWrite()
      let (_, frames) = try Wire.parse(await raw.readToEnd())
      #expect(frames.first?.status?.reason == "MALFORMED_ENVELOPE")
    }
  }

  @Test("a real import chunk (1,000 claims) still decodes")
  func realChunkDecodes() async throws {
    try await withTestServer { path, _ in
      var request = ImportRecordsRequest()
      request.importID = "imp_1"
      for line in 1...1_000 {
        var claim = Claim()
        claim.text = "Says the unemployment rate fell by \(line) percent last year."
        claim.speakerID = "spk_\(line)"
        var ledgerRecord = LedgerRecord()
        ledgerRecord.record = .claim(claim)
        var record = ImportRecord()
        record.line = Int64(line)
        record.record = ledgerRecord
        record.speakerName = "A Speaker"
        request.records.append(record)
      }
      let client = try await RPCClient.connect(socketPath: path)
      let response = try await client.call(LedgerService.importRecords, request)
      #expect(response.outcomes.count == 1_000)
      await client.close()
    }
  }
}
