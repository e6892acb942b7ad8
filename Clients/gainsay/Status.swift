import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay status`: is the daemon up, and what does it speak?
struct Status: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show whether gainsayd is serving, its versions, and your role.",
    discussion: """
      A user without a role learns that they have none (exit 71, PERMISSION_DENIED).

      EXAMPLES:
        gainsay status
        gainsay --socket /run/gainsay/gainsayd.sock status
      """)

  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    try await connection.run { session in
      // Who we are first: a user without a role gets one call before the daemon closes the connection.
      let caller = try await session.call(LedgerService.getCaller, GetCallerRequest())
      if caller.role == .unspecified {
        throw CLIError(
          code: .permissionDenied,
          message:
            "gainsayd at \(connection.endpoint) is up, but you (\(caller.actor?.userName ?? "?"), uid "
            + "\(caller.actor?.uid ?? 0)) have no role on it: ask its administrator for one (docs/OPERATIONS.md)")
      }
      var healthRequest = HealthRequest()
      healthRequest.includeIntegrity = true
      let healthStatus = try await session.call(MetaService.health, healthRequest)
      let description = try await session.call(MetaService.describe, DescribeRequest())
      if connection.json {
        let object = JSONValue.object([
          ("socket", .string(connection.endpoint)),
          ("status", .string(healthStatus.status.protoName)),
          ("user", .string(caller.actor?.userName ?? "")),
          ("role", .string(caller.role.protoName)),
          ("serverVersion", .string(description.serverVersion)),
          ("protocolVersion", .integer(Int64(description.protocolVersion))),
          ("methods", .integer(Int64(description.methods.count))),
          ("maxFrameSize", .integer(Int64(description.maxFrameSize))),
          ("integrity", healthStatus.integrity.map(IntegrityText.json) ?? .null),
        ])
        Output.jsonLine(object.serialized())
      } else {
        let serving = healthStatus.status == .serving ? "serving" : healthStatus.status.protoName
        let role = caller.role.protoName.replacingOccurrences(of: "ROLE_", with: "").lowercased()
        Output.line("gainsayd \(description.serverVersion) at \(connection.endpoint): \(serving)")
        Output.line(
          "you are \(caller.actor?.userName ?? "?") (uid \(caller.actor?.uid ?? 0)), role: \(role == "unspecified" ? "none" : role)"
        )
        Output.line(
          "protocol \(description.protocolVersion), \(description.methods.count) methods, frames up to \(description.maxFrameSize) bytes"
        )
        if let integrity = healthStatus.integrity { Output.line(IntegrityText.summary(integrity)) }
      }
    }
  }
}
