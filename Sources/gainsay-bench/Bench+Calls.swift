import GainsayRPC

/// Timing runs of calls: one after another, or spread over many connections at once.
extension Bench {
  static func sequential(_ count: Int, _ body: (Int) async throws -> Void) async throws -> Measurement {
    var samples: [Double] = []
    samples.reserveCapacity(count)
    let clock = ContinuousClock()
    let start = clock.now
    for index in 0..<count {
      let begin = clock.now
      try await body(index)
      samples.append((clock.now - begin).microseconds)
    }
    return Measurement(samples: samples, elapsed: clock.now - start)
  }

  static func concurrent(
    clients: Int, calls: Int, socket: String, _ body: @escaping @Sendable (RPCClient, Int) async throws -> Void
  ) async throws -> Measurement {
    try await concurrent(clients: clients, calls: calls, sockets: [socket], body)
  }

  /// `calls` calls over `clients` connections, spread round-robin over the daemons of `sockets`.
  static func concurrent(
    clients: Int, calls: Int, sockets: [String], _ body: @escaping @Sendable (RPCClient, Int) async throws -> Void
  ) async throws -> Measurement {
    try await concurrent(
      clients: clients, calls: calls,
      connect: { index in try await RPCClient.connect(socketPath: sockets[index % sockets.count]) },
      close: { await $0.close() }, body)
  }

  /// `calls` calls over `clients` connections made by `connect` (of either protocol).
  static func concurrent<Client: Sendable>(
    clients: Int, calls: Int, connect: (Int) async throws -> Client, close: (Client) async -> Void,
    _ body: @escaping @Sendable (Client, Int) async throws -> Void
  ) async throws -> Measurement {
    let connections = try await (0..<clients).asyncMap { index in try await connect(index) }
    let clock = ContinuousClock()
    let start = clock.now
    let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
      for (index, client) in connections.enumerated() {
        group.addTask {
          var samples: [Double] = []
          for call in stride(from: index, to: calls, by: clients) {
            let begin = clock.now
            try await body(client, call)
            let elapsed = clock.now - begin
            samples.append(elapsed.microseconds)
          }
          return samples
        }
      }
      var all: [Double] = []
      for try await part in group { all += part }
      return all
    }
    let elapsed = clock.now - start
    for connection in connections { await close(connection) }
    return Measurement(samples: samples, elapsed: elapsed)
  }
}

extension Bench {
  /// Runs `count` calls spread over `clients` connections and returns their results in call order.
  static func concurrentResults<T: Sendable>(
    clients: Int, count: Int, socket: String, _ body: @escaping @Sendable (RPCClient, Int) async throws -> T
  ) async throws -> [T] {
    let connections = try await (0..<clients).asyncMap { _ in try await RPCClient.connect(socketPath: socket) }
    defer { for connection in connections { Task { await connection.close() } } }
    return try await withThrowingTaskGroup(of: [(Int, T)].self) { group in
      for (index, client) in connections.enumerated() {
        group.addTask {
          var results: [(Int, T)] = []
          for call in stride(from: index, to: count, by: clients) {
            results.append((call, try await body(client, call)))
          }
          return results
        }
      }
      var all: [(Int, T)] = []
      for try await part in group { all += part }
      return all.sorted { $0.0 < $1.0 }.map(\.1)
    }
  }
}

extension Sequence {
  func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
    var result: [T] = []
    for element in self { result.append(try await transform(element)) }
    return result
  }
}
