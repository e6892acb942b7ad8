import Foundation
import GainsayServer
import GainsayTestSupport
import Logging
import Testing

/// The daemon's folders and lock files: someone else's folder, a folder others can write to, a
/// symbolic link in place of a lock file, and a lock file's content are never trusted.
@Suite("the daemon's folders and lock files")
struct DaemonPathsTests {
  static func start(socket: String, data: String) throws -> LedgerDaemon {
    var logger = Logger(label: "test-paths")
    logger.logLevel = .critical
    let configuration = DaemonConfiguration(
      socketPath: socket, dataDirectory: data, policy: AccessPolicy(ownerUID: getuid()))
    return try LedgerDaemon(configuration: configuration, logger: logger)
  }

  /// The daemon's start-up error, or nil when it started.
  static func startupError(socket: String, data: String) -> String? {
    do {
      let daemon = try start(socket: socket, data: data)
      try? daemon.close()
      return nil
    } catch {
      return "\(error)"
    }
  }

  static func mode(_ path: String) -> mode_t {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
  }

  @Test("a socket folder or data folder writable by others is refused, naming it and the fix")
  func writableFoldersRefused() throws {
    let root = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    mkdir(root + "/run", 0o700)
    chmod(root + "/run", 0o777)
    let error = try #require(Self.startupError(socket: root + "/run/g.sock", data: root + "/data"))
    #expect(error.contains("socket folder \(root)/run is writable by"))
    #expect(error.contains("chmod 700"))
    #expect(!FileManager.default.fileExists(atPath: root + "/run/g.sock.lock"), "nothing was put in it")

    mkdir(root + "/data2", 0o700)
    chmod(root + "/data2", 0o775)
    let dataError = try #require(Self.startupError(socket: root + "/s/g.sock", data: root + "/data2"))
    #expect(dataError.contains("data folder \(root)/data2 is writable by its group"))
  }

  @Test("a symbolic link as the socket folder is refused, not followed")
  func symlinkedFolderRefused() throws {
    let root = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    mkdir(root + "/elsewhere", 0o700)
    symlink(root + "/elsewhere", root + "/run")
    let error = try #require(Self.startupError(socket: root + "/run/g.sock", data: root + "/data"))
    #expect(error.contains("is not a folder (it is a symbolic link or a file)"))
    #expect((try? FileManager.default.contentsOfDirectory(atPath: root + "/elsewhere"))?.isEmpty == true)
  }

  @Test("missing folders are created 0700; an existing data folder of ours is tightened to 0700")
  func modes() throws {
    let root = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    mkdir(root + "/data", 0o700)
    chmod(root + "/data", 0o755)
    let daemon = try Self.start(socket: root + "/run/g.sock", data: root + "/data")
    #expect(Self.mode(root + "/run") == 0o700)
    #expect(Self.mode(root + "/data") == 0o700)
    try daemon.close()
  }

  @Test("a symbolic link in place of a lock file is refused and its target left alone")
  func symlinkedLockRefused() throws {
    let root = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let victim = root + "/victim"
    try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
    mkdir(root + "/run", 0o700)
    symlink(victim, root + "/run/g.sock.lock")
    let error = try #require(Self.startupError(socket: root + "/run/g.sock", data: root + "/data"))
    #expect(error.contains("lock file \(root)/run/g.sock.lock is a symbolic link"))
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")

    mkdir(root + "/data", 0o700)
    symlink(victim, root + "/data/gainsayd.lock")
    let dataError = try #require(Self.startupError(socket: root + "/run2/g.sock", data: root + "/data"))
    #expect(dataError.contains("is a symbolic link"))
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
  }

  @Test("a held lock file's content is printed only as a decimal pid, else \"unknown\"")
  func lockContentNotPrinted() throws {
    let root = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    mkdir(root + "/run", 0o700)
    let lock = root + "/run/g.sock.lock"
    try "\u{1B}]0;pwned\u{07}\u{1B}[2J 4242\n".write(toFile: lock, atomically: false, encoding: .utf8)
    chmod(lock, 0o600)
    // Held by "someone": another open file description in this process conflicts with the daemon's.
    let holder = open(lock, O_RDONLY)
    defer { close(holder) }
    #expect(flock(holder, LOCK_EX | LOCK_NB) == 0)
    let error = try #require(Self.startupError(socket: root + "/run/g.sock", data: root + "/data"))
    #expect(error.contains("another gainsayd (pid unknown) is already using the socket"))
    #expect(!error.contains("\u{1B}"))

    try "4242\n".write(toFile: lock, atomically: false, encoding: .utf8)
    let plain = try #require(Self.startupError(socket: root + "/run/g.sock", data: root + "/data"))
    #expect(plain.contains("(pid 4242)"))
  }
}
