import Foundation
import GainsayRPC

/// `ssh://[user@]host[:port][/path/to/gainsayd.sock]`, as `--host` and `GAINSAY_HOST` take it: the daemon
/// of another host, reached by running `gainsay relay` there through `ssh`, as `docker -H ssh://` does.
struct SSHTarget: Equatable {
  var user: String?
  var host: String
  var port: Int?
  /// The daemon's socket on the remote host; nil for the remote user's default.
  var socketPath: String?

  /// The URL as given, for messages.
  let url: String

  /// Parses `url`; a one-line INVALID_ARGUMENT (exit 67) says what is wrong with it.
  init(parsing url: String) throws {
    self.url = url
    func refuse(_ why: String) -> CLIError {
      CLIError(
        code: .invalidArgument,
        message: "--host \(url): \(why); use ssh://[user@]host[:port][/path/to/gainsayd.sock]")
    }
    guard url.hasPrefix("ssh://") else { throw refuse("only ssh:// hosts are supported") }
    let rest = Substring(url.dropFirst("ssh://".count))
    let authority: Substring
    if let slash = rest.firstIndex(of: "/") {
      authority = rest[..<slash]
      let path = String(rest[slash...])
      guard path != "/" else { throw refuse("the socket path is empty") }
      guard !path.contains("\0"), !path.contains("\n") else { throw refuse("the socket path holds a control character") }
      socketPath = path
    } else {
      authority = rest
    }
    var hostPart = authority
    if let at = authority.lastIndex(of: "@") {
      let user = String(authority[..<at])
      guard Self.isPlainName(user) else { throw refuse("\"\(user)\" is not a user name") }
      self.user = user
      hostPart = authority[authority.index(after: at)...]
    }
    if hostPart.hasPrefix("[") {
      // An IPv6 literal: [::1] or [::1]:2222.
      guard let close = hostPart.firstIndex(of: "]") else { throw refuse("an IPv6 address needs its closing ]") }
      host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
      guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
        throw refuse("\"\(host)\" is not an IPv6 address")
      }
      let after = hostPart[hostPart.index(after: close)...]
      if !after.isEmpty {
        guard after.hasPrefix(":") else { throw refuse("unexpected \"\(after)\" after the address") }
        port = try Self.port(after.dropFirst(), refuse)
      }
    } else {
      if let colon = hostPart.lastIndex(of: ":") {
        port = try Self.port(hostPart[hostPart.index(after: colon)...], refuse)
        hostPart = hostPart[..<colon]
      }
      host = String(hostPart)
      // Never an option: ssh would read "-oProxyCommand=…" as one.
      guard Self.isPlainName(host) else { throw refuse("\"\(host)\" is not a host name") }
    }
  }

  /// Letters, digits, `.`, `_` and `-`, not starting with `-`.
  private static func isPlainName(_ text: String) -> Bool {
    !text.isEmpty && !text.hasPrefix("-")
      && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
  }

  private static func port(_ text: Substring, _ refuse: (String) -> CLIError) throws -> Int {
    guard let port = Int(text), (1...65_535).contains(port) else { throw refuse("\"\(text)\" is not a port") }
    return port
  }

  /// What follows `ssh`: options, `--`, the destination and the remote command, one argument each. The
  /// remote command is run by the remote user's shell, so the socket path is quoted for it.
  func sshArguments(remoteGainsay: String) -> [String] {
    var arguments = ["-T"]
    if let port { arguments += ["-p", String(port)] }
    arguments += ["--", user.map { "\($0)@\(host)" } ?? host]
    var command = Self.shellQuoted(remoteGainsay) + " relay"
    if let socketPath { command += " --socket " + Self.shellQuoted(socketPath) }
    arguments.append(command)
    return arguments
  }

  /// `text` as one word of a POSIX shell.
  static func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
