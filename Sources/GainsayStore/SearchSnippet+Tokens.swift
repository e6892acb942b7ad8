import GainsayCore

/// Tokens of a snippet's text, and how each is folded, stemmed and keyed.
extension SearchSnippet {
  /// A token's UTF-8 byte range.
  struct Token {
    var start: Int
    var end: Int
  }

  /// The tokens of `bytes` (valid UTF-8) as `unicode61` finds them: runs of letters, numbers and private
  /// use characters, combining diacritics continuing a token.
  static func tokens(in bytes: ArraySlice<UInt8>) -> [Token] {
    var tokens: [Token] = []
    var start: Int?
    var offset = bytes.startIndex
    let end = bytes.endIndex
    while offset < end {
      let byte = bytes[offset]
      var width = 1
      let isTokenCharacter: Bool
      var continuesOnly = false
      if byte < 0x80 {
        isTokenCharacter =
          (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
      } else {
        width = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        width = min(width, end - offset)
        let scalar = decode(bytes, at: offset, width: width)
        if let scalar, (0x300...0x36F).contains(scalar.value) {
          isTokenCharacter = false
          continuesOnly = true
        } else {
          isTokenCharacter = scalar.map(isLetterOrNumber) ?? false
        }
      }
      if isTokenCharacter || (continuesOnly && start != nil) {
        if start == nil { start = offset }
      } else if let tokenStart = start {
        tokens.append(Token(start: tokenStart, end: offset))
        start = nil
      }
      offset += width
    }
    if let tokenStart = start { tokens.append(Token(start: tokenStart, end: end)) }
    return tokens
  }

  static func decode(_ bytes: ArraySlice<UInt8>, at offset: Int, width: Int) -> Unicode.Scalar? {
    var value = UInt32(bytes[offset]) & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07)
    guard width > 1 else { return nil }
    for index in 1..<width { value = value << 6 | (UInt32(bytes[offset + index]) & 0x3F) }
    return Unicode.Scalar(value)
  }

  static func isLetterOrNumber(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
      .letterNumber, .otherNumber, .privateUse:
      return true
    default:
      return false
    }
  }

  /// The tokens that start a sentence, as FTS5's snippet() finds them: the first, and each one after
  /// white space preceded by "." or ":".
  static func sentenceStarts(_ tokens: [Token], bytes: [UInt8]) -> [Int] {
    var starts: [Int] = []
    for (index, token) in tokens.enumerated() {
      guard index > 0 else {
        starts.append(0)
        continue
      }
      var offset = token.start - 1
      let previousEnd = tokens[index - 1].end
      while offset >= previousEnd && [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset -= 1 }
      if offset != token.start - 1 && offset >= previousEnd && (bytes[offset] == 0x2E || bytes[offset] == 0x3A) {
        starts.append(index)
      }
    }
    return starts
  }

  /// Whether the character at `offset` of `bytes` is an upper-case letter.
  static func startsUpperCase(_ bytes: [UInt8], at offset: Int) -> Bool {
    let byte = bytes[offset]
    if byte < 0x80 { return byte >= 0x41 && byte <= 0x5A }
    let width = min(byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2, bytes.count - offset)
    return decode(bytes[...], at: offset, width: width)?.properties.isUppercase ?? false
  }

  /// Folds tokens as the index does (``TextAnalysis/folded(_:)``: lower case, no diacritics, ё as е), ASCII
  /// byte by byte, and gives their stems and name keys; each distinct one once.
  struct Folder {
    private var folded: [ArraySlice<UInt8>: [UInt8]] = [:]
    private var stems: [[UInt8]: [UInt8]] = [:]
    private var keys: [[UInt8]: [UInt8]] = [:]

    mutating func fold(_ token: ArraySlice<UInt8>) -> [UInt8] {
      if token.allSatisfy({ $0 < 0x80 }) {
        return token.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
      }
      if let known = folded[token] { return known }
      let result = Array(TextAnalysis.folded(String(decoding: token, as: UTF8.self)).utf8)
      folded[token] = result
      return result
    }

    /// A folded token as `view` sees it.
    mutating func view(_ view: View, of token: [UInt8]) -> [UInt8] {
      switch view {
      case .folded:
        return token
      case .stem:
        if let known = stems[token] { return known }
        let stem = Array(TextAnalysis.stem(String(decoding: token, as: UTF8.self)).utf8)
        stems[token] = stem
        return stem
      case .key:
        if let known = keys[token] { return known }
        let key = Array(TextAnalysis.nameKey(String(decoding: token, as: UTF8.self)).utf8)
        keys[token] = key
        return key
      }
    }
  }
}
