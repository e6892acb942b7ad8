import Foundation
import GainsayCore

/// Opaque page tokens: an offset, base64-encoded so clients do not build them.
enum PageToken {
  static func make(offset: Int) -> String {
    Data("o:\(offset)".utf8).base64EncodedString()
  }

  static func offset(_ token: String) throws -> Int {
    guard !token.isEmpty else { return 0 }
    guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8), text.hasPrefix("o:"),
      let offset = Int(text.dropFirst(2)), offset >= 0
    else {
      throw LedgerError.invalid("page_token", "is not a token from a previous response")
    }
    return offset
  }
}
