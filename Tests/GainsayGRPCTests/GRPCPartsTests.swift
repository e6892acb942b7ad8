import Foundation
import GainsayProto
import GainsayRPC
import NIOHPACK
import Testing

@testable import GainsayGRPC

/// The parts of the gRPC socket a client's bytes reach first: `grpc-timeout`, the hand-written protobuf
/// reader, the status trailers and reflection's answers.
@Suite("gRPC: timeouts, wire reads, status details, reflection")
struct GRPCPartsTests {
  @Test("grpc-timeout: every unit, and malformed values refused")
  func timeouts() {
    #expect(GRPCTimeout.parse("1H") == .seconds(3600))
    #expect(GRPCTimeout.parse("2M") == .seconds(120))
    #expect(GRPCTimeout.parse("10S") == .seconds(10))
    #expect(GRPCTimeout.parse("250m") == .milliseconds(250))
    #expect(GRPCTimeout.parse("99999999u") == .microseconds(99_999_999))
    #expect(GRPCTimeout.parse("1n") == .nanoseconds(1))
    for bad in ["", "S", "10", "123456789S", "1.5S", "-1S", "10s", "１S", "10 S", "10SS"] {
      #expect(GRPCTimeout.parse(bad) == nil, "\(bad) should be refused")
    }
  }

  @Test("grpc-message is percent-encoded: Cyrillic, curly quotes, % and line breaks survive as bytes")
  func percentEncoding() {
    let message = "«У нас нет геев» 100%\nok"
    let encoded = GRPCStatus.percentEncoded(message)
    #expect(encoded.allSatisfy { $0.isASCII && !$0.isNewline })
    #expect(encoded.hasSuffix(" 100%25%0Aok"))
    #expect(encoded.hasPrefix("%C2%AB%D0%A3 "))
    #expect(encoded.removingPercentEncoding == message)
  }

