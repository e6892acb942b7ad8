import GainsayProto

/// What every report format does to text from the ledger before it is written, whatever the format:
/// invisible characters are shown, links are made only to the web, and JSON is safe inside a `<script>`.
/// Each format's own syntax is escaped by that format (``MarkdownReport/escape(_:)``, ``HTMLReport/e(_:)``).
enum ReportText {
  /// Whether a character is shown as an escape such as `\u{1B}` instead of itself: C0 controls other
  /// than tab, line feed and carriage return (which each format handles), DEL, C1 controls, and the
  /// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make text
  /// read differently from what it holds.
  static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x08, 0x0B, 0x0C, 0x0E...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
  }

  /// How a hidden character is shown: `\u{1B}`, `\u{202E}` (hexadecimal, upper case).
  static func shown(_ scalar: Unicode.Scalar) -> String {
    "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
  }

  /// Whether `text` holds a character ``isHidden(_:)`` (a quick test before escaping).
  static func hasHidden(_ text: String) -> Bool {
    text.unicodeScalars.contains { isHidden($0) }
  }

  /// Whether evidence is **unquoted**: a `contradicts` or `supports` link to a source that quotes no
  /// passage of it (made with `--no-quote`, or before the source had archived text). Every format that
  /// shows evidence marks it, as it marks unverified quotes; in JSON it is the link without a `quote`.
  static func isUnquoted(_ evidence: Evidence) -> Bool {
    guard let link = evidence.link, link.relation == .contradicts || link.relation == .supports,
      case .sourceID? = link.target
    else { return false }
    return link.quote?.exact.isEmpty ?? true
  }

  /// How a claim whose attribution is in doubt is marked wherever it is shown (its label, a shorter one
  /// for the timeline, and what it means), or nil when the speaker is not in doubt (sourced, or not stated).
  static func attribution(_ status: AttributionStatus) -> (label: String, short: String, meaning: String)? {
    switch status {
    case .disputed: ("attribution disputed", "disputed", "whether the speaker said it is contested")
    case .misattributed:
      ("misattributed", "misattributed", "the speaker did not say it; it circulates under their name")
    default: nil
    }
  }

  /// The section headings of Markdown and HTML, and the line under each.
  static func heading(_ section: ReportSection) -> (title: String, lede: String) {
    switch section {
    case .all: ("Claims", "Oldest first.")
    case .contradicted:
      ("Contradicted by the record", "Claims that reporting or other statements contradict, oldest first.")
    case .flipFlops:
      ("Flip-flops", "Claims of one speaker that contradict each other, each pair once, oldest first.")
    case .notContradicted:
      ("Not contradicted by the record", "Supported, or not yet checked: nothing in the ledger contradicts them.")
    }
  }

  /// `json` with `<`, `>` and `&` written as `\u003c`, `\u003e` and `\u0026`: the same JSON value, but
  /// text that cannot close a `<script>` element or open a comment in it, so it can be pasted into
  /// `<script type="application/ld+json">`. These characters occur in JSON only inside strings, where
  /// the escapes mean the same.
  static func scriptSafeJSON(_ json: String) -> String {
    guard json.utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 }) else { return json }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(json.utf8.count + 64)
    for byte in json.utf8 {
      switch byte {
      case 0x3C: bytes.append(contentsOf: Array("\\u003c".utf8))
      case 0x3E: bytes.append(contentsOf: Array("\\u003e".utf8))
      case 0x26: bytes.append(contentsOf: Array("\\u0026".utf8))
      default: bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// `url` ready to be a link target, or nil when it is not a web address: only `http://` and `https://`
  /// URLs become links (never `javascript:`, `data:` or others). Every byte outside a conservative set
  /// of URL characters is percent-encoded: spaces, `<`, `>`, `(`, `)`, quotes, brackets, backslashes,
  /// backticks, controls and non-ASCII, so the URL cannot end the link it is written in.
  static func webLink(_ url: String) -> String? {
    let lower = url.prefix(8).lowercased()
    guard (lower.hasPrefix("http://") && url.utf8.count > 7) || (lower.hasPrefix("https://") && url.utf8.count > 8)
    else { return nil }
    var out = ""
    out.reserveCapacity(url.utf8.count)
    for byte in url.utf8 {
      if urlCharacters.contains(byte) {
        out.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
      }
    }
    return out
  }

  /// The bytes a URL keeps as they are: letters, digits and `-._~:/?#@!$&*+,;=%`.
  private static let urlCharacters: Set<UInt8> = Set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#@!$&*+,;=%".utf8)
}

extension String {
  /// The string with zeros in front up to `width` characters.
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
