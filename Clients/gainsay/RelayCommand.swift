import ArgumentParser
import Foundation
import GainsayRPC
import Glibc

/// `gainsay relay`: joins standard input and output to the daemon's socket. It is what
/// `gainsay --host ssh://…` runs on the remote host, so the remote daemon sees the SSH login as the
/// caller (the relay's peer credentials): roles work unchanged and nothing new authenticates.
struct RelayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "relay",
    abstract: "Join standard input and output to the daemon's socket (run by `gainsay --host ssh://…`).",
    discussion: """
      Copies bytes both ways until both sides are done: the end of standard input half-closes the \
      socket, and the daemon closing the socket ends the relay. It reads nothing itself, so any client of \
      the wire protocol (docs/PROTOCOL.md) can use it, e.g. `ssh newsroom gainsay relay`. Exit status 0 \
      when the daemon closed the connection, 78 (UNAVAILABLE) when it cannot be reached.

      EXAMPLES:
        gainsay --host ssh://alice@newsroom.example claim list
        ssh alice@newsroom.example gainsay relay --socket /run/gainsay/gainsayd.sock
      """)

  /// `--socket` (and, like every command, the global options; only `--socket` means anything here).
  @OptionGroup var connection: ConnectionOptions

  func validate() throws {
    guard connection.host == nil else {
      throw ValidationError("--host: the relay runs on the daemon's own host; give its socket with --socket")
    }
  }

  func run() throws {
    let path = connection.socketPath
    do {
      try SocketCheck.verify(path)
    } catch let error as CLIError {
      Output.error(error.description)
      throw error.exitCode
    }
    let daemon = try connect(path)
    signal(SIGPIPE, SIG_IGN)
    try Relay(input: STDIN_FILENO, output: STDOUT_FILENO, socket: daemon).run()
  }

  private func connect(_ path: String) throws -> Int32 {
    let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let fits = bytes.count < MemoryLayout.size(ofValue: address.sun_path)
    if fits {
      withUnsafeMutableBytes(of: &address.sun_path) { buffer in
        buffer.copyBytes(from: bytes)
        buffer[bytes.count] = 0
      }
    }
    let connected =
      fd >= 0 && fits
      && withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      } == 0
    guard connected else {
      if fd >= 0 { close(fd) }
      let error = CLIError(code: .unavailable, message: "cannot reach gainsayd at \(path) — is it running?")
      Output.error(error.description)
      throw error.exitCode
    }
    return fd
  }
}

/// Copies `input` → `socket` and `socket` → `output` with bounded buffers, without blocking on either
/// side: a daemon waiting for its reader to read never stalls what the client sends, or the reverse.
struct Relay {
  let input: Int32
  let output: Int32
  let socket: Int32
  /// Bytes held in each direction before that side is read no more until the other drains them.
  static let bufferLimit = 1 << 20

  func run() throws {
    for fd in [input, output, socket] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    var up = Pending()  // input → socket
    var down = Pending()  // socket → output
    var chunk = [UInt8](repeating: 0, count: 65_536)
    var inputOpen = true
    var socketOpen = true
    var halfClosed = false
    while socketOpen || !down.isEmpty {
      if !inputOpen && up.isEmpty && !halfClosed {
        shutdown(socket, Int32(SHUT_WR))
        halfClosed = true
      }
      // A side with nothing asked of it is left out (-1): a hung-up descriptor would wake poll for ever.
      func watched(_ fd: Int32, _ events: Int16) -> pollfd { pollfd(fd: events == 0 ? -1 : fd, events: events, revents: 0) }
      var fds = [
        watched(input, inputOpen && up.count < Self.bufferLimit ? Int16(POLLIN) : 0),
        watched(
          socket, (socketOpen && down.count < Self.bufferLimit ? Int16(POLLIN) : 0) | (up.isEmpty ? 0 : Int16(POLLOUT))),
        watched(output, down.isEmpty ? 0 : Int16(POLLOUT)),
      ]
      guard poll(&fds, 3, -1) >= 0 else {
        if errno == EINTR { continue }
        throw ExitCode(74)
      }
      if fds[0].revents != 0 { inputOpen = up.read(from: input, into: &chunk) }
      if fds[1].revents & Int16(POLLOUT | POLLERR | POLLHUP) != 0, !up.isEmpty {
        // The daemon is gone: nothing more can be sent, but what it wrote is still delivered.
        if !up.write(to: socket) { up.clear(); inputOpen = false }
      }
      if fds[1].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0, socketOpen, down.count < Self.bufferLimit {
        socketOpen = down.read(from: socket, into: &chunk)
      }
      if fds[2].revents != 0 {
        // The client went away (the SSH connection dropped): nothing left to relay to.
        if !down.write(to: output) { return }
      }
    }
  }

  /// Bytes read from one side and not yet written to the other.
  struct Pending {
    private var bytes: [UInt8] = []
    private var start = 0
    var count: Int { bytes.count - start }
    var isEmpty: Bool { count == 0 }

    mutating func clear() {
      bytes = []
      start = 0
    }

    /// Reads what is there through `chunk`; false at the end of the input or on an error.
    mutating func read(from fd: Int32, into chunk: inout [UInt8]) -> Bool {
      let received = Glibc.read(fd, &chunk, chunk.count)
      if received > 0 {
        if start > 0 && start == bytes.count { clear() }
        bytes += chunk[0..<received]
        return true
      }
      return received < 0 && (errno == EAGAIN || errno == EINTR)
    }

    /// Writes what it can; false when the other side is gone.
    mutating func write(to fd: Int32) -> Bool {
      let written = bytes[start...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if written < 0 { return errno == EAGAIN || errno == EINTR }
      start += written
      if start == bytes.count { clear() } else if start > 1 << 20 {
        bytes.removeFirst(start)
        start = 0
      }
      return true
    }
  }
}
