import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay status`: is the daemon up, and what does it speak?
struct Status: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Show whether gainsayd is serving, and its versions.")

  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    try await runReportingErrors {
      let (health, description) = try await connection.withClient { client in
        async let health = client.call(MetaService.health, HealthRequest(), options: connection.callOptions)
        async let description = client.call(MetaService.describe, DescribeRequest(), options: connection.callOptions)
        return try await (health, description)
      }
      if connection.json {
        let object: [String: Any] = [
          "socket": connection.socketPath,
          "status": health.status.protoName,
          "serverVersion": description.serverVersion,
          "protocolVersion": description.protocolVersion,
          "methods": description.methods.count,
          "maxFrameSize": description.maxFrameSize,
        ]
        print(try jsonLine(object))
      } else {
        let serving = health.status == .serving ? "serving" : health.status.protoName
        print("gainsayd \(description.serverVersion) at \(connection.socketPath): \(serving)")
        print(
          "protocol \(description.protocolVersion), \(description.methods.count) methods, frames up to \(description.maxFrameSize) bytes"
        )
      }
    }
  }
}

/// Runs a command body, printing a `CLIError` as one line on stderr and exiting with its code.
func runReportingErrors(_ body: () async throws -> Void) async throws {
  do {
    try await body()
  } catch let error as CLIError {
    FileHandle.standardError.write(Data((error.description + "\n").utf8))
    throw error.exitCode
  }
}

/// One JSON object on one line, keys sorted.
func jsonLine(_ object: [String: Any]) throws -> String {
  let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
  return String(decoding: data, as: UTF8.self)
}
