import Foundation
import GainsayRPC
import Synchronization

/// A connection to another host's daemon through `ssh`, which runs `gainsay relay` there: the protocol
/// goes over ssh's standard input and output, and the caller is whoever ssh logs in as.
///
/// The ssh program is `$GAINSAY_SSH_COMMAND` (split on spaces, as `GIT_SSH_COMMAND` is, without a
/// shell), else `ssh`; the remote program is `$GAINSAY_REMOTE_GAINSAY`, else `gainsay` on the remote
/// PATH. What ssh says on its standard error is kept, and its last line explains a failure.
final class SSHTransport: Sendable {
  let target: SSHTarget
  let client: RPCClient
  private let process: Process
  private let diagnostics: Diagnostics

  private init(target: SSHTarget, client: RPCClient, process: Process, diagnostics: Diagnostics) {
    self.target = target
    self.client = client
    self.process = process
    self.diagnostics = diagnostics
  }

  /// Starts ssh and speaks the protocol over it. Nothing is known to work until the first answer:
  /// a failed login or a missing daemon shows as the connection closing, explained by ``failure()``.
  static func open(_ target: SSHTarget) async throws -> SSHTransport {
    let environment = ProcessInfo.processInfo.environment
    let ssh = (environment["GAINSAY_SSH_COMMAND"].map { $0.split(separator: " ").map(String.init) } ?? [])
      .filter { !$0.isEmpty }
    let remote = environment["GAINSAY_REMOTE_GAINSAY"].flatMap { $0.isEmpty ? nil : $0 } ?? "gainsay"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = (ssh.isEmpty ? ["ssh"] : ssh) + target.sshArguments(remoteGainsay: remote)
    let toSSH = Pipe()
    let fromSSH = Pipe()
    let errors = Pipe()
    process.standardInput = toSSH
    process.standardOutput = fromSSH
    process.standardError = errors
    let diagnostics = Diagnostics()
    errors.fileHandleForReading.readabilityHandler = { handle in
      let data = handle.availableData
      if data.isEmpty {
        handle.readabilityHandler = nil
        diagnostics.finish()
      } else {
        diagnostics.append(data)
      }
    }
    do {
      try process.run()
    } catch {
      throw CLIError(code: .unavailable, message: "cannot run \(ssh.first ?? "ssh") to reach \(target.url): \(error)")
    }
    // Our ends, for NIO to own; the child's ends are closed here, so each side sees the other leave.
    let output = dup(toSSH.fileHandleForWriting.fileDescriptor)
    let input = dup(fromSSH.fileHandleForReading.fileDescriptor)
    try? toSSH.fileHandleForWriting.close()
    try? fromSSH.fileHandleForReading.close()
    try? toSSH.fileHandleForReading.close()
    try? fromSSH.fileHandleForWriting.close()
    try? errors.fileHandleForWriting.close()
    do {
      let client = try await RPCClient.connect(input: input, output: output, peer: target.url)
      return SSHTransport(target: target, client: client, process: process, diagnostics: diagnostics)
    } catch {
      // ssh ended before the preface was out (it could not even start the session).
      throw await explain(target, process, diagnostics)
    }
  }

  /// Closes the connection and waits (at most 5 s) for ssh to end, then stops it.
  func close() async {
    await client.close()
    if await Self.waitForExit(process, within: .seconds(5)) == nil { process.terminate() }
  }

  /// Why the connection ended, once ssh has: the last line ssh (or the remote relay) printed, else its
  /// exit status. A remote `gainsay: CODE: …` line keeps its code.
  func failure() async -> CLIError {
    await Self.explain(target, process, diagnostics)
  }

  private static func explain(_ target: SSHTarget, _ process: Process, _ diagnostics: Diagnostics) async -> CLIError {
    let status = await waitForExit(process, within: .seconds(3))
    // What ssh wrote before it exited may still be on its way through the pipe.
    let deadline = ContinuousClock.now + .seconds(1)
    while !diagnostics.finished && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    let said = diagnostics.lastLine
    if let said, let remote = remoteError(said) { return remote }
    let why = said ?? status.map { "ssh exited with status \($0)" } ?? "the connection closed"
    return CLIError(code: .unavailable, message: "lost the connection to \(target.url): \(why)")
  }

  /// `gainsay: UNAVAILABLE: cannot reach gainsayd at … — is it running?` from the remote relay.
  private static func remoteError(_ line: String) -> CLIError? {
    let parts = line.split(separator: ":", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 3, parts[0] == "gainsay", let code = RPCStatusCode(name: parts[1]) else { return nil }
    return CLIError(code: code, message: "on the remote host: \(parts[2])")
  }

  private static func waitForExit(_ process: Process, within limit: Duration) async -> Int32? {
    let deadline = ContinuousClock.now + limit
    while process.isRunning {
      guard ContinuousClock.now < deadline else { return nil }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return process.terminationStatus
  }

  /// What ssh wrote on its standard error, bounded.
  final class Diagnostics: Sendable {
    private let bytes = Mutex(Data())
    private let ended = Mutex(false)

    /// ssh's standard error has reached its end.
    var finished: Bool { ended.withLock { $0 } }
    func finish() { ended.withLock { $0 = true } }

    func append(_ data: Data) {
      bytes.withLock { stored in
        stored.append(data)
        if stored.count > 65_536 { stored = stored.suffix(16_384) }
      }
    }

    /// The last line that is not empty, without control characters.
    var lastLine: String? {
      let text = bytes.withLock { String(decoding: $0, as: UTF8.self) }
      guard let line = text.split(whereSeparator: \.isNewline).last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
      else { return nil }
      return String(line.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init))
    }
  }
}
