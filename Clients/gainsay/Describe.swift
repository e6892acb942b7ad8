import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay describe`: the methods the daemon serves, and its descriptor set for other tools.
struct Describe: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every method the daemon serves.",
    discussion: """
      With --descriptor-set-out, also saves the daemon's compiled protobuf descriptor set, which \
      `protoc --descriptor_set_in=FILE --encode/--decode` uses to speak the protocol from a shell.

      EXAMPLES:
        gainsay describe --descriptor-set-out gainsay.protoset
      """
  )

  @OptionGroup var connection: ConnectionOptions

  @Option(help: "Write the serialized FileDescriptorSet to this file.")
  var descriptorSetOut: String?

  func run() async throws {
    try await connection.run { session in
      let description = try await session.call(MetaService.describe, DescribeRequest())
      if let descriptorSetOut {
        try Data(description.descriptorSet).write(to: URL(fileURLWithPath: descriptorSetOut))
      }
      if connection.json {
        for method in description.methods { Output.json(method) }
      } else {
        let width = description.methods.map(\.name.count).max() ?? 0
        for method in description.methods {
          let kind = method.streaming == .serverStreaming ? "stream " : ""
          let name = method.name.padding(toLength: width, withPad: " ", startingAt: 0)
          Output.line("\(name)  \(method.requestType) → \(kind)\(method.responseType)")
        }
      }
    }
  }
}
