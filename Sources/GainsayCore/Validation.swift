public import Foundation
public import GainsayProto

/// Field checks shared by every request: each failure names the field.
public enum Validate {
  /// A short single-line text: trimmed, no control characters, within `maximum` characters.
  /// Returns the trimmed text; empty is refused when `required`.
  public static func line(_ value: String, field: String, required: Bool, maximum: Int = 200) throws -> String {
    let trimmed = trimmed(value)
    if trimmed.isEmpty {
      if required { throw LedgerError.invalid(field, "is required") }
      return ""
    }
    if hasControlCharacter(trimmed, allowingLineBreaks: false) {
      throw LedgerError.invalid(field, "must be one line without control characters")
    }
    try length(trimmed, field: field, maximum: maximum)
    return trimmed
  }

  /// A longer text that may span lines (tabs and newlines allowed, other control characters not).
  public static func text(_ value: String, field: String, required: Bool, maximum: Int) throws -> String {
    if hasControlCharacter(value, allowingLineBreaks: true) {
      throw LedgerError.invalid(field, "must not contain control characters other than tabs and newlines")
    }
    let trimmed = trimmed(value)
    if trimmed.isEmpty {
      if required { throw LedgerError.invalid(field, "is required and must not be blank") }
      return ""
    }
    try length(trimmed, field: field, maximum: maximum)
    return trimmed
  }

  /// A SHA-256 as 64 hexadecimal digits, lower-cased, or empty.
  public static func sha256(_ value: String, field: String) throws -> String {
    let digest = value.lowercased()
    guard digest.isEmpty || (digest.utf8.count == 64 && digest.utf8.allSatisfy(\.isHexadecimalDigit)) else {
      throw LedgerError.invalid(field, "must be 64 hexadecimal digits (a SHA-256), or empty")
    }
    return digest
  }

