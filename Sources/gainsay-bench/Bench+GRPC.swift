import GainsayProto

/// The same calls over the daemon's gRPC socket (HTTP/2), beside our framing's rows in the one run.
extension Bench {
  /// Health (`gainsay.v1.Meta/Health`) and GetClaim with 1 and 8 gRPC clients, on the gRPC socket
  /// beside `socket`; `ids` are claims to read.
  static func measureGRPCCalls(socket: String, ids: [String], calls: Int, into results: inout Results) async throws {
    let path = String(socket.dropLast(".sock".count)) + ".grpc.sock"
    let client = try await GRPCBenchClient.connect(path: path)
    defer { Task { await client.close() } }
    // Warm the connection up (HTTP/2 settings exchange) before timing.
    for _ in 0..<100 { _ = try await client.call(MetaService.health, HealthRequest()) }
    results.append(
      (
        "gRPC: Health, 1 client", "—",
        try await sequential(calls) { _ in _ = try await client.call(MetaService.health, HealthRequest()) }
      ))
    results.append(
      (
        "gRPC: Health, 8 clients", "—",
        try await concurrent(
          clients: 8, calls: calls, connect: { _ in try await GRPCBenchClient.connect(path: path) },
          close: { await $0.close() }
        ) { client, _ in _ = try await client.call(MetaService.health, HealthRequest()) }
      ))
    results.append(
      (
        "gRPC: GetClaim, 1 client", "—",
        try await sequential(calls) { index in
          var request = GetClaimRequest()
          request.id = ids[index % ids.count]
          _ = try await client.call(LedgerService.getClaim, request)
        }
      ))
    results.append(
      (
        "gRPC: GetClaim, 8 clients", "—",
        try await concurrent(
          clients: 8, calls: calls, connect: { _ in try await GRPCBenchClient.connect(path: path) },
          close: { await $0.close() }
        ) { client, index in
          var request = GetClaimRequest()
          request.id = ids[index % ids.count]
          _ = try await client.call(LedgerService.getClaim, request)
        }
      ))
  }
}
