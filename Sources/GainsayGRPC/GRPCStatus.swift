import Foundation
import GainsayProto
import NIOHPACK

/// How a call's end is written as gRPC trailers: `grpc-status`, the percent-encoded `grpc-message`, and
/// for errors `grpc-status-details-bin`, a `google.rpc.Status` whose details carry the same facts as our
/// framing's `RpcStatus`: `google.rpc.ErrorInfo` (reason, domain `gainsay.v1`, the resource), and
/// `google.rpc.BadRequest` with the field violations.
enum GRPCStatus {
  /// The error domain named in every `google.rpc.ErrorInfo`.
  static let errorDomain = "gainsay.v1"

  /// The trailers ending a call with `status`; `trailersOnly` adds the response head (`:status`,
  /// `content-type`) for a call that sent no response before it.
  static func trailers(_ status: RpcStatus, trailersOnly: Bool) -> HPACKHeaders {
    var headers = trailersOnly ? GRPCStatus.responseHead : HPACKHeaders()
    headers.add(name: "grpc-status", value: String(status.code))
    if !status.message.isEmpty {
      headers.add(name: "grpc-message", value: percentEncoded(status.message))
    }
    if status.code != 0 {
      let details = Data(richStatus(status)).base64EncodedString()
      // gRPC sends binary metadata unpadded.
      headers.add(name: "grpc-status-details-bin", value: String(details.prefix { $0 != "=" }))
    }
    return headers
  }

  /// The response head of every call the server answers.
  static let responseHead: HPACKHeaders = [
    ":status": "200", "content-type": "application/grpc", "grpc-accept-encoding": "identity",
  ]

  /// `grpc-message`'s encoding: bytes outside printable ASCII, and `%`, as `%XX`.
  static func percentEncoded(_ message: String) -> String {
    var encoded = ""
    encoded.reserveCapacity(message.utf8.count)
    for byte in message.utf8 {
      if byte >= 0x20 && byte <= 0x7e && byte != UInt8(ascii: "%") {
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        encoded += String(format: "%%%02X", byte)
      }
    }
    return encoded
  }

  /// The serialized `google.rpc.Status` of `status`.
  static func richStatus(_ status: RpcStatus) -> [UInt8] {
    var message: [UInt8] = []
    ProtoWire.writeVarintField(1, UInt64(bitPattern: Int64(status.code)), to: &message)
    if !status.message.isEmpty { ProtoWire.writeStringField(2, status.message, to: &message) }
    if !status.reason.isEmpty || !status.resource.isEmpty {
      var info: [UInt8] = []
      if !status.reason.isEmpty { ProtoWire.writeStringField(1, status.reason, to: &info) }
      ProtoWire.writeStringField(2, errorDomain, to: &info)
      if !status.resource.isEmpty {
        var entry: [UInt8] = []
        ProtoWire.writeStringField(1, "resource", to: &entry)
        ProtoWire.writeStringField(2, status.resource, to: &entry)
        ProtoWire.writeBytesField(3, entry, to: &info)
      }
      ProtoWire.writeBytesField(3, any("type.googleapis.com/google.rpc.ErrorInfo", info), to: &message)
    }
    if !status.fieldViolations.isEmpty {
      var badRequest: [UInt8] = []
      for violation in status.fieldViolations {
        var entry: [UInt8] = []
        ProtoWire.writeStringField(1, violation.field, to: &entry)
        ProtoWire.writeStringField(2, violation.description, to: &entry)
        ProtoWire.writeBytesField(1, entry, to: &badRequest)
      }
      ProtoWire.writeBytesField(3, any("type.googleapis.com/google.rpc.BadRequest", badRequest), to: &message)
    }
    return message
  }

  /// A `google.protobuf.Any` holding `value` of `typeURL`.
  private static func any(_ typeURL: String, _ value: [UInt8]) -> [UInt8] {
    var any: [UInt8] = []
    ProtoWire.writeStringField(1, typeURL, to: &any)
    ProtoWire.writeBytesField(2, value, to: &any)
    return any
  }
}
