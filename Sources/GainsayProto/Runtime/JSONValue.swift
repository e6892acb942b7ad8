import Foundation

/// A JSON value, in field order: what the proto3 JSON mapping of a message produces.
public enum JSONValue: Sendable, Hashable {
  case object([(String, JSONValue)])
  case array([JSONValue])
  case string(String)
  case integer(Int64)
  case number(Double)
  case bool(Bool)
  case bytes([UInt8])
  case null

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.serialized() == rhs.serialized() }
  public func hash(into hasher: inout Hasher) { hasher.combine(serialized()) }

  /// The value as JSON text: compact on one line, or indented with two spaces.
  public func serialized(pretty: Bool = false) -> String {
    var output = ""
    write(to: &output, pretty: pretty, indent: 0)
    return output
  }

  private func write(to output: inout String, pretty: Bool, indent: Int) {
    switch self {
    case .object(let fields):
      guard !fields.isEmpty else { return output += "{}" }
      output += "{"
      for (index, (key, value)) in fields.enumerated() {
        if index > 0 { output += "," }
        if pretty { output += "\n" + String(repeating: "  ", count: indent + 1) }
        Self.writeString(key, to: &output)
        output += pretty ? ": " : ":"
        value.write(to: &output, pretty: pretty, indent: indent + 1)
      }
      if pretty { output += "\n" + String(repeating: "  ", count: indent) }
      output += "}"
    case .array(let items):
      guard !items.isEmpty else { return output += "[]" }
      output += "["
      for (index, item) in items.enumerated() {
        if index > 0 { output += "," }
        if pretty { output += "\n" + String(repeating: "  ", count: indent + 1) }
        item.write(to: &output, pretty: pretty, indent: indent + 1)
      }
      if pretty { output += "\n" + String(repeating: "  ", count: indent) }
      output += "]"
    case .string(let text):
      Self.writeString(text, to: &output)
    case .integer(let value):
      output += String(value)
    case .number(let value):
      if value.isNaN {
        output += "\"NaN\""
      } else if value.isInfinite {
        output += value > 0 ? "\"Infinity\"" : "\"-Infinity\""
      } else if value == value.rounded(), abs(value) < 1e15 {
        output += String(Int64(value))
      } else {
        output += "\(value)"
      }
    case .bool(let value):
      output += value ? "true" : "false"
    case .bytes(let bytes):
      Self.writeString(Data(bytes).base64EncodedString(), to: &output)
    case .null:
      output += "null"
    }
  }

  private static func writeString(_ text: String, to output: inout String) {
    output += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": output += "\\\""
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      // Controls, bidirectional embeddings, overrides and isolates, and the line and paragraph separators
      // as \u escapes: still the same JSON, and nothing in it acts on a terminal (`gainsay … --json`).
      case _
      where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || (0x2028...0x202E).contains(scalar.value)
        || (0x2066...0x2069).contains(scalar.value):
        let hex = String(scalar.value, radix: 16)
        output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default:
        output.unicodeScalars.append(scalar)
      }
    }
    output += "\""
  }
}

/// A message that has a proto3 JSON mapping.
public protocol ProtoJSONEncodable {
  /// The message as JSON, with proto field names in lowerCamelCase and enums by name.
  var jsonValue: JSONValue { get }
}

extension Timestamp: ProtoJSONEncodable {
  /// RFC 3339 in UTC, e.g. `2017-07-01T12:00:00.500Z`, as the proto3 JSON mapping requires.
  public var jsonValue: JSONValue { .string(rfc3339) }

  /// RFC 3339 in UTC with the fraction the nanoseconds need (none, 3, 6 or 9 digits).
  public var rfc3339: String {
    let date = Date(timeIntervalSince1970: TimeInterval(seconds))
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    func pad(_ value: Int, _ width: Int) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    var text =
      "\(pad(c.year!, 4))-\(pad(c.month!, 2))-\(pad(c.day!, 2))T\(pad(c.hour!, 2)):\(pad(c.minute!, 2)):\(pad(c.second!, 2))"
    if nanos > 0 {
      var fraction = pad(Int(nanos), 9)
      while fraction.count > 3 && fraction.hasSuffix("000") { fraction.removeLast(3) }
      text += "." + fraction
    }
    return text + "Z"
  }
}

extension FieldMask: ProtoJSONEncodable {
  /// The paths in lowerCamelCase, joined by commas.
  public var jsonValue: JSONValue {
    .string(
      paths.map { path in
        path.split(separator: ".").map { segment in
          let parts = segment.split(separator: "_")
          return (parts.first.map(String.init) ?? "")
            + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        }.joined(separator: ".")
      }.joined(separator: ","))
  }
}
