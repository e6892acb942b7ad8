import ArgumentParser

/// `gainsay`: the journalists' command-line client.
@main
struct Gainsay: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gainsay",
    abstract: "Log what officials say and the reporting that contradicts it.",
    version: "0.1.0",
    subcommands: [Status.self, Describe.self]
  )
}
