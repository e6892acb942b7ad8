import Foundation

/// Where `gainsayd` listens and `gainsay` connects unless told otherwise.
public enum DefaultSocketPath {
  /// `$GAINSAY_SOCKET`, else `$XDG_RUNTIME_DIR/gainsay/gainsayd.sock`, else `/tmp/gainsay-$UID/gainsayd.sock`.
  public static var resolved: String {
    let environment = ProcessInfo.processInfo.environment
    if let socket = environment["GAINSAY_SOCKET"], !socket.isEmpty { return socket }
    if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
      return runtime + "/gainsay/gainsayd.sock"
    }
    return temporaryFallback
  }

  /// `/tmp/gainsay-$UID/gainsayd.sock`: the last resort, used only when `$XDG_RUNTIME_DIR` is unset.
  /// Safe because checked: gainsayd refuses the folder unless it owns it and no one else can write to
  /// it, and the CLI refuses a socket there unless both are the user's own.
  public static var temporaryFallback: String {
    "/tmp/gainsay-\(getuid())/gainsayd.sock"
  }
}