  @Test("trailers: the code, the message, and google.rpc.Status with ErrorInfo and BadRequest")
  func statusDetails() throws {
    var error = RPCError.invalidArgument(field: "claim.text", "is required and must not be blank")
    error.reason = "FIELD_INVALID"
    error.resource = "clm_01m8k0bx1zbmbpwv"
    let trailers = GRPCStatus.trailers(error.status, trailersOnly: true)
    #expect(trailers.first(name: ":status") == "200")
    #expect(trailers.first(name: "content-type") == "application/grpc")
    #expect(trailers.first(name: "grpc-status") == "3")
    let encoded = try #require(trailers.first(name: "grpc-status-details-bin"))
    #expect(!encoded.contains("="), "binary metadata is sent unpadded")
    let padded = encoded + String(repeating: "=", count: (4 - encoded.count % 4) % 4)
    let status = try #require(Data(base64Encoded: padded))
    let fields = try ProtoWire.fields(of: Array(status)[...])
    #expect(fields.first { $0.number == 1 }.map { if case .varint(3) = $0.value { true } else { false } } == true)
    let details = fields.filter { $0.number == 3 }.compactMap { field -> (String, ArraySlice<UInt8>)? in
      guard case .bytes(let any) = field.value, let parts = try? ProtoWire.fields(of: any),
        let url = parts.first(where: { $0.number == 1 }).flatMap({ ProtoWire.string($0.value) }),
        case .bytes(let value) = parts.first(where: { $0.number == 2 })?.value
      else { return nil }
      return (url, value)
    }
    #expect(details.map(\.0) == ["type.googleapis.com/google.rpc.ErrorInfo", "type.googleapis.com/google.rpc.BadRequest"])
    let info = try ProtoWire.fields(of: details[0].1)
    #expect(info.compactMap { $0.number == 1 ? ProtoWire.string($0.value) : nil } == ["FIELD_INVALID"])
    #expect(info.compactMap { $0.number == 2 ? ProtoWire.string($0.value) : nil } == ["gainsay.v1"])
    let violation = try ProtoWire.fields(of: details[1].1)
    guard case .bytes(let first) = violation.first?.value else { Issue.record("no field violation"); return }
    #expect(try ProtoWire.fields(of: first).compactMap { ProtoWire.string($0.value) }
      == ["claim.text", "is required and must not be blank"])
  }

  @Test("an OK end has no details; a status without reason, resource or violations has only its code")
  func plainStatuses() {
    let ok = GRPCStatus.trailers(RpcStatus(), trailersOnly: false)
    #expect(ok.first(name: "grpc-status") == "0")
    #expect(ok.first(name: "grpc-status-details-bin") == nil)
    #expect(ok.first(name: ":status") == nil)
    let bare = GRPCStatus.richStatus(RPCError(code: .notFound, message: "").status)
    #expect(bare == [0x08, 0x05])
  }

  @Test("the protobuf reader refuses truncated and hostile input without trapping")
  func garbage() {
    let hostile: [[UInt8]] = [
      [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f],  // a length far past the end
      [0x08],  // a key without its varint
      [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // an 11-byte varint
      [0x0b],  // a group (wire type 3)
      [0x00, 0x01],  // field number 0
      [0x09, 1, 2, 3],  // a truncated fixed64
    ]
    for bytes in hostile {
      #expect(throws: ProtoWire.Malformed.self) { try ProtoWire.fields(of: bytes[...]) }
    }
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<2_000 {
      let bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
      _ = try? ProtoWire.fields(of: bytes[...])
      _ = reflection.answer(bytes[...])
    }
  }

  let reflection = GRPCReflection(
    descriptorSets: [ProtoDescriptorSet.bytes, GRPCProtoDescriptorSet.bytes],
    services: ["gainsay.v1.Ledger", "gainsay.v1.Meta", "grpc.health.v1.Health"])

  /// A `ServerReflectionRequest` with `field` set to `value`.
  func request(_ field: UInt64, _ value: String) -> [UInt8] {
    var bytes: [UInt8] = []
    ProtoWire.writeStringField(1, "localhost", to: &bytes)
    ProtoWire.writeStringField(field, value, to: &bytes)
    return bytes
  }

  /// The answer's fields: the echoed request, and the one response it holds.
  func answer(_ request: [UInt8]) throws -> (echo: ArraySlice<UInt8>?, kind: UInt64, body: ArraySlice<UInt8>) {
    let fields = try ProtoWire.fields(of: reflection.answer(request[...])[...])
    var echo: ArraySlice<UInt8>?
    for field in fields where field.number == 2 { if case .bytes(let bytes) = field.value { echo = bytes } }
    let response = try #require(fields.first { (4...7).contains($0.number) })
    guard case .bytes(let body) = response.value else { throw ProtoWire.Malformed(description: "not bytes") }
    return (echo, response.number, body)
  }

  @Test("reflection: the services listed, sorted, and the request echoed")
  func listServices() throws {
    let query = request(7, "*")
    let (echo, kind, body) = try answer(query)
    #expect(echo.map(Array.init) == query)
    #expect(kind == 6)
    let names = try ProtoWire.fields(of: body).compactMap { field -> String? in
      guard case .bytes(let entry) = field.value else { return nil }
      return try? ProtoWire.fields(of: entry).first.flatMap { ProtoWire.string($0.value) }
    }
    #expect(names == ["gainsay.v1.Ledger", "gainsay.v1.Meta", "grpc.health.v1.Health"])
  }

  /// The file names in a `file_descriptor_response`, in order.
  func fileNames(_ body: ArraySlice<UInt8>) throws -> [String] {
    try ProtoWire.fields(of: body).compactMap { field in
      guard case .bytes(let file) = field.value else { return nil }
      return try ProtoWire.fields(of: file).first { $0.number == 1 }.flatMap { ProtoWire.string($0.value) }
    }
  }

  @Test("reflection: a method, a nested enum and a file name each give their file first, then its imports")
  func fileContainingSymbol() throws {
    let method = try answer(request(4, "gainsay.v1.Ledger.GetClaim"))
    #expect(method.kind == 4)
    let files = try fileNames(method.body)
    #expect(files.first == "gainsay/v1/ledger.proto")
    #expect(files.contains("gainsay/v1/claim.proto") && files.contains("google/protobuf/timestamp.proto"))
    #expect(Set(files).count == files.count, "each file once")

    let nested = try answer(request(4, "grpc.health.v1.HealthCheckResponse.ServingStatus"))
    #expect(try fileNames(nested.body) == ["grpc/health/v1/health.proto"])
    let byName = try answer(request(3, "gainsay/v1/common.proto"))
    #expect(try fileNames(byName.body) == ["gainsay/v1/common.proto"])
  }

  @Test("reflection: unknown symbols and files are NOT_FOUND; an empty request is INVALID_ARGUMENT")
  func reflectionErrors() throws {
    for query in [request(4, "gainsay.v1.Nope"), request(3, "nope.proto"), request(6, "gainsay.v1.Nope")] {
      let (_, kind, body) = try answer(query)
      #expect(kind == 7)
      #expect(try ProtoWire.fields(of: body).first.map { if case .varint(5) = $0.value { true } else { false } } == true)
    }
    let (_, kind, body) = try answer([])
    #expect(kind == 7)
    #expect(try ProtoWire.fields(of: body).first.map { if case .varint(3) = $0.value { true } else { false } } == true)
  }

  @Test("health: served services are SERVING, NOT_SERVING while draining, unknown ones have no status")
  func health() throws {
    let health = GRPCHealth(services: ["gainsay.v1.Ledger"])
    #expect(health.status(of: "", draining: false) == .serving)
    #expect(health.status(of: "gainsay.v1.Ledger", draining: true) == .notServing)
    #expect(health.status(of: "gainsay.v1.Nope", draining: false) == nil)
    var request: [UInt8] = []
    ProtoWire.writeStringField(1, "gainsay.v1.Ledger", to: &request)
    #expect(try GRPCHealth.service(in: request[...]) == "gainsay.v1.Ledger")
    #expect(GRPCHealth.response(.serving) == [0x08, 0x01])
  }
}
