import Foundation

/// The rows of a tabular file, each with the line it starts on: its cells, or why it cannot be read.
struct TabularRow {
  enum Cells {
    case success([String])
    case failure(String)
  }
  let line: Int64
  let cells: Cells
}

/// TSV: a field is everything between tabs, quote marks included; a row is a line.
enum TSVRows {
  static func rows(_ data: Data) -> [TabularRow] {
    var rows: [TabularRow] = []
    var number: Int64 = 0
    for var line in [UInt8](data).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      number += 1
      if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
      let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
      let texts = fields.compactMap { String(validating: $0, as: UTF8.self) }
      rows.append(
        TabularRow(
          line: number, cells: texts.count == fields.count ? .success(texts) : .failure("not valid UTF-8 text")))
    }
    // The line break that ends the last row starts no row of its own.
    if case .success(let cells)? = rows.last?.cells, cells == [""] { rows.removeLast() }
    return rows
  }
}

/// CSV as RFC 4180 defines it: a field is quoted whole or not at all; inside quotes "" is a quote mark and
/// separators and line breaks are text. A quote mark anywhere else is an error on its line, and the row is
/// reported rather than guessed at.
enum CSVRows {
  static func rows(_ data: Data, separator: UInt8 = UInt8(ascii: ",")) -> [TabularRow] {
    let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriage = UInt8(ascii: "\r")
    let bytes = [UInt8](data)
    var rows: [TabularRow] = []
    var cells: [String] = []
    var cell: [UInt8] = []
    var line: Int64 = 1
    var rowLine: Int64 = 1
    var invalid = false
    var index = 0

    func endCell() {
      if let text = String(validating: cell, as: UTF8.self) { cells.append(text) } else { invalid = true }
      cell.removeAll(keepingCapacity: true)
    }
    func endRow() {
      endCell()
      rows.append(TabularRow(line: rowLine, cells: invalid ? .failure("not valid UTF-8 text") : .success(cells)))
      cells.removeAll(keepingCapacity: true)
      invalid = false
    }
    /// Reports the row as bad and skips to the end of the line the problem is on.
    func fail(_ problem: String) {
      let at = line == rowLine ? "" : " (on line \(line))"
      rows.append(TabularRow(line: rowLine, cells: .failure(problem + at)))
      cells.removeAll(keepingCapacity: true)
      cell.removeAll(keepingCapacity: true)
      invalid = false
      while index < bytes.count && bytes[index] != newline { index += 1 }
      index += 1
      line += 1
      rowLine = line
    }

    row: while index < bytes.count {
      // The start of a field.
      if bytes[index] == quote {
        let opened = line
        index += 1
        while true {
          guard index < bytes.count else {
            rowLine = opened
            fail("field \(cells.count + 1): the quoted field opened here is never closed")
            break row
          }
          let byte = bytes[index]
          if byte == quote {
            if index + 1 < bytes.count && bytes[index + 1] == quote {
              cell.append(quote)
              index += 2
              continue
            }
            index += 1
            break
          }
          if byte == newline { line += 1 }
          cell.append(byte)
          index += 1
        }
        // After the closing quote: a separator, the end of the row, or the end of the file.
        if index < bytes.count && bytes[index] == carriage && index + 1 < bytes.count && bytes[index + 1] == newline {
          index += 1
        }
        if index < bytes.count && bytes[index] != separator && bytes[index] != newline {
          fail(
            "field \(cells.count + 1): text after the closing quote mark; a quoted field ends at its closing quote "
              + "(write a quote mark inside quotes as \"\")")
          continue row
        }
      } else {
        while index < bytes.count && bytes[index] != separator && bytes[index] != newline {
          if bytes[index] == quote {
            fail(
              "field \(cells.count + 1): a quote mark in a field that does not start with one; quote the whole "
                + "field and double the mark (\"\") to keep it")
            continue row
          }
          if !(bytes[index] == carriage && index + 1 < bytes.count && bytes[index + 1] == newline) {
            cell.append(bytes[index])
          }
          index += 1
        }
      }
      if index >= bytes.count {
        endRow()
        break
      }
      if bytes[index] == separator {
        endCell()
        index += 1
        if index == bytes.count { endRow() }
      } else {
        endRow()
        index += 1
        line += 1
        rowLine = line
      }
    }
    return rows
  }
}
