import Foundation
import GainsayProto

/// One field an audit event changed: its path (`text`, `quote.exact`, `state`) and its values before
/// and after, as JSON (absent when the field was unset, i.e. at its default).
struct FieldChange {
  let path: String
  let before: JSONValue?
  let after: JSONValue?
  /// Whether the values are words rather than text (enum values, dates): shown without quotes.
  var isWord = false

  /// `text: "old" → "new"`, `state: active → withdrawn`; long texts shortened around what changed.
  var description: String {
    if !isWord, case .string(let old)? = before, case .string(let new)? = after, max(old.count, new.count) > 100 {
      let (oldPart, newPart) = AuditDiff.differingParts(old, new)
      return "\(path): \"\(oldPart)\" → \"\(newPart)\""
    }
    return "\(path): \(AuditDiff.show(before, quoted: !isWord)) → \(AuditDiff.show(after, quoted: !isWord))"
  }

  /// `{"field": …, "before": …, "after": …}` (null when unset).
  var json: JSONValue {
    .object([("field", .string(path)), ("before", before ?? .null), ("after", after ?? .null)])
  }
}

/// What changed between an audit event's `before` and `after`, computed from their proto JSON.
enum AuditDiff {
  /// Fields that change with every edit or are derived, not edited: left out of the changes.
  static let ignored: Set<String> = [
    "update_time", "revision", "evidence", "latest_rating", "speaker_name", "withdrawal_reason",
    "retraction_reason",
  ]

  /// The resource inside an audit event's `before` or `after`, as JSON.
  static func json(_ resource: Resource?) -> JSONValue? {
    switch resource?.kind {
    case .speaker(let value)?: value.jsonValue
    case .claim(let value)?: value.jsonValue
    case .source(let value)?: value.jsonValue
    case .link(let value)?: value.jsonValue
    case .verdict(let value)?: value.jsonValue
    case nil: nil
    }
  }

  /// The changed fields, in field order; nested messages compared field by field (`quote.exact`);
  /// lists and dates compared whole.
  static func changes(_ event: AuditEvent) -> [FieldChange] {
    guard let after = json(event.after) else { return [] }
    return changes(json(event.before) ?? .object([]), after, prefix: "")
  }

  private static func changes(_ before: JSONValue, _ after: JSONValue, prefix: String) -> [FieldChange] {
    guard case .object(let old) = before, case .object(let new) = after else { return [] }
    var keys: [String] = old.map(\.0)
    for (key, _) in new where !keys.contains(key) { keys.append(key) }
    var result: [FieldChange] = []
    for key in keys {
      let name = snakeCase(key)
      guard !ignored.contains(name) else { continue }
      let path = prefix.isEmpty ? name : prefix + "." + name
      let rawOld = old.first { $0.0 == key }?.1
      let rawNew = new.first { $0.0 == key }?.1
      // An unset state is UNSPECIFIED, which old records use for active.
      let unset: JSONValue? = name == "state" ? .string("active") : nil
      let oldValue = rawOld.map { normalised(name, $0) } ?? unset
      let newValue = rawNew.map { normalised(name, $0) } ?? unset
      if oldValue == newValue { continue }
      if case .object? = rawOld ?? rawNew, !isDate(rawOld ?? rawNew) {
        result += changes(rawOld ?? .object([]), rawNew ?? .object([]), prefix: path)
      } else {
        // Normalising turned an enum name or a date into a word.
        let isWord = (rawOld != nil && rawOld != oldValue) || (rawNew != nil && rawNew != newValue)
        result.append(FieldChange(path: path, before: oldValue, after: newValue, isWord: isWord))
      }
    }
    return result
  }

  /// Enum names as people say them (`LINK_STATE_WITHDRAWN` → `withdrawn`; an unspecified state, as old
  /// records have, → `active`) and partial dates as ISO text.
  private static func normalised(_ field: String, _ value: JSONValue) -> JSONValue {
    if isDate(value), case .object(let parts) = value {
      let number = { (key: String) -> Int32 in
        if case .integer(let value)? = parts.first(where: { $0.0 == key })?.1 { return Int32(value) }
        return 0
      }
      var date = PartialDate()
      date.year = number("year")
      date.month = number("month")
      date.day = number("day")
      return .string(date.iso)
    }
    guard case .string(let text) = value, text.first?.isUppercase == true,
      text.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber })
    else { return value }
    for prefix in enumPrefixes where text.hasPrefix(prefix) {
      let word = text.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "_", with: " ")
      return .string(field == "state" && word == "unspecified" ? "active" : word)
    }
    return value
  }

  private static let enumPrefixes = [
    "LINK_STATE_", "VERDICT_STATE_", "CLAIM_STATE_", "RELATION_", "ATTRIBUTION_STATUS_", "SOURCE_KIND_",
    "SPEAKER_KIND_",
  ]

  /// Whether a JSON object is a PartialDate (only year, month and day).
  private static func isDate(_ value: JSONValue?) -> Bool {
    guard case .object(let parts)? = value, !parts.isEmpty else { return false }
    return parts.allSatisfy { ["year", "month", "day"].contains($0.0) }
  }

  /// `archivedTextSha256` → `archived_text_sha256`: the .proto's field names, as update masks use.
  static func snakeCase(_ key: String) -> String {
    var out = ""
    for character in key {
      if character.isUppercase {
        out += "_" + character.lowercased()
      } else {
        out.append(character)
      }
    }
    return out
  }

  /// A value for a change line: strings quoted (unless `quoted` is false), lists and objects as compact
  /// JSON, unset as "(none)".
  static func show(_ value: JSONValue?, quoted: Bool = true) -> String {
    guard let value else { return "(none)" }
    if case .string(let text) = value { return quoted ? "\"" + Output.short(text, 100) + "\"" : Output.short(text) }
    return Output.short(value.serialized(), 100)
  }

  /// The parts of two long texts that differ, with a little context and "…" where text is left out.
  static func differingParts(_ old: String, _ new: String) -> (String, String) {
    let a = Array(old)
    let b = Array(new)
    var start = 0
    while start < a.count && start < b.count && a[start] == b[start] { start += 1 }
    var endA = a.count
    var endB = b.count
    while endA > start && endB > start && a[endA - 1] == b[endB - 1] {
      endA -= 1
      endB -= 1
    }
    let context = 20
    func part(_ characters: [Character], _ end: Int) -> String {
      let from = max(0, start - context)
      let to = min(characters.count, end + context)
      let text = (from > 0 ? "…" : "") + String(characters[from..<to]) + (to < characters.count ? "…" : "")
      return Output.short(text, 160)
    }
    return (part(a, endA), part(b, endB))
  }
}
