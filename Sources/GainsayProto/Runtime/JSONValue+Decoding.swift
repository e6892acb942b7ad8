import Foundation

/// Why JSON could not be read as a message: where, and what is wrong.
public struct ProtoJSONError: Error, Hashable, Sendable, CustomStringConvertible {
  /// Where in the document, e.g. `claim.saidOn.year`.
  public var path: String
  public var problem: String

  public init(path: String, problem: String) {
    self.path = path
    self.problem = problem
  }

  public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
}

/// A message that can be read from its proto3 JSON mapping.
public protocol ProtoJSONDecodable {
  init(jsonValue: JSONValue, at path: String) throws(ProtoJSONError)
}

extension ProtoJSONDecodable {
  /// Reads a message from JSON text.
  public init(jsonText: String) throws(ProtoJSONError) {
    try self.init(jsonValue: try JSONValue.parse(jsonText), at: "")
  }
}

extension JSONValue {
  func objectFields(at path: String) throws(ProtoJSONError) -> [(String, JSONValue)] {
    guard case .object(let fields) = self else { throw ProtoJSONError(path: path, problem: "expected an object") }
    return fields
  }

  func arrayValue(at path: String) throws(ProtoJSONError) -> [JSONValue] {
    guard case .array(let items) = self else { throw ProtoJSONError(path: path, problem: "expected an array") }
    return items
  }

  func stringValue(at path: String) throws(ProtoJSONError) -> String {
    guard case .string(let text) = self else { throw ProtoJSONError(path: path, problem: "expected a string") }
    return text
  }

  func boolValue(at path: String) throws(ProtoJSONError) -> Bool {
    guard case .bool(let value) = self else { throw ProtoJSONError(path: path, problem: "expected true or false") }
    return value
  }

  func bytesValue(at path: String) throws(ProtoJSONError) -> [UInt8] {
    let text = try stringValue(at: path)
    let standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    let padded = standard + String(repeating: "=", count: (4 - standard.count % 4) % 4)
    guard let data = Data(base64Encoded: padded) else { throw ProtoJSONError(path: path, problem: "expected base64") }
    return [UInt8](data)
  }

  func doubleValue(at path: String) throws(ProtoJSONError) -> Double {
    switch self {
    case .integer(let value): return Double(value)
    case .number(let value): return value
    case .string(let text):
      switch text {
      case "NaN": return .nan
      case "Infinity": return .infinity
      case "-Infinity": return -.infinity
      default:
        guard let value = Double(text) else { throw ProtoJSONError(path: path, problem: "expected a number") }
        return value
      }
    default: throw ProtoJSONError(path: path, problem: "expected a number")
    }
  }

  /// An integer from a JSON number or a decimal string (64-bit integers are strings in proto3 JSON).
  func integerValue<T: FixedWidthInteger>(_ type: T.Type, at path: String) throws(ProtoJSONError) -> T {
    let parsed: T?
    switch self {
    case .integer(let value): parsed = T(exactly: value)
    case .number(let value): parsed = value.rounded() == value ? T(exactly: value) : nil
    case .string(let text): parsed = T(text)
    default: parsed = nil
    }
    guard let parsed else { throw ProtoJSONError(path: path, problem: "expected an integer that fits \(T.self)") }
    return parsed
  }

  /// Parses JSON text (RFC 8259), keeping the order of object fields and the exact value of integers.
  public static func parse(_ text: String) throws(ProtoJSONError) -> JSONValue {
    var parser = JSONParser(bytes: Array(text.utf8))
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.index == parser.bytes.count else { throw parser.error("unexpected text after the JSON value") }
    return value
  }
}

private struct JSONParser {
  let bytes: [UInt8]
  var index = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  func error(_ problem: String) -> ProtoJSONError {
    ProtoJSONError(path: "", problem: "\(problem) at byte \(index + 1)")
  }

  mutating func skipWhitespace() {
    while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
  }

