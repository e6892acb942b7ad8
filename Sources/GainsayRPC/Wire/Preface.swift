import NIOCore

/// The connection preface both sides send first: the ASCII bytes `GAINSAY/<version>\n`.
public enum ConnectionPreface {
  /// The protocol version this runtime speaks.
  public static let currentVersion = 1
  /// The preface's size in bytes.
  public static let size = 10
  /// The bytes before the version digit.
  static let magic: [UInt8] = Array("GAINSAY/".utf8)

  /// The preface for `version` (1…9).
  public static func bytes(version: Int = currentVersion) -> [UInt8] {
    precondition((1...9).contains(version), "protocol versions are single digits")
    return magic + [UInt8(ascii: "0") + UInt8(version), UInt8(ascii: "\n")]
  }

  /// The version in a complete preface, or nil when the bytes are not a preface.
  static func parse(_ bytes: some Collection<UInt8>) -> Int? {
    let bytes = Array(bytes)
    guard bytes.count == size, Array(bytes.prefix(magic.count)) == magic, bytes[size - 1] == UInt8(ascii: "\n")
    else { return nil }
    let digit = bytes[magic.count]
    guard (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(digit) else { return nil }
    return Int(digit - UInt8(ascii: "0"))
  }
}
