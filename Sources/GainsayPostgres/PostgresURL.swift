import Foundation
import GainsayCore
import PostgresNIO

#if canImport(Glibc)
  import Glibc
#endif

/// The store's URL: `postgres:///DBNAME?host=/socket/dir&user=NAME[&port=N]` for a Unix socket, or
/// `postgres://USER@HOST[:PORT]/DBNAME` for TCP (no TLS). Passwords never go in the URL.
enum PostgresURL {
  static func configuration(_ url: String, password: String?) throws -> PostgresClient.Configuration {
    func invalid(_ problem: String) -> LedgerError {
      LedgerError(.invalidArgument, "store: \(problem)", field: "store")
    }
    guard let components = URLComponents(string: url), let scheme = components.scheme,
      scheme == "postgres" || scheme == "postgresql"
    else {
      throw invalid(
        "\"\(url)\" is not a PostgreSQL URL: use postgres:///DBNAME?host=/socket/dir or postgres://USER@HOST:PORT/DBNAME"
      )
    }
    guard components.password == nil else {
      throw invalid(
        "a PostgreSQL URL must not hold a password (it would show in process lists and logs): give it in a password "
          + "file or the environment instead")
    }
    var query: [String: String] = [:]
    for item in components.queryItems ?? [] {
      guard ["host", "user", "port"].contains(item.name), let value = item.value, !value.isEmpty,
        query[item.name] == nil
      else {
        throw invalid(
          "\"\(item.name)\" in \(url): only host (a socket folder), user and port are understood, each once")
      }
      query[item.name] = value
    }
    let database = String(components.path.drop(while: { $0 == "/" }))
    guard !database.isEmpty, !database.contains("/") else {
      throw invalid("\(url) names no database: postgres:///DBNAME?host=/socket/dir")
    }
    let user = query["user"] ?? components.user ?? currentUser()
    guard let user, !user.isEmpty else { throw invalid("\(url) names no user: add ?user=NAME") }
    let portText = query["port"] ?? components.port.map(String.init) ?? "5432"
    guard let port = Int(portText), (1...65535).contains(port) else {
      throw invalid("\(url): the port \(portText) is not a port number")
    }
    if let host = components.host, !host.isEmpty {
      guard query["host"] == nil else { throw invalid("\(url) gives a host twice") }
      return .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }
    guard let folder = query["host"], folder.hasPrefix("/") else {
      throw invalid(
        "\(url) names no server: add ?host=/socket/dir (a Unix socket folder) or use postgres://USER@HOST/DB")
    }
    return .init(
      unixSocketPath: folder + (folder.hasSuffix("/") ? "" : "/") + ".s.PGSQL.\(port)", username: user,
      password: password, database: database)
  }

  /// The name of the user running the daemon, as libpq defaults to it.
  static func currentUser() -> String? {
    guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
    return String(cString: name)
  }
}
