import Foundation
public import GainsayCore
import GainsayProto
import GainsayRPC

/// Everything `gainsayd` needs to run: where it listens, where the ledger lives, who may do what.
public struct DaemonConfiguration: Sendable {
  public var socketPath: String
  public var dataDirectory: String
  public var policy: AccessPolicy
  public var ledger: LedgerConfiguration
  /// Where the ledger lives: SQLite in `dataDirectory` (the default) or a shared PostgreSQL database.
  public var store = StoreLocation.embedded
  /// A file holding the PostgreSQL password (see ``StoreLocation/password(file:environment:)``).
  public var storePasswordFile: String?
  public var maximumFrameSize = 4 * 1024 * 1024
  /// Where standard gRPC is served: beside the socket (the default), at a path of its own, or nowhere.
  public var grpcSocket = GRPCSocket.besideSocket
  public var serverVersion = "0.1.0"

  public init(socketPath: String, dataDirectory: String, policy: AccessPolicy, ledger: LedgerConfiguration = .init()) {
    self.socketPath = socketPath
    self.dataDirectory = dataDirectory
    self.policy = policy
    self.ledger = ledger
  }

  /// Where the daemon serves standard gRPC (HTTP/2) beside its own framing.
  public enum GRPCSocket: Sendable, Equatable {
    /// In the socket's folder, named after it: `gainsayd.sock` → `gainsayd.grpc.sock`.
    case besideSocket
    case path(String)
    case off

    /// `off`, or a path.
    public init(parsing value: String) {
      self = value == "off" ? .off : .path(value)
    }
  }

  /// The gRPC socket's path, or nil when gRPC is off.
  public var grpcSocketPath: String? {
    switch grpcSocket {
    case .off: return nil
    case .path(let path): return path
    case .besideSocket:
      let name = (socketPath as NSString).lastPathComponent
      let folder = (socketPath as NSString).deletingLastPathComponent
      let base = name.hasSuffix(".sock") ? String(name.dropLast(5)) : name
      return (folder.isEmpty ? "" : folder + "/") + base + ".grpc.sock"
    }
  }

  /// The ledger's database file.
  public var databasePath: String { dataDirectory + "/ledger.sqlite" }

  /// `$GAINSAY_DATA_DIR`, else `$XDG_DATA_HOME/gainsay`, else `~/.local/share/gainsay`.
  public static var defaultDataDirectory: String {
    let environment = ProcessInfo.processInfo.environment
    if let directory = environment["GAINSAY_DATA_DIR"], !directory.isEmpty { return directory }
    if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/gainsay" }
    return NSHomeDirectory() + "/.local/share/gainsay"
  }

  /// The settings in a JSON config file, over the defaults:
  ///
  /// ```json
  /// { "socket": "/run/gainsay/gainsayd.sock", "grpcSocket": "/run/gainsay/gainsayd.grpc.sock",
  ///   "dataDirectory": "/var/lib/gainsay",
  ///   "store": "postgres:///gainsay?host=/run/postgresql", "storePasswordFile": "/etc/gainsay/pgpass",
  ///   "publisher": "The Daily Example", "publisherURL": "https://example.org",
  ///   "roles": { "users": { "alice": "editor" }, "groups": { "newsroom": "reader" } },
  ///   "reviewers": { "alice": "Alice Example" },
  ///   "ratingScale": [ { "label": "true", "value": 6 }, { "label": "false", "value": 1 } ] }
  /// ```
  public mutating func apply(configFile path: String) throws {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw ConfigurationError("cannot read the config file \(path): \(error.localizedDescription)")
    }
    let file: ConfigFile
    do {
      file = try JSONDecoder().decode(ConfigFile.self, from: data)
    } catch let DecodingError.dataCorrupted(context) {
      throw ConfigurationError("\(path): not valid JSON: \(context.debugDescription)")
    } catch let DecodingError.keyNotFound(key, context) {
      throw ConfigurationError("\(path): \(Self.path(context.codingPath + [key])) is missing")
    } catch let DecodingError.typeMismatch(_, context) {
      throw ConfigurationError(
        "\(path): \(Self.path(context.codingPath)) has the wrong type: \(context.debugDescription)")
    } catch {
      throw ConfigurationError("\(path): \(error)")
    }
    if let socket = file.socket { socketPath = socket }
    if let grpc = file.grpcSocket { grpcSocket = GRPCSocket(parsing: grpc) }
    if let directory = file.dataDirectory { dataDirectory = directory }
    if let location = file.store {
      do {
        store = try StoreLocation(parsing: location)
      } catch let error as ConfigurationError {
        throw ConfigurationError("\(path): \(error)")
      }
    }
    if let passwordFile = file.storePasswordFile { storePasswordFile = passwordFile }
    if let publisher = file.publisher { ledger.publisher = publisher }
    if let url = file.publisherURL {
      guard (try? Validate.url(url, field: "publisherURL", required: true)) != nil else {
        throw ConfigurationError("\(path): publisherURL \"\(url)\" is not an http or https URL")
      }
      ledger.publisherURL = url
    }
    if let reviewers = file.reviewers {
      for (user, name) in reviewers {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !user.isEmpty, !trimmed.isEmpty, trimmed.count <= 200,
          !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
          throw ConfigurationError(
            "\(path): reviewers: \"\(user)\" needs a display name of one line, at most 200 characters")
        }
        ledger.reviewers[user] = trimmed
      }
    }
    if let roles = file.roles {
      policy.users = try Self.roles(roles.users ?? [:], what: "roles.users", file: path)
      policy.groups = try Self.roles(roles.groups ?? [:], what: "roles.groups", file: path)
    }
    if let scale = file.ratingScale {
      guard !scale.isEmpty else { throw ConfigurationError("\(path): ratingScale must list at least one rating") }
      var ratings = RatingScale()
      for (index, entry) in scale.enumerated() {
        let label = entry.label.trimmingCharacters(in: .whitespaces)
        guard !label.isEmpty, !ratings.ratings.contains(where: { $0.label.lowercased() == label.lowercased() }) else {
          throw ConfigurationError("\(path): ratingScale[\(index)].label is empty or repeated")
        }
        var rating = Rating()
        rating.label = label
        rating.value = entry.value
        rating.description = entry.description ?? ""
        ratings.ratings.append(rating)
      }
      ledger.ratingScale = ratings
    }
  }

  private static func roles(_ entries: [String: String], what: String, file: String) throws -> [String: Role] {
    try entries.mapValues { name in
      switch name.lowercased() {
      case "reader": .reader
      case "editor": .editor
      case "admin": .admin
      default: throw ConfigurationError("\(file): \(what): \"\(name)\" is not a role (reader, editor or admin)")
      }
    }
  }

  private static func path(_ keys: [any CodingKey]) -> String {
    keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: ["."])
  }

  private struct ConfigFile: Decodable {
    var socket: String?
    var grpcSocket: String?
    var dataDirectory: String?
    var store: String?
    var storePasswordFile: String?
    var publisher: String?
    var publisherURL: String?
    var roles: Roles?
    var reviewers: [String: String]?
    var ratingScale: [RatingEntry]?

    struct Roles: Decodable {
      var users: [String: String]?
      var groups: [String: String]?
    }

    struct RatingEntry: Decodable {
      var label: String
      var value: Int32
      var description: String?
    }
  }
}

/// A configuration or start-up problem, reported in one line.
public struct ConfigurationError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
