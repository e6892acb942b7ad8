import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The folders the daemon keeps its socket and its data in, checked before anything is put in them.
///
/// A folder another user can write to (or one they own) lets them swap the daemon's files for symbolic
/// links, or put their own socket where clients connect. So a folder must be owned by the daemon's user
/// and writable by no one else; a missing one is created with `mkdir` and then checked the same way,
/// through a descriptor opened with `O_NOFOLLOW` (a symbolic link is refused, never followed), and its
/// mode is set with `fchmod` on that descriptor, never by path.
enum PrivateDirectory {
  /// What to do with an existing folder that is ours and not writable by others but whose mode is not
  /// `mode`.
  enum ExistingMode {
    /// Leave it (a socket folder the operator made, e.g. systemd's RuntimeDirectory).
    case keep
    /// Set it to the wanted mode (the data folder: 0755 becomes 0700).
    case tighten
  }

  /// Makes sure `path` is a folder owned by the daemon's user, not writable by group or others, with
  /// `mode` if it is created (or `existing` says so); `what` names it in errors ("socket folder").
  static func prepare(_ path: String, mode: mode_t, existing: ExistingMode, what: String) throws {
    var created = mkdir(path, mode) == 0
    if !created && errno == ENOENT {
      // Missing parents: made private too (as mkdir -p would, but 0700), then the folder itself.
      try makeParents(of: path)
      created = mkdir(path, mode) == 0
    }
    if !created && errno != EEXIST { throw failure("cannot create the \(what) \(path)", errno) }

    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard descriptor >= 0 else {
      let code = errno
      if code == ELOOP || code == ENOTDIR {
        throw ConfigurationError(
          "the \(what) \(path) is not a folder (it is a symbolic link or a file); remove it, or choose another path")
      }
      throw failure("cannot open the \(what) \(path)", code)
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw failure("cannot inspect the \(what) \(path)", errno) }
    let owner = geteuid()
    let current = info.st_mode & 0o7777
    guard info.st_uid == owner else {
      throw ConfigurationError(
        "the \(what) \(path) belongs to \(userName(info.st_uid)) (uid \(info.st_uid)), not to this daemon's user \(userName(owner)) (uid \(owner)); someone else may have made it to take over the socket: remove it (or choose another folder) and start again"
      )
    }
    guard current & 0o022 == 0 else {
      throw ConfigurationError(
        "the \(what) \(path) is writable by \(current & 0o020 != 0 ? "its group" : "other users") (mode \(octal(current))); make it private: chmod 700 \(path) (or 711 for a socket folder others connect through)"
      )
    }
    if (created || existing == .tighten) && current != mode {
      guard fchmod(descriptor, mode) == 0 else { throw failure("cannot set the mode of the \(what) \(path)", errno) }
    }
  }

  private static func makeParents(of path: String) throws {
    var prefix = path.hasPrefix("/") ? "" : "."
    let components = path.split(separator: "/").dropLast()
    for component in components {
      prefix += "/" + component
      if mkdir(prefix, 0o700) != 0 && errno != EEXIST { throw failure("cannot create \(prefix)", errno) }
    }
  }

  static func userName(_ uid: uid_t) -> String {
    UnixAccounts.userName(uid: uid) ?? "uid \(uid)"
  }

  static func octal(_ mode: mode_t) -> String {
    "0" + String(mode, radix: 8)
  }

  static func failure(_ what: String, _ code: Int32) -> ConfigurationError {
    ConfigurationError("\(what): \(String(cString: strerror(code)))")
  }
}