  mutating func value(depth: Int) throws(ProtoJSONError) -> JSONValue {
    guard depth < 100 else { throw error("JSON nested more than 100 levels") }
    skipWhitespace()
    guard index < bytes.count else { throw error("unexpected end of JSON") }
    switch bytes[index] {
    case UInt8(ascii: "{"):
      index += 1
      var fields: [(String, JSONValue)] = []
      skipWhitespace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(fields)
      }
      while true {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a field name") }
        let key = try string()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
        index += 1
        fields.append((key, try value(depth: depth + 1)))
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of JSON") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
        } else if bytes[index] == UInt8(ascii: "}") {
          index += 1
          return .object(fields)
        } else {
          throw error("expected ',' or '}'")
        }
      }
    case UInt8(ascii: "["):
      index += 1
      var items: [JSONValue] = []
      skipWhitespace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      }
      while true {
        items.append(try value(depth: depth + 1))
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of JSON") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
        } else if bytes[index] == UInt8(ascii: "]") {
          index += 1
          return .array(items)
        } else {
          throw error("expected ',' or ']'")
        }
      }
    case UInt8(ascii: "\""):
      return .string(try string())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    default:
      return try number()
    }
  }

  mutating func literal(_ word: String, _ value: JSONValue) throws(ProtoJSONError) -> JSONValue {
    let expected = Array(word.utf8)
    guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
      throw error("unexpected character")
    }
    index += expected.count
    return value
  }

  mutating func number() throws(ProtoJSONError) -> JSONValue {
    let start = index
    while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    if let integer = Int64(text) { return .integer(integer) }
    guard !text.isEmpty, let double = Double(text), double.isFinite else { throw error("not a JSON value") }
    return .number(double)
  }

  mutating func string() throws(ProtoJSONError) -> String {
    index += 1  // the opening quote
    let scalars = String.UnicodeScalarView()
    var chunkStart = index
    var out = ""
    func flush(_ end: Int) throws(ProtoJSONError) {
      guard let text = String(validating: bytes[chunkStart..<end], as: UTF8.self) else {
        throw ProtoJSONError(path: "", problem: "invalid UTF-8 at byte \(chunkStart + 1)")
      }
      out += text
    }
    while true {
      guard index < bytes.count else { throw error("unterminated string") }
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        try flush(index)
        index += 1
        out.unicodeScalars.append(contentsOf: scalars)
        return out
      }
      if byte < 0x20 { throw error("control character in a string") }
      if byte == UInt8(ascii: "\\") {
        try flush(index)
        index += 1
        guard index < bytes.count else { throw error("unterminated escape") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): out += "\""
        case UInt8(ascii: "\\"): out += "\\"
        case UInt8(ascii: "/"): out += "/"
        case UInt8(ascii: "b"): out += "\u{8}"
        case UInt8(ascii: "f"): out += "\u{C}"
        case UInt8(ascii: "n"): out += "\n"
        case UInt8(ascii: "r"): out += "\r"
        case UInt8(ascii: "t"): out += "\t"
        case UInt8(ascii: "u"):
          var code = try hex4()
          if (0xD800...0xDBFF).contains(code) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else {
              throw error("unpaired surrogate")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
          out.unicodeScalars.append(scalar)
        default:
          throw error("invalid escape")
        }
        chunkStart = index
        continue
      }
      index += 1
    }
  }

  mutating func hex4() throws(ProtoJSONError) -> UInt32 {
    guard index + 4 <= bytes.count,
      let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
    else { throw error("invalid \\u escape") }
    index += 4
    return value
  }
}

extension Timestamp: ProtoJSONDecodable {
  /// Reads RFC 3339, e.g. `2017-07-14T12:00:00.5Z` or `2017-07-14T14:00:00+02:00`.
  public init(jsonValue: JSONValue, at path: String) throws(ProtoJSONError) {
    let text = try jsonValue.stringValue(at: path)
    let bytes = Array(text.utf8)
    func digits(_ start: Int, _ count: Int) -> Int? {
      guard start + count <= bytes.count else { return nil }
      return Int(String(decoding: bytes[start..<start + count], as: UTF8.self))
    }
    guard bytes.count >= 20, let year = digits(0, 4), bytes[4] == UInt8(ascii: "-"), let month = digits(5, 2),
      bytes[7] == UInt8(ascii: "-"), let day = digits(8, 2),
      bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
      let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { throw ProtoJSONError(path: path, problem: "\"\(text)\" is not an RFC 3339 time") }
    var index = 19
    var nanos = 0
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      var fraction = ""
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        fraction.append(Character(Unicode.Scalar(bytes[index])))
        index += 1
      }
      guard (1...9).contains(fraction.count) else {
        throw ProtoJSONError(path: path, problem: "bad fraction in \"\(text)\"")
      }
      nanos = Int(fraction + String(repeating: "0", count: 9 - fraction.count))!
    }
    var offset = 0
    if index < bytes.count, bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
      index += 1
    } else if index + 6 == bytes.count, let hours = digits(index + 1, 2), let minutes = digits(index + 4, 2) {
      offset = (hours * 60 + minutes) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
      index += 6
    } else {
      throw ProtoJSONError(path: path, problem: "\"\(text)\" has no time zone (Z or ±HH:MM)")
    }
    guard index == bytes.count else { throw ProtoJSONError(path: path, problem: "\"\(text)\" is not an RFC 3339 time") }
    // Days from the civil date (proleptic Gregorian), then seconds.
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    self.init()
    seconds = Int64(days * 86_400 + hour * 3_600 + minute * 60 + second - offset)
    self.nanos = Int32(nanos)
  }
}

extension FieldMask: ProtoJSONDecodable {
  /// Reads comma-separated lowerCamelCase paths.
  public init(jsonValue: JSONValue, at path: String) throws(ProtoJSONError) {
    let text = try jsonValue.stringValue(at: path)
    self.init()
    paths = text.split(separator: ",").map { camel in
      var snake = ""
      for character in camel {
        if character.isUppercase {
          snake += "_" + character.lowercased()
        } else {
          snake.append(character)
        }
      }
      return snake
    }
  }
}
