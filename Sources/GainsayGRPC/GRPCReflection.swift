import GainsayProto

/// Server reflection (`grpc.reflection.v1` and `v1alpha`, the same messages): what `grpcurl list`,
/// `grpcurl describe` and other tools ask a server to learn its services without a `.proto` at hand.
///
/// Answers come from the descriptor sets compiled into the daemon: `gainsay.v1`'s (the one `Describe`
/// serves) and the gRPC built-ins' (health and reflection).
struct GRPCReflection: Sendable {
  /// Serialized `FileDescriptorProto`s by file name.
  private var files: [String: [UInt8]] = [:]
  /// The files each file imports.
  private var dependencies: [String: [String]] = [:]
  /// The file defining each fully qualified symbol: messages (nested too), enums, services and methods.
  private var symbols: [String: String] = [:]
  /// The services listed, sorted.
  let services: [String]

  /// An index of `descriptorSets` (serialized `FileDescriptorSet`s) listing `services`.
  init(descriptorSets: [[UInt8]], services: [String]) {
    self.services = services.sorted()
    for set in descriptorSets {
      // The sets are compiled in; a malformed one is a build error, caught by the tests.
      for (number, value) in (try? ProtoWire.fields(of: set[...])) ?? [] {
        guard number == 1, case .bytes(let file) = value else { continue }
        index(file: file)
      }
    }
  }

  private mutating func index(file: ArraySlice<UInt8>) {
    guard let fields = try? ProtoWire.fields(of: file) else { return }
    var name = ""
    var package = ""
    var imports: [String] = []
    var definitions: [(kind: UInt64, bytes: ArraySlice<UInt8>)] = []
    for (number, value) in fields {
      switch number {
      case 1: name = ProtoWire.string(value) ?? ""
      case 2: package = ProtoWire.string(value) ?? ""
      case 3: ProtoWire.string(value).map { imports.append($0) }
      case 4, 5, 6: if case .bytes(let bytes) = value { definitions.append((number, bytes)) }
      default: break
      }
    }
    guard !name.isEmpty else { return }
    files[name] = Array(file)
    dependencies[name] = imports
    let prefix = package.isEmpty ? "" : package + "."
    for definition in definitions {
      addSymbols(of: definition.bytes, kind: definition.kind, prefix: prefix, file: name)
    }
  }

  /// Adds a message (4, with its nested messages and enums), enum (5) or service (6, with its methods).
  private mutating func addSymbols(of bytes: ArraySlice<UInt8>, kind: UInt64, prefix: String, file: String) {
    guard let fields = try? ProtoWire.fields(of: bytes),
      let name = fields.first(where: { $0.number == 1 }).flatMap({ ProtoWire.string($0.value) })
    else { return }
    let symbol = prefix + name
    symbols[symbol] = file
    for (number, value) in fields {
      guard case .bytes(let nested) = value else { continue }
      switch (kind, number) {
      case (4, 3): addSymbols(of: nested, kind: 4, prefix: symbol + ".", file: file)
      case (4, 4): addSymbols(of: nested, kind: 5, prefix: symbol + ".", file: file)
      case (6, 2):
        if let method = (try? ProtoWire.fields(of: nested))?.first(where: { $0.number == 1 }),
          let methodName = ProtoWire.string(method.value)
        {
          symbols[symbol + "." + methodName] = file
        }
      default: break
      }
    }
  }

  /// The serialized `ServerReflectionResponse` answering the serialized `request`.
  func answer(_ request: ArraySlice<UInt8>) -> [UInt8] {
    var response: [UInt8] = []
    guard let fields = try? ProtoWire.fields(of: request) else {
      return Self.error(3, "the request is not a valid ServerReflectionRequest", request: [], into: &response)
    }
    if let host = fields.first(where: { $0.number == 1 }).flatMap({ ProtoWire.string($0.value) }) {
      ProtoWire.writeStringField(1, host, to: &response)
    }
    ProtoWire.writeBytesField(2, request, to: &response)
    guard let query = fields.last(where: { (3...7).contains($0.number) }) else {
      return Self.error(3, "the request asks nothing: set one of its message_request fields", into: &response)
    }
    let argument = ProtoWire.string(query.value) ?? ""
    switch query.number {
    case 3:
      guard files[argument] != nil else { return Self.error(5, "no file named \(argument)", into: &response) }
      return fileDescriptors(for: argument, into: &response)
    case 4:
      guard let file = symbols[argument] else { return Self.error(5, "no symbol named \(argument)", into: &response) }
      return fileDescriptors(for: file, into: &response)
    case 5:
      return Self.error(5, "this server defines no extensions", into: &response)
    case 6:
      guard symbols[argument] != nil else { return Self.error(5, "no type named \(argument)", into: &response) }
      var numbers: [UInt8] = []
      ProtoWire.writeStringField(1, argument, to: &numbers)
      ProtoWire.writeBytesField(5, numbers, to: &response)
      return response
    default:
      var list: [UInt8] = []
      for service in services {
        var entry: [UInt8] = []
        ProtoWire.writeStringField(1, service, to: &entry)
        ProtoWire.writeBytesField(1, entry, to: &list)
      }
      ProtoWire.writeBytesField(6, list, to: &response)
      return response
    }
  }

  /// A `file_descriptor_response` with `file` first, then every file it imports, directly or not.
  private func fileDescriptors(for file: String, into response: inout [UInt8]) -> [UInt8] {
    var order: [String] = []
    var seen: Set<String> = []
    var pending = [file]
    while let next = pending.popLast() {
      guard seen.insert(next).inserted, files[next] != nil else { continue }
      order.append(next)
      pending.append(contentsOf: (dependencies[next] ?? []).reversed())
    }
    var descriptors: [UInt8] = []
    for name in order { ProtoWire.writeBytesField(1, files[name]!, to: &descriptors) }
    ProtoWire.writeBytesField(4, descriptors, to: &response)
    return response
  }

  private static func error(
    _ code: Int32, _ message: String, request: [UInt8]? = nil, into response: inout [UInt8]
  ) -> [UInt8] {
    if let request { ProtoWire.writeBytesField(2, request, to: &response) }
    var error: [UInt8] = []
    ProtoWire.writeVarintField(1, UInt64(code), to: &error)
    ProtoWire.writeStringField(2, message, to: &error)
    ProtoWire.writeBytesField(7, error, to: &response)
    return response
  }

  /// The reflection services, both versions.
  static let serviceNames = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]
  /// Their one method's paths.
  static let methodNames: Set<String> = Set(serviceNames.map { $0 + "/ServerReflectionInfo" })
}
