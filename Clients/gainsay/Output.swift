import Foundation
import GainsayProto
import Glibc

/// Writing results for people (aligned, coloured on a terminal) and for scripts (JSON).
///
/// Every human-readable line goes through ``visible(_:keepingLineBreaks:)``: text from the ledger or the
/// daemon (claims, names, titles, notes, reasons, error messages) cannot move the cursor, rewrite the
/// line (a bare CR), send terminal escape sequences or reorder what is shown (bidirectional overrides).
/// JSON (`--json`) and rendered reports are written exactly.
enum Output {
  /// Colour only on a terminal, and never with NO_COLOR set.
  static let colour: Bool = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

  /// One human-readable line: controls in `text` are shown escaped (``visible(_:keepingLineBreaks:)``),
  /// except the colour sequences of ``bold(_:)``, ``dim(_:)``, ``red(_:)`` and ``green(_:)`` on a
  /// terminal.
  static func line(_ text: String = "") {
    write(1, keepingStyles(text) + "\n")
  }

  /// Text of several lines (a source's archived text): line breaks and tabs kept, other controls shown.
  static func text(_ text: String) {
    write(1, visible(text, keepingLineBreaks: true) + "\n")
  }

  /// A line of JSON, exactly (JSON text holds no raw controls: its serializer escapes them).
  static func jsonLine(_ json: String) {
    write(1, json + "\n")
  }

  /// Bytes as they are (a rendered report).
  static func raw(_ bytes: [UInt8]) {
    write(1, String(decoding: bytes, as: UTF8.self))
  }

  /// A line on standard error, shown as ``visible(_:keepingLineBreaks:)`` (an error may quote the daemon
  /// or the ledger). Without `newline` the text is the CLI's own progress display and goes as it is.
  static func error(_ text: String, newline: Bool = true) {
    write(2, newline ? visible(text) + "\n" : text)
  }

  /// `text` with every character that would act on a terminal instead of showing written as an escape:
  /// `\r`, `\n` and `\t` (unless `keepingLineBreaks`, for multi-line text, keeps LF, CR LF and tab),
  /// and `\u{1B}`-style for other C0 controls, DEL, C1 controls, the bidirectional embeddings and
  /// overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the line and paragraph separators.
  static func visible(_ text: String, keepingLineBreaks: Bool = false) -> String {
    guard text.unicodeScalars.contains(where: { isHidden($0) }) else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count + 16)
    let scalars = Array(text.unicodeScalars)
    for (index, scalar) in scalars.enumerated() {
      switch scalar {
      case "\n" where keepingLineBreaks, "\t" where keepingLineBreaks:
        out.unicodeScalars.append(scalar)
      case "\r" where keepingLineBreaks && index + 1 < scalars.count && scalars[index + 1] == "\n":
        out.unicodeScalars.append(scalar)
      case "\r": out += "\\r"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case _ where isHidden(scalar): out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// Whether ``visible(_:keepingLineBreaks:)`` escapes a character.
  static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: true
    default: false
    }
  }

  /// The escape sequences this CLI writes itself: reset, bold, dim, red, green.
  private static let styles = ["\u{1B}[0m", "\u{1B}[1m", "\u{1B}[2m", "\u{1B}[31m", "\u{1B}[32m"].map {
    Array($0.unicodeScalars)
  }

  /// ``visible(_:keepingLineBreaks:)``, but on a terminal with colour the sequences in ``styles`` stay.
  private static func keepingStyles(_ text: String) -> String {
    guard colour, text.unicodeScalars.contains("\u{1B}") else { return visible(text) }
    let scalars = Array(text.unicodeScalars)
    var out = ""
    var plain = ""
    var index = 0
    while index < scalars.count {
      if scalars[index] == "\u{1B}",
        let style = styles.first(where: { $0.elementsEqual(scalars[index..<min(scalars.count, index + $0.count)]) })
      {
        out += visible(plain)
        plain = ""
        out.unicodeScalars.append(contentsOf: style)
        index += style.count
      } else {
        plain.unicodeScalars.append(scalars[index])
        index += 1
      }
    }
    return out + visible(plain)
  }

  /// Writes everything, retrying short writes. When the reader has gone (`gainsay … | head`), exits
  /// quietly as other Unix tools do, instead of crashing on the broken pipe.
  private static func write(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeMutableBytes { buffer in
        Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        if errno == EPIPE { exit(0) }
        return
      }
      offset += written
    }
    bytes.removeAll()
  }

  /// One JSON object on one line, exactly.
  /// `message` as one line of proto JSON with `extra` keys after its own (a message that is not a JSON
  /// object is printed as it is).
  static func json(_ message: some ProtoJSONEncodable, adding extra: [(String, JSONValue)]) {
    guard case .object(let fields) = message.jsonValue else { return json(message) }
    jsonLine(JSONValue.object(fields + extra).serialized())
  }

  static func json(_ message: some ProtoJSONEncodable) {
    jsonLine(message.jsonValue.serialized())
  }

  // The styles show their text visible: ledger text inside them cannot add escape sequences of its own.
  static func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(visible(text))\u{1B}[0m" : text }
  static func dim(_ text: String) -> String { colour ? "\u{1B}[2m\(visible(text))\u{1B}[0m" : text }
  static func red(_ text: String) -> String { colour ? "\u{1B}[31m\(visible(text))\u{1B}[0m" : text }
  static func green(_ text: String) -> String { colour ? "\u{1B}[32m\(visible(text))\u{1B}[0m" : text }

  /// How evidence whose quote could not be checked (the source had no archived text) is marked.
  static var unverified: String { red("[unverified: no archived text to check the quote against]") }

  /// Label/value lines, labels aligned.
  static func record(_ rows: [(String, String)]) {
    let width = rows.map(\.0.count).max() ?? 0
    for (label, value) in rows where !value.isEmpty {
      line(dim(label.padding(toLength: width, withPad: " ", startingAt: 0)) + "  " + value)
    }
  }

  /// An aligned table; the last column is not padded. Cells are shown as ``visible(_:keepingLineBreaks:)``
  /// before they are measured, so escapes do not break the alignment.
  static func table(_ header: [String], _ cells: [[String]]) {
    guard !cells.isEmpty else { return }
    let rows = cells.map { $0.map { visible($0) } }
    var widths = header.map(\.count)
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    func format(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }
    line(bold(format(header)))
    for row in rows { line(format(row)) }
  }

  /// A similarity score (0..1) as people read it: "82% similar".
  static func similar(_ score: Double) -> String { "\(Int(score * 100))% similar" }

  /// `text` cut to `limit` characters with an ellipsis, on one line: line breaks become spaces, other
  /// controls are shown (``visible(_:keepingLineBreaks:)``).
  static func short(_ text: String, _ limit: Int = 60) -> String {
    let flat = visible(text.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " "))
    return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
  }

  static func time(_ timestamp: Timestamp?) -> String {
    guard let timestamp else { return "" }
    return timestamp.rfc3339
  }
}

extension Relation {
  /// The word journalists use: contradicts, supports, context, repeats.
  var word: String { protoName.replacingOccurrences(of: "RELATION_", with: "").lowercased() }
}

extension Claim {
  /// Who said it, for people: the speaker's name, or the id when the daemon sent no name.
  var speakerLabel: String { speakerName.isEmpty ? speakerID : speakerName }
}
