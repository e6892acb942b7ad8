import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where the ledger lives: the embedded SQLite database in the data folder (the default: one machine), or
/// a PostgreSQL database that many daemons share (docs/SCALING.md).
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
  case embedded
  /// A `postgres://` or `postgresql://` URL without a password, e.g. `postgres:///gainsay?host=/run/postgresql`.
  case postgres(url: String)

  /// `--store` and the config's `"store"`: `sqlite` (or `embedded`), or a PostgreSQL URL.
  public init(parsing text: String) throws {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    switch trimmed.lowercased() {
    case "sqlite", "embedded", "":
      self = .embedded
    case let lowered where lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://"):
      guard let components = URLComponents(string: trimmed) else {
        throw ConfigurationError("store: \"\(trimmed)\" is not a valid URL")
      }
      guard components.password == nil else {
        throw ConfigurationError(
          "store: the URL holds a password, which would show in process lists and logs; remove it and give it "
            + "in a file (\"storePasswordFile\" in the config, or GAINSAY_STORE_PASSWORD_FILE) or in "
            + "GAINSAY_STORE_PASSWORD")
      }
      self = .postgres(url: trimmed)
    default:
      throw ConfigurationError(
        "store: \"\(trimmed)\" is neither sqlite (the embedded ledger) nor a postgres:// URL, e.g. "
          + "postgres:///gainsay?host=/run/postgresql")
    }
  }

  public var description: String {
    switch self {
    case .embedded: "sqlite"
    case .postgres(let url): url
    }
  }

  /// The PostgreSQL password: the file `passwordFile` (from the config) or `$GAINSAY_STORE_PASSWORD_FILE`,
  /// else `$GAINSAY_STORE_PASSWORD`, else none (peer or trust authentication over a Unix socket).
  public static func password(
    file passwordFile: String?, environment: [String: String]? = nil
  ) throws -> String? {
    let environment = environment ?? ProcessInfo.processInfo.environment
    if let path = passwordFile ?? environment["GAINSAY_STORE_PASSWORD_FILE"], !path.isEmpty {
      return try readSecret(path)
    }
    if let password = environment["GAINSAY_STORE_PASSWORD"], !password.isEmpty { return password }
    return nil
  }

  /// A secret's first line, from a regular file (not a symbolic link) owned by this user that no one else
  /// may read or write, of at most 4 KiB.
  static func readSecret(_ path: String) throws -> String {
    let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard descriptor >= 0 else {
      let cause = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
      throw ConfigurationError("cannot read the store password file \(path): \(cause)")
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
      throw ConfigurationError("cannot read the store password file \(path): \(String(cString: strerror(errno)))")
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw ConfigurationError("the store password file \(path) is not a regular file")
    }
    guard info.st_uid == geteuid() else {
      throw ConfigurationError(
        "the store password file \(path) belongs to uid \(info.st_uid), not to the daemon's user (uid \(geteuid()))")
    }
    guard info.st_mode & 0o077 == 0 else {
      throw ConfigurationError(
        "the store password file \(path) has mode \(String(info.st_mode & 0o777, radix: 8)); others must not read "
          + "it: chmod 600 \(path)")
    }
    guard info.st_size <= 4_096 else {
      throw ConfigurationError("the store password file \(path) is \(info.st_size) bytes; a password is at most 4 KiB")
    }
    var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
    let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    guard count == bytes.count else {
      throw ConfigurationError("cannot read the store password file \(path): short read")
    }
    let line = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    guard !line.isEmpty else { throw ConfigurationError("the store password file \(path) is empty") }
    return line
  }
}
