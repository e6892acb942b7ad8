import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay status`: is the daemon up, and what does it speak?
struct Status: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Show whether gainsayd is serving, and its versions.")

  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    try await connection.run { session in
      let healthStatus = try await session.call(MetaService.health, HealthRequest())
      let description = try await session.call(MetaService.describe, DescribeRequest())
      let caller = try await session.call(LedgerService.getCaller, GetCallerRequest())
      if connection.json {
        let object: [String: Any] = [
          "socket": connection.socketPath,
          "status": healthStatus.status.protoName,
          "user": caller.actor?.userName ?? "",
          "role": caller.role.protoName,
          "serverVersion": description.serverVersion,
          "protocolVersion": description.protocolVersion,
          "methods": description.methods.count,
          "maxFrameSize": description.maxFrameSize,
        ]
        Output.line(try jsonLine(object))
      } else {
        let serving = healthStatus.status == .serving ? "serving" : healthStatus.status.protoName
        let role = caller.role.protoName.replacingOccurrences(of: "ROLE_", with: "").lowercased()
        Output.line("gainsayd \(description.serverVersion) at \(connection.socketPath): \(serving)")
        Output.line(
          "you are \(caller.actor?.userName ?? "?") (uid \(caller.actor?.uid ?? 0)), role: \(role == "unspecified" ? "none" : role)"
        )
        Output.line(
          "protocol \(description.protocolVersion), \(description.methods.count) methods, frames up to \(description.maxFrameSize) bytes"
        )
      }
    }
  }
}

/// One JSON object on one line, keys sorted.
func jsonLine(_ object: [String: Any]) throws -> String {
  let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
  return String(decoding: data, as: UTF8.self)
}
