import Foundation
import GainsayProto
import Testing

@Suite("protobuf-c codec")
struct CodecTests {
  static let samples = ProtoSamples.all

  @Test("every message decodes what an independent encoder wrote", arguments: samples)
  func decodesPythonEncoding(sample: ProtoSamples.Sample) throws {
    func check<M: ProtoMessage>(_ value: M) throws {
      let decoded = try M(serializedBytes: sample.pythonEncoding)
      #expect(decoded == value, "\(M.protoMessageName) decoded differently")
    }
    try check(sample.value)
  }

  @Test("every message encodes exactly as the independent encoder does", arguments: samples)
  func encodesLikePython(sample: ProtoSamples.Sample) throws {
    func check<M: ProtoMessage>(_ value: M) throws {
      let bytes = value.serializedBytes()
      #expect(bytes == sample.pythonEncoding, "\(M.protoMessageName) encoded differently")
      #expect(value.serializedSize == bytes.count)
      #expect(try M(serializedBytes: bytes) == value)
    }
    try check(sample.value)
  }

  @Test("an empty message of every type round-trips through zero bytes", arguments: samples)
  func emptyMessages(sample: ProtoSamples.Sample) throws {
    func check<M: ProtoMessage>(_: M) throws {
      let empty = M()
      #expect(empty.serializedBytes().isEmpty)
      #expect(try M(serializedBytes: [UInt8]()) == empty)
      if !sample.pythonEncoding.isEmpty {
        #expect(M() != (sample.value as! M), "the sample of \(M.protoMessageName) should not be empty")
      }
    }
    try check(sample.value)
  }

  @Test("unknown fields are ignored", arguments: samples)
  func unknownFieldsIgnored(sample: ProtoSamples.Sample) throws {
    func check<M: ProtoMessage>(_ value: M) throws {
      // Field 999 as a varint, field 1000 as length-delimited bytes, field 1001 as fixed32.
      let unknown: [UInt8] = [0xB8, 0x3E, 0x2A, 0xC2, 0x3E, 0x03, 0x61, 0x62, 0x63, 0xCD, 0x3E, 1, 2, 3, 4]
      let decoded = try M(serializedBytes: unknown + sample.pythonEncoding + unknown)
      #expect(decoded == value)
    }
    try check(sample.value)
  }

  @Test("large repeated fields")
  func largeRepeatedFields() throws {
    var mask = FieldMask()
    mask.paths = (0..<100_000).map { "path_\($0)_Кадыров" }
    #expect(try FieldMask(serializedBytes: mask.serializedBytes()) == mask)

    var claim = Claim()
    claim.text = "We don't have any gays"
    claim.topics = ["lgbt", "chechnya"]
    var date = PartialDate()
    date.year = 2017
    date.month = 7
    claim.saidOn = date
    var list = ListClaimsResponse()
    list.claims = (0..<10_000).map { index in
      var copy = claim
      copy.id = "clm_\(index)"
      return copy
    }
    let bytes = list.serializedBytes()
    let decoded = try ListClaimsResponse(serializedBytes: bytes)
    #expect(decoded.claims.count == 10_000)
    #expect(decoded == list)

    var call = RpcCall()
    call.payload = [UInt8](repeating: 0xAB, count: 3 * 1024 * 1024)
    #expect(try RpcCall(serializedBytes: call.serializedBytes()) == call)
  }

  @Test("invalid UTF-8 in a string field is refused, naming the field")
  func invalidUTF8() {
    // Speaker.name (field 2, length-delimited) holding 0xFF 0xFE.
    let bytes: [UInt8] = [0x12, 0x02, 0xFF, 0xFE]
    #expect {
      _ = try Speaker(serializedBytes: bytes)
    } throws: { error in
      let error = error as? ProtoDecodingError
      return error?.code == .invalidUTF8 && error?.field == "gainsay.v1.Speaker.name"
    }
  }

  @Test(
    "garbage is refused as malformed",
    arguments: [
      [0xFF] as [UInt8],  // a truncated varint tag
      [0x0A, 0x05, 0x61],  // a string longer than the input
      [0x08],  // a tag without its value
      [0x0F, 0x00],  // wire type 7 does not exist
      [0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // an overlong length varint
    ])
  func garbage(bytes: [UInt8]) {
    #expect(throws: ProtoDecodingError.self) {
      _ = try Speaker(serializedBytes: bytes)
    }
  }

  @Test("random bytes never crash the decoder")
  func randomBytes() {
    var generator = SystemRandomNumberGenerator()
    for length in 0..<2_000 {
      let bytes = (0..<(length % 64)).map { _ in UInt8.random(in: 0...255, using: &generator) }
      _ = try? Claim(serializedBytes: bytes)
      _ = try? RpcCall(serializedBytes: bytes)
      _ = try? LedgerRecord(serializedBytes: bytes)
    }
  }

  @Test("unknown enum values survive a round trip")
  func unknownEnumValues() throws {
    var link = Link()
    link.relation = Relation(rawValue: 42)
    #expect(link.relation == .unrecognized(42))
    #expect(try Link(serializedBytes: link.serializedBytes()).relation == .unrecognized(42))
    #expect(Relation(protoName: "RELATION_CONTRADICTS") == .contradicts)
    #expect(Relation.contradicts.protoName == "RELATION_CONTRADICTS")
  }

  @Test("oneof fields keep which member is set")
  func oneofs() throws {
    var link = Link()
    link.target = .targetClaimID("clm_1")
    #expect(try Link(serializedBytes: link.serializedBytes()).target == .targetClaimID("clm_1"))
    link.target = .sourceID("")
    // An empty string is still a set member on the wire.
    #expect(try Link(serializedBytes: link.serializedBytes()).target == .sourceID(""))
    link.target = nil
    #expect(try Link(serializedBytes: link.serializedBytes()).target == nil)
  }

  @Test("the descriptor set holds every proto file")
  func descriptorSet() {
    #expect(ProtoDescriptorSet.bytes.count > 1_000)
    #expect(ProtoDescriptorSet.fileNames.contains("gainsay/v1/ledger.proto"))
    #expect(ProtoDescriptorSet.fileNames.contains("google/protobuf/timestamp.proto"))
    let names = AllServices.methods.map(\.fullName)
    #expect(names.contains("gainsay.v1.Ledger/CreateClaim"))
    #expect(names.contains("gainsay.v1.Meta/Describe"))
    #expect(LedgerService.search.streaming == .serverStreaming)
  }
}

