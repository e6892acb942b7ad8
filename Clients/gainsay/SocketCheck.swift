import Foundation
import GainsayRPC
import Glibc

/// Checks the daemon's socket before connecting: in a folder others can write to, whoever made the
/// folder (or anyone, if it is not sticky) could have put their own server there to read what we send.
///
/// Refused, with FAILED_PRECONDITION (exit 73): a socket path that is a symbolic link or not a socket;
/// a socket whose folder is writable by its group or others unless that folder belongs to root (as
/// `/run` or `/tmp` do, where the kernel's sticky bit keeps others from replacing our files) or to the
/// socket's own owner.
enum SocketCheck {
  static func verify(_ path: String) throws {
    var socketInfo = stat()
    guard lstat(path, &socketInfo) == 0 else {
      // Nothing there (yet): connecting fails with the usual "is it running?".
      return
    }
    let kind = socketInfo.st_mode & S_IFMT
    guard kind != S_IFLNK else {
      throw CLIError(
        code: .failedPrecondition,
        message:
          "\(path) is a symbolic link, not the daemon's socket; refusing to connect through it: use the real path with --socket"
      )
    }
    guard kind == S_IFSOCK else {
      throw CLIError(code: .failedPrecondition, message: "\(path) is not a socket; refusing to connect")
    }
    let folder =
      (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
    var folderInfo = stat()
    // The folder as it is reached (through a link such as /var/run → /run): what matters is who can
    // write where the socket really is.
    guard stat(folder, &folderInfo) == 0 else { return }
    let mode = folderInfo.st_mode & 0o7777
    let modeText = "0" + String(mode, radix: 8)
    let fix =
      "ask the daemon's operator to use a private folder (e.g. systemd's RuntimeDirectory=gainsay, or the default $XDG_RUNTIME_DIR/gainsay) and pass its socket with --socket"
    // gainsayd never serves from a folder others can write to; only a root-owned sticky folder (/tmp)
    // keeps others from replacing a socket in it.
    let writableByOthers = mode & 0o022 != 0
    let rootSticky = folderInfo.st_uid == 0 && mode & 0o1000 != 0
    guard !writableByOthers || rootSticky else {
      throw CLIError(
        code: .failedPrecondition,
        message:
          "the socket's folder \(folder) belongs to \(name(folderInfo.st_uid)) (uid \(folderInfo.st_uid)) and is writable by others (mode \(modeText)): anyone could have put a fake gainsayd there; refusing to connect. Fix: \(fix)"
      )
    }
    // The folder must belong to root or to the daemon's user (the socket's owner); under the default
    // fallback (/tmp/gainsay-$UID) the daemon is our own, so both must be ours.
    let expectedOwner: uid_t? = path == DefaultSocketPath.temporaryFallback ? getuid() : nil
    let folderTrusted =
      folderInfo.st_uid == 0
      || folderInfo.st_uid == socketInfo.st_uid
        && (expectedOwner == nil || folderInfo.st_uid == expectedOwner)
    guard folderTrusted, expectedOwner == nil || socketInfo.st_uid == expectedOwner else {
      throw CLIError(
        code: .failedPrecondition,
        message:
          "the socket \(path) belongs to \(name(socketInfo.st_uid)) (uid \(socketInfo.st_uid)) and its folder to \(name(folderInfo.st_uid)) (uid \(folderInfo.st_uid), mode \(modeText))\(expectedOwner.map { ", not to you (uid \($0))" } ?? ""): someone else may have made it to pose as gainsayd; refusing to connect. Fix: remove \(folder) if it is not yours and restart gainsayd, or \(fix)"
      )
    }
  }

  private static func name(_ uid: uid_t) -> String {
    guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
    return String(cString: name)
  }
}
