import Foundation
import GainsayProto
import GainsayRPC
import NIOCore
import NIOEmbedded
import Testing

/// Replays every input of the fuzzers' committed corpus (`Tests/Fuzz/Corpus`, seeds and the crashers
/// `Scripts/fuzz` found) through the same checks the fuzzers make, so a fixed crash stays fixed.
@Suite("fuzz corpus")
struct FuzzCorpusTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

  static func inputs(_ name: String) throws -> [(String, [UInt8])] {
    let directory = corpus.appendingPathComponent(name)
    return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map {
      ($0, Array(try Data(contentsOf: directory.appendingPathComponent($0))))
    }
  }

  // MARK: - Messages (as Tests/Fuzz/Sources/MessageFuzz: the same order of types)

  static func roundTrip<Message: ProtoMessage>(_ type: Message.Type, _ bytes: [UInt8]) -> String? {
    guard let message = try? Message(serializedBytes: bytes) else { return nil }
    guard let again = try? Message(serializedBytes: message.serializedBytes()) else {
      return "\(Message.protoMessageName): its own encoding does not decode"
    }
    return again == message ? nil : "\(Message.protoMessageName): the round trip changed the message"
  }

  static let decoders: [@Sendable ([UInt8]) -> String?] = [
    { roundTrip(RpcCall.self, $0) }, { roundTrip(RpcStatus.self, $0) },
    { roundTrip(AddSpeakerAliasRequest.self, $0) }, { roundTrip(BackupRequest.self, $0) },
    { roundTrip(BeginImportRequest.self, $0) }, { roundTrip(CreateClaimRequest.self, $0) },
    { roundTrip(CreateLinkRequest.self, $0) }, { roundTrip(CreateSourceRequest.self, $0) },
    { roundTrip(CreateSpeakerRequest.self, $0) }, { roundTrip(CreateVerdictRequest.self, $0) },
    { roundTrip(DescribeRequest.self, $0) }, { roundTrip(ExportRequest.self, $0) },
    { roundTrip(FinishImportRequest.self, $0) }, { roundTrip(GenerateReportRequest.self, $0) },
    { roundTrip(GetCallerRequest.self, $0) }, { roundTrip(GetClaimRequest.self, $0) },
    { roundTrip(GetLinkRequest.self, $0) }, { roundTrip(GetRatingScaleRequest.self, $0) },
    { roundTrip(GetSourceRequest.self, $0) }, { roundTrip(GetSpeakerRequest.self, $0) },
    { roundTrip(HealthRequest.self, $0) }, { roundTrip(ImportRecordsRequest.self, $0) },
    { roundTrip(ListAuditEventsRequest.self, $0) }, { roundTrip(ListClaimRevisionsRequest.self, $0) },
    { roundTrip(ListClaimsRequest.self, $0) }, { roundTrip(ListLinksRequest.self, $0) },
    { roundTrip(ListSourcesRequest.self, $0) }, { roundTrip(ListSpeakersRequest.self, $0) },
    { roundTrip(ListVerdictsRequest.self, $0) }, { roundTrip(RemoveSpeakerAliasRequest.self, $0) },
    { roundTrip(RetractClaimRequest.self, $0) }, { roundTrip(SearchRequest.self, $0) },
    { roundTrip(SuggestEvidenceRequest.self, $0) }, { roundTrip(UpdateClaimRequest.self, $0) },
    { roundTrip(UpdateSourceRequest.self, $0) }, { roundTrip(UpdateSpeakerRequest.self, $0) },
    { roundTrip(WatchRequest.self, $0) }, { roundTrip(WithdrawLinkRequest.self, $0) },
  ]

  @Test("every message input decodes or is refused, and what decodes round-trips")
  func messages() throws {
    let inputs = try Self.inputs("messages")
    #expect(!inputs.isEmpty)
    for (name, bytes) in inputs where !bytes.isEmpty {
      let problem = Self.decoders[Int(bytes[0]) % Self.decoders.count](Array(bytes.dropFirst()))
      #expect(problem == nil, "\(name): \(problem ?? "")")
    }
  }

  // MARK: - Frames (as Tests/Fuzz/Sources/FrameFuzz)

  static func decode(_ bytes: [UInt8], chunks: [Int]) throws -> [String] {
    let channel = EmbeddedChannel(
      handler: ByteToMessageHandler(FrameDecoder(expectsPreface: true, maximumPayloadSize: 256)))
    var offset = 0
    var index = 0
    while offset < bytes.count {
      let end = min(bytes.count, offset + max(1, chunks.isEmpty ? bytes.count : chunks[index % chunks.count]))
      try channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
      offset = end
      index += 1
    }
    _ = try? channel.finish()
    var seen: [String] = []
    while let event = try channel.readInbound(as: FrameDecoder.Event.self) {
      switch event {
      case .preface(let version): seen.append("preface \(version)")
      case .frame(let frame):
        seen.append(
          "frame \(frame.streamID) \(frame.type) \(frame.flags.rawValue) \(Array(frame.payload.readableBytesView))")
        if frame.type == .request { _ = try? frame.payload.decodeProtoMessage(as: RpcCall.self) }
      case .oversizedFrame(let header): seen.append("oversized \(header.streamID) \(header.length) \(header.type)")
      case .protocolViolation: seen.append("violation")
      }
    }
    return seen
  }

  @Test("every frame input decodes the same in one piece and in chunks")
  func frames() throws {
    let inputs = try Self.inputs("frames")
    #expect(!inputs.isEmpty)
    for (name, input) in inputs where !input.isEmpty {
      let control = input[0]
      let bytes = (control & 1 == 0 ? ConnectionPreface.bytes() : []) + input.dropFirst()
      let whole = try Self.decode(bytes, chunks: [])
      let chunked = try Self.decode(bytes, chunks: [Int(control >> 1) % 17 + 1, 64])
      #expect(whole == chunked, "\(name)")
    }
  }
}