extension ProtoSamples.Sample: CustomTestStringConvertible {
  var testDescription: String { type(of: value).protoMessageName }
}

@Suite("proto3 JSON mapping")
struct JSONMappingTests {
  @Test("every message maps to the JSON an independent implementation produces", arguments: ProtoSamples.all)
  func matchesPython(sample: ProtoSamples.Sample) throws {
    let encodable = try #require(sample.value as? any ProtoJSONEncodable)
    let ours = try JSONSerialization.jsonObject(
      with: Data(encodable.jsonValue.serialized().utf8), options: [.fragmentsAllowed])
    let theirs = try JSONSerialization.jsonObject(with: Data(sample.pythonJSON.utf8), options: [.fragmentsAllowed])
    func canonical(_ value: Any) throws -> String {
      String(
        decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
        as: UTF8.self)
    }
    #expect(
      try canonical(ours) == canonical(theirs),
      "\(encodable.jsonValue.serialized(pretty: true))\nPython: \(sample.pythonJSON)")
  }

  @Test("strings are escaped so any JSON parser reads them back")
  func escaping() throws {
    var claim = Claim()
    claim.text = "quote \" backslash \\ newline \n tab \t bell \u{7} line separator \u{2028} Кадыров 🏳️‍🌈"
    let parsed = try JSONSerialization.jsonObject(with: Data(claim.jsonValue.serialized().utf8)) as? [String: Any]
    #expect(parsed?["text"] as? String == claim.text)
    let pretty =
      try JSONSerialization.jsonObject(with: Data(claim.jsonValue.serialized(pretty: true).utf8)) as? [String: Any]
    #expect(pretty?["text"] as? String == claim.text)
  }
}

@Suite("reading the proto3 JSON mapping")
struct JSONDecodingTests {
  @Test("every message reads back from its JSON and from Python's", arguments: ProtoSamples.all)
  func roundTrip(sample: ProtoSamples.Sample) throws {
    func check<M: ProtoMessage & ProtoJSONEncodable & ProtoJSONDecodable>(_ value: M) throws {
      #expect(try M(jsonText: value.jsonValue.serialized()) == value)
      #expect(try M(jsonText: sample.pythonJSON) == value)
    }
    guard let value = sample.value as? any ProtoMessage & ProtoJSONEncodable & ProtoJSONDecodable else {
      Issue.record("\(type(of: sample.value)) cannot be read from JSON")
      return
    }
    try check(value)
  }

  @Test("proto field names work too, unknown fields are ignored, nulls are defaults")
  func lenient() throws {
    let claim = try Claim(
      jsonText:
        #"{"speaker_id": "spk_1", "saidOn": {"year": 2017}, "revision": "3", "extra": [1, {"a": null}], "context": null}"#
    )
    #expect(claim.speakerID == "spk_1")
    #expect(claim.saidOn?.year == 2017)
    #expect(claim.revision == 3)
  }

  @Test(
    "malformed JSON and wrong types are refused, naming the place",
    arguments: [
      (#"{"text": 5}"#, ".text"), (#"{"revision": 1.5}"#, ".revision"), (#"{"state": "NOPE"}"#, ".state"),
      (#"{"saidOn": []}"#, ".saidOn"), (#"{"createTime": "yesterday"}"#, ".createTime"), (#"{"text": "a""#, "byte"),
      (#"{"text": "\ud800"}"#, "surrogate"), ("[", "end"), (#"{"topics": ["a", 1]}"#, ".topics[1]"),
    ])
  func refused(json: String, mentions: String) {
    #expect {
      _ = try Claim(jsonText: json)
    } throws: { error in
      (error as? ProtoJSONError)?.description.contains(mentions) == true
    }
  }
}
