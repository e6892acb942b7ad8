import FuzzDriver
import GainsayProto
import Glibc

/// Decodes `bytes` as `type`; when they decode, the message must survive an encode/decode round trip.
func roundTrip<Message: ProtoMessage>(_ type: Message.Type, _ bytes: UnsafeRawBufferPointer) {
  guard let message = try? Message(decoding: bytes) else { return }
  let encoded = message.serializedBytes()
  guard let again = try? Message(serializedBytes: encoded) else {
    fatalError("\(Message.protoMessageName): its own encoding does not decode")
  }
  guard again == message else { fatalError("\(Message.protoMessageName): the round trip changed the message") }
}

/// Every request message of the contract, and the two envelopes the server decodes first.
let decoders: [@Sendable (UnsafeRawBufferPointer) -> Void] = [
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

/// libFuzzer's entry point: the first byte picks the message type, the rest is its encoding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
  decoders[Int(data[0]) % decoders.count](bytes)
  return 0
}

/// SwiftPM links executables through their own `main`: hand the command line to libFuzzer's driver.
@main
enum Main {
  static func main() {
    runLibFuzzer { fuzzMessage($0, $1) }
  }
}
