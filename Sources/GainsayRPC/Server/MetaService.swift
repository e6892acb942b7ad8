import GainsayProto

/// The built-in `gainsay.v1.Meta` service: `Describe` and `Health`.
struct BuiltInMetaService: RPCService {
  let serviceName = MetaService.name
  private let describe: DescribeResponse
  private let servedServices: Set<String>
  private let healthDetails: @Sendable (inout HealthResponse) -> Void

  init(
    configuration: RPCServerConfiguration, router: RPCRouter,
    healthDetails: @escaping @Sendable (inout HealthResponse) -> Void = { _ in }
  ) {
    self.healthDetails = healthDetails
    var served = router.serviceNames
    served.insert(MetaService.name)
    self.servedServices = served
    var methods = router.methods.map(Self.methodInfo)
    methods += MetaService.methods.map(Self.methodInfo)
    methods.sort { $0.name < $1.name }
    var describe = DescribeResponse()
    describe.serverVersion = configuration.serverVersion
    describe.protocolVersion = UInt32(ConnectionPreface.currentVersion)
    describe.methods = methods
    describe.descriptorSet = ProtoDescriptorSet.bytes
    describe.maxFrameSize = UInt32(clamping: configuration.maximumFrameSize)
    self.describe = describe
  }

  func registerMethods(with router: inout RPCRouter) {
    let describe = self.describe
    let served = servedServices
    let healthDetails = self.healthDetails
    router.registerInline(MetaService.describe) { _ in describe }
    router.registerInline(MetaService.health) { request in
      var response = HealthResponse()
      response.status = request.service.isEmpty || served.contains(request.service) ? .serving : .serviceUnknown
      if response.status == .serving && request.includeIntegrity { healthDetails(&response) }
      return response
    }
  }

  private static func methodInfo(_ method: AnyMethodDescriptor) -> MethodInfo {
    var info = MethodInfo()
    info.name = method.fullName
    info.requestType = method.requestType
    info.responseType = method.responseType
    info.streaming = method.streaming == .unary ? .unary : .serverStreaming
    return info
  }
}
