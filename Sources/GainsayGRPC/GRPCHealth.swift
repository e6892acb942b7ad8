/// `grpc.health.v1.Health`: the standard health service load balancers, orchestrators and `grpc_health_probe`
/// ask. A service is SERVING while the daemon runs and NOT_SERVING once it has begun to shut down.
struct GRPCHealth: Sendable {
  static let serviceName = "grpc.health.v1.Health"

  /// The health methods, by full name.
  enum Method: String, Sendable {
    case check = "grpc.health.v1.Health/Check"
    case list = "grpc.health.v1.Health/List"
    case watch = "grpc.health.v1.Health/Watch"
  }

  /// `HealthCheckResponse.ServingStatus`.
  enum ServingStatus: UInt64 {
    case serving = 1
    case notServing = 2
    case serviceUnknown = 3
  }

  /// The services whose health is reported ("" stands for the server as a whole).
  let services: Set<String>

  /// The status of `service`, or nil if the server does not serve it.
  func status(of service: String, draining: Bool) -> ServingStatus? {
    guard service.isEmpty || services.contains(service) else { return nil }
    return draining ? .notServing : .serving
  }

  /// The `service` a serialized `HealthCheckRequest` asks about.
  static func service(in request: ArraySlice<UInt8>) throws -> String {
    let fields = try ProtoWire.fields(of: request)
    return fields.last(where: { $0.number == 1 }).flatMap { ProtoWire.string($0.value) } ?? ""
  }

  /// A serialized `HealthCheckResponse`.
  static func response(_ status: ServingStatus) -> [UInt8] {
    var bytes: [UInt8] = []
    ProtoWire.writeVarintField(1, status.rawValue, to: &bytes)
    return bytes
  }

  /// A serialized `HealthListResponse`: every service and its status.
  func list(draining: Bool) -> [UInt8] {
    var bytes: [UInt8] = []
    for service in ([""] + services.sorted()) {
      var entry: [UInt8] = []
      ProtoWire.writeStringField(1, service, to: &entry)
      ProtoWire.writeBytesField(2, Self.response(draining ? .notServing : .serving), to: &entry)
      ProtoWire.writeBytesField(1, entry, to: &bytes)
    }
    return bytes
  }
}