  /// `value` without leading and trailing white space and line breaks (as Foundation's
  /// `.whitespacesAndNewlines`), copying nothing when there are none, as is usual.
  static func trimmed(_ value: String) -> String {
    let scalars = value.unicodeScalars
    guard let first = scalars.first, let last = scalars.last else { return value }
    guard isTrimmed(first) || isTrimmed(last) else { return value }
    return value.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  private static func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x20, 0x85: return true
    case 0..<0x80: return false
    default:
      switch scalar.properties.generalCategory {
      case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
      default: return false
      }
    }
  }

  /// Whether `value` holds a control character (general category Cc); tabs and line breaks pass when
  /// `allowingLineBreaks`. ASCII text is checked byte by byte.
  static func hasControlCharacter(_ value: String, allowingLineBreaks: Bool) -> Bool {
    var ascii = true
    for byte in value.utf8 {
      if byte >= 0x80 {
        ascii = false
        break
      }
      if byte < 0x20 || byte == 0x7F {
        if allowingLineBreaks && (byte == 0x09 || byte == 0x0A || byte == 0x0D) { continue }
        return true
      }
    }
    if ascii { return false }
    // General category Cc is exactly U+0000–U+001F and U+007F–U+009F (a fixed set since Unicode 1.1):
    // compared directly, not through the scalar's properties, which an import paid for on every letter.
    return value.unicodeScalars.contains {
      ($0.value < 0x20 || (0x7F...0x9F).contains($0.value))
        && !(allowingLineBreaks && ($0 == "\n" || $0 == "\t" || $0 == "\r"))
    }
  }

  /// How many UTF-8 bytes a text field may hold per character of its maximum: a character (a grapheme
  /// cluster) can be any number of bytes — a letter with thousands of combining marks is one — so
  /// characters alone do not bound a field's size.
  public static let bytesPerCharacter = 4

  /// Refuses `value` if it has more than `maximum` characters or more than ``bytesPerCharacter`` ×
  /// `maximum` UTF-8 bytes; the message names both limits.
  private static func length(_ value: String, field: String, maximum: Int) throws {
    // A character is at least one byte: text within `maximum` bytes needs no counting.
    let bytes = value.utf8.count
    guard bytes > maximum else { return }
    let maximumBytes = maximum * bytesPerCharacter
    let limits = "the maximum is \(maximum) characters and \(maximumBytes) UTF-8 bytes"
    if bytes > maximumBytes {
      throw LedgerError.invalid(field, "is \(bytes) UTF-8 bytes long; \(limits)")
    }
    // Counted only within the byte limit.
    let count = value.count
    if count > maximum {
      throw LedgerError.invalid(field, "is \(count) characters long; \(limits)")
    }
  }

  /// An absolute http or https URL with a host.
  public static func url(_ value: String, field: String, required: Bool = false) throws -> String {
    let trimmed = try line(value, field: field, required: required, maximum: 2048)
    guard !trimmed.isEmpty else { return "" }
    guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
      let host = url.host, !host.isEmpty, !trimmed.contains(" ")
    else {
      throw LedgerError.invalid(field, "\"\(trimmed)\" is not an http or https URL")
    }
    return trimmed
  }

  /// A BCP 47 language tag such as `en`, `ru` or `pt-BR`.
  public static func language(_ value: String, field: String) throws -> String {
    let trimmed = try line(value, field: field, required: false, maximum: 35)
    guard !trimmed.isEmpty else { return "" }
    let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false)
    let primaryOK = (2...3).contains(parts[0].count) && parts[0].allSatisfy { $0.isASCII && $0.isLetter }
    let restOK = parts.dropFirst().allSatisfy { part in
      (1...8).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
    guard primaryOK, restOK else {
      throw LedgerError.invalid(field, "\"\(trimmed)\" is not a language tag such as en or pt-BR")
    }
    return trimmed
  }

  /// An ISO 3166-1 alpha-2 country code, upper-cased.
  public static func country(_ value: String, field: String) throws -> String {
    let trimmed = try line(value, field: field, required: false, maximum: 2).uppercased()
    guard trimmed.isEmpty || (trimmed.count == 2 && trimmed.allSatisfy { $0.isASCII && $0.isLetter }) else {
      throw LedgerError.invalid(field, "\"\(value)\" is not a two-letter country code such as RU")
    }
    return trimmed
  }

  /// A Wikidata item id such as `Q312296`.
  public static func wikidataID(_ value: String, field: String) throws -> String {
    let trimmed = try line(value, field: field, required: false, maximum: 20).uppercased()
    guard
      trimmed.isEmpty
        || (trimmed.first == "Q" && trimmed.count > 1 && trimmed.dropFirst().allSatisfy(\.isASCII)
          && trimmed.dropFirst().allSatisfy(\.isNumber))
    else {
      throw LedgerError.invalid(field, "\"\(value)\" is not a Wikidata item id such as Q312296")
    }
    return trimmed
  }

  /// A date with its precision, not in the future; required unless `required` is false and it is unset.
  public static func date(
    _ value: PartialDate?, field: String, required: Bool, today: PartialDate
  ) throws -> PartialDate? {
    guard let value else {
      if required { throw LedgerError.invalid(field, "is required (a year, a year and month, or a full date)") }
      return nil
    }
    guard (1...9999).contains(value.year) else {
      throw LedgerError.invalid(field + ".year", "\(value.year) is not a year between 1 and 9999")
    }
    guard (0...12).contains(value.month) else {
      throw LedgerError.invalid(field + ".month", "\(value.month) is not a month (1–12, or 0 when unknown)")
    }
    if value.day != 0 {
      guard value.month != 0 else { throw LedgerError.invalid(field + ".day", "a day needs a month") }
      let days = PartialDate.daysInMonth(year: value.year, month: value.month)
      guard (1...days).contains(value.day) else {
        throw LedgerError.invalid(field + ".day", "\(value.year)-\(value.month) has no day \(value.day)")
      }
    } else if value.day < 0 {
      throw LedgerError.invalid(field + ".day", "\(value.day) is not a day")
    }
    if value.rangeStart > today.rangeStart {
      throw LedgerError.invalid(field, "\(value.iso) is in the future")
    }
    return value
  }

  /// The most topics a claim has.
  public static let maximumTopics = 32

  /// Topics: trimmed, lower-cased, de-duplicated, each at most 64 characters, at most
  /// ``maximumTopics`` of them (counted as given, before anything else is checked).
  public static func topics(_ values: [String], field: String) throws -> [String] {
    guard values.count <= maximumTopics else {
      throw LedgerError.invalid(field, "has \(values.count) topics; the maximum is \(maximumTopics)")
    }
    var seen = Set<String>()
    var topics: [String] = []
    for (index, value) in values.enumerated() {
      let topic = try line(value, field: "\(field)[\(index)]", required: true, maximum: 64).lowercased()
      if seen.insert(topic).inserted { topics.append(topic) }
    }
    return topics
  }

  /// A resource id given in a request: required, one line, reasonable length.
  public static func id(_ value: String, field: String) throws -> String {
    try line(value, field: field, required: true, maximum: 200)
  }
}

extension PartialDate {
  /// Today's date in UTC.
  public static func today(now: Date = Date()) -> PartialDate {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let components = calendar.dateComponents([.year, .month, .day], from: now)
    var date = PartialDate()
    date.year = Int32(components.year!)
    date.month = Int32(components.month!)
    date.day = Int32(components.day!)
    return date
  }
}

extension UInt8 {
  /// 0-9, a-f (the digits of a lower-cased hexadecimal string).
  fileprivate var isHexadecimalDigit: Bool { (0x30...0x39).contains(self) || (0x61...0x66).contains(self) }
}
