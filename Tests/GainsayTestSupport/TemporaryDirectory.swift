import Foundation

/// A new directory under /tmp with a short name (Linux caps Unix socket paths at 107 bytes).
public func makeShortTempDirectory(prefix: String = "gst") throws -> String {
  var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
  guard let result = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
  return String(cString: result)
}
