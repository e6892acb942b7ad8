import ArgumentParser
import Foundation
import GainsayRPC

/// The options every command that talks to the daemon shares.
struct ConnectionOptions: ParsableArguments {
  @Option(help: "The daemon's socket (env GAINSAY_SOCKET; default $XDG_RUNTIME_DIR/gainsay/gainsayd.sock).")
  var socket: String?

  @Option(help: "Give up after this many seconds.")
  var timeout: Double = 30

  @Flag(help: "Print JSON instead of text.")
  var json = false

  var socketPath: String { socket ?? DefaultSocketPath.resolved }

  var callOptions: CallOptions { CallOptions(timeout: .milliseconds(Int64(timeout * 1000))) }

  /// Connects, runs `body`, and turns RPC errors into one line on stderr and exit code 64 + status code.
  func withClient<Result>(_ body: (RPCClient) async throws -> Result) async throws -> Result {
    let client: RPCClient
    do {
      client = try await RPCClient.connect(socketPath: socketPath)
    } catch {
      throw CLIError(code: .unavailable, message: "cannot reach gainsayd at \(socketPath) — is it running?")
    }
    defer { Task { await client.close() } }
    do {
      return try await body(client)
    } catch let error as RPCError {
      throw CLIError(code: error.code, message: error.message)
    }
  }
}

/// A failed command: printed as one line on stderr, exit code 64 + the gRPC status code.
struct CLIError: Error, CustomStringConvertible {
  let code: RPCStatusCode
  let message: String

  var description: String { "gainsay: \(code.name): \(message)" }
  var exitCode: ExitCode { ExitCode(64 + code.rawValue) }
}
