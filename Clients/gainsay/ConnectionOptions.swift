import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// The options every command that talks to the daemon shares.
struct ConnectionOptions: ParsableArguments {
  @Option(help: "The daemon's socket (env GAINSAY_SOCKET; default $XDG_RUNTIME_DIR/gainsay/gainsayd.sock).")
  var socket: String?

  @Option(
    help: ArgumentHelp(
      "Another host's daemon, through ssh: ssh://[user@]host[:port][/path/to/gainsayd.sock] (env GAINSAY_HOST).",
      valueName: "url"))
  var host: String?

  @Option(help: "Give up after this many seconds.")
  var timeout: Double = 30

  @Flag(help: "Print JSON (one object; JSON Lines for lists and streams) instead of text.")
  var json = false

  var socketPath: String { socket ?? DefaultSocketPath.resolved }

  /// `--host`, else `$GAINSAY_HOST`; nil (the local socket) when neither is set or `--socket` is given.
  var remoteHost: String? {
    if let host { return host }
    guard socket == nil, let host = ProcessInfo.processInfo.environment["GAINSAY_HOST"], !host.isEmpty else {
      return nil
    }
    return host
  }

  /// Where the daemon is, for messages: the socket, or the ssh URL.
  var endpoint: String { remoteHost ?? socketPath }

  var callOptions: CallOptions {
    CallOptions(timeout: timeout > 0 ? .milliseconds(Int64(timeout * 1000)) : nil, metadata: ["client": "gainsay"])
  }

  func validate() throws {
    guard timeout >= 0, timeout.isFinite else { throw ValidationError("--timeout must be a number of seconds") }
    if host != nil && socket != nil {
      throw ValidationError("--host and --socket name two daemons; give one (--socket after the ssh URL's host: ssh://host/path)")
    }
  }

  /// Connects, runs `body`, and turns failures into one line on stderr and exit code 64 + status code.
  /// A socket that fails ``SocketCheck`` is refused before connecting (FAILED_PRECONDITION, exit 73).
  func run(_ body: (Session) async throws -> Void) async throws {
    if let remoteHost {
      return try await runRemote(remoteHost, body)
    }
    do {
      try SocketCheck.verify(socketPath)
      let client: RPCClient
      do {
        client = try await RPCClient.connect(socketPath: socketPath)
      } catch {
        throw CLIError(code: .unavailable, message: "cannot reach gainsayd at \(socketPath) — is it running?")
      }
      defer { Task { await client.close() } }
      do {
        try await body(Session(client: client, options: self))
      } catch let error as RPCError {
        // The daemon went away mid-command: say so the same way as when it was never there.
        if error.code == .unavailable && error.reason == "CONNECTION_CLOSED" {
          throw CLIError(code: .unavailable, message: "cannot reach gainsayd at \(socketPath) — is it running?")
        }
        throw CLIError(code: error.code, message: error.message)
      }
    } catch let error as CLIError {
      Output.error(error.description)
      throw error.exitCode
    }
  }
}

extension ConnectionOptions {
  /// ``run(_:)`` against another host's daemon, through ``SSHTransport``.
  func runRemote(_ url: String, _ body: (Session) async throws -> Void) async throws {
    do {
      let transport = try await SSHTransport.open(try SSHTarget(parsing: url))
      var failure: (any Error)?
      do {
        try await body(Session(client: transport.client, options: self))
      } catch let error as RPCError
        where error.code == .unavailable && ["CONNECTION_CLOSED", "CONNECTION_ERROR"].contains(error.reason)
      {
        // ssh or the relay ended: what they said is the explanation.
        failure = await transport.failure()
      } catch let error as RPCError {
        failure = CLIError(code: error.code, message: error.message)
      } catch {
        failure = error
      }
      await transport.close()
      if let failure { throw failure }
    } catch let error as CLIError {
      Output.error(error.description)
      throw error.exitCode
    }
  }
}

/// A connection and the options of the command using it.
struct Session {
  let client: RPCClient
  let options: ConnectionOptions

  func call<Request, Response>(
    _ method: MethodDescriptor<Request, Response>, _ request: Request
  ) async throws -> Response {
    try await client.call(method, request, options: options.callOptions)
  }

  func stream<Request, Response>(
    _ method: MethodDescriptor<Request, Response>, _ request: Request
  ) -> RPCResponseStream<Response> {
    client.stream(method, request, options: options.callOptions)
  }
}

/// A failed command: printed as one line on stderr, exit code 64 + the gRPC status code.
struct CLIError: Error, CustomStringConvertible {
  let code: RPCStatusCode
  let message: String

  var description: String { "gainsay: \(code.name): \(message)" }
  var exitCode: ExitCode { ExitCode(64 + code.rawValue) }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, keeping the precision.
func parseDate(_ text: String, option: String) throws -> PartialDate {
  guard let date = PartialDate(iso: text) else {
    throw ValidationError("\(option): \"\(text)\" is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
  }
  return date
}

/// Text from an argument, or standard input when it is "-".
func readArgument(_ value: String) throws -> String {
  guard value == "-" else { return value }
  let data = FileHandle.standardInput.readDataToEndOfFile()
  guard let text = String(data: data, encoding: .utf8) else {
    throw ValidationError("standard input is not UTF-8 text")
  }
  return text.trimmingCharacters(in: .newlines)
}
