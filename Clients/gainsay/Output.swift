import Foundation
import GainsayProto
import Glibc

/// Writing results for people (aligned, coloured on a terminal) and for scripts (JSON).
enum Output {
  /// Colour only on a terminal, and never with NO_COLOR set.
  static let colour: Bool = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

  static func line(_ text: String = "") {
    write(1, text + "\n")
  }

  /// Bytes as they are (a rendered report).
  static func raw(_ bytes: [UInt8]) {
    write(1, String(decoding: bytes, as: UTF8.self))
  }

  static func error(_ text: String, newline: Bool = true) {
    write(2, newline ? text + "\n" : text)
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

  /// One JSON object on one line.
  static func json(_ message: some ProtoJSONEncodable) {
    line(message.jsonValue.serialized())
  }

  static func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
  static func dim(_ text: String) -> String { colour ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
  static func red(_ text: String) -> String { colour ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
  static func green(_ text: String) -> String { colour ? "\u{1B}[32m\(text)\u{1B}[0m" : text }

  /// Label/value lines, labels aligned.
  static func record(_ rows: [(String, String)]) {
    let width = rows.map(\.0.count).max() ?? 0
    for (label, value) in rows where !value.isEmpty {
      line(dim(label.padding(toLength: width, withPad: " ", startingAt: 0)) + "  " + value)
    }
  }

  /// An aligned table; the last column is not padded.
  static func table(_ header: [String], _ rows: [[String]]) {
    guard !rows.isEmpty else { return }
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

  /// `text` cut to `limit` characters with an ellipsis, on one line.
  static func short(_ text: String, _ limit: Int = 60) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: " ")
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
