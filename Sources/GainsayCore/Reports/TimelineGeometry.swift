/// The geometry the HTML timeline is laid out with, in the SVG's user units: how wide a label may be
/// drawn (an estimate that errs wide), how labels are shortened, and how marks with their labels are
/// stacked in lanes so that no two overlap.
enum TimelineGeometry {
  /// The font size of every text of the timeline (the report's CSS sets the same).
  static let fontSize = 11.0
  /// How far a label's box reaches above and below its baseline (a little more than a sans-serif font's
  /// ascent and descent).
  static let ascent = 10.5
  static let descent = 3.0

  /// An upper bound of the width a text is drawn at, in user units, in any common sans-serif font
  /// (Helvetica, Arial, Liberation Sans, DejaVu Sans, which is the widest of them): each character counts
  /// at least as wide as its widest glyph among them, and characters outside ASCII (Cyrillic, Greek,
  /// CJK, emoji) as wider than an em.
  static func width(_ text: String) -> Double {
    var ems = 0.0
    for scalar in text.unicodeScalars { ems += em(scalar) }
    return (ems * fontSize).rounded(.up)
  }

  /// The width of a character in ems, erring wide.
  static func em(_ scalar: Unicode.Scalar) -> Double {
    switch scalar {
    case " ", "i", "j", "l", ".", ",", ":", ";", "'", "|", "!": 0.36
    case "f", "t", "r", "I", "J", "(", ")", "[", "]", "{", "}", "\"", "/", "\\", "-", "`": 0.5
    case "m", "w", "M", "W", "@", "%": 1.02
    case "A"..."Z", "&", "#", "~", "=", "+", "<", ">", "^", "_", "*", "?", "$": 0.86
    case "a"..."z", "0"..."9": 0.66
    case "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}": 0.56
    case "\u{2026}", "\u{2014}", "\u{2013}": 1.02
    default: scalar.isASCII ? 0.86 : 1.2
    }
  }

  /// `text` as it fits in `maximum` units: whole when it does, else cut and ended with "…".
  static func fit(_ text: String, maximum: Double) -> String {
    guard width(text) > maximum else { return text }
    let budget = maximum / fontSize - em("\u{2026}")
    var ems = 0.0
    var out = ""
    for character in text {
      let wide = character.unicodeScalars.reduce(0) { $0 + em($1) }
      guard ems + wide <= budget else { break }
      ems += wide
      out.append(character)
    }
    while out.last?.isWhitespace == true { out.removeLast() }
    return out + "\u{2026}"
  }

  /// At most `limit` characters of `text`, ended with "…" when cut.
  static func clip(_ text: String, _ limit: Int) -> String {
    text.count <= limit ? text : String(text.prefix(limit)) + "\u{2026}"
  }

  /// An interval of x positions.
  struct Extent: Equatable {
    var low: Double
    var high: Double
    func overlaps(_ other: Extent, gap: Double = 0) -> Bool { low < other.high + gap && other.low < high + gap }
  }

  /// Where ``lanes(_:preferred:gap:)`` puts an item: its lane (0 first) and whether its label is drawn.
  struct Placement: Equatable {
    let lane: Int
    let labelled: Bool
  }

  /// Stacks items in lanes so that nothing in a lane overlaps: each item is its mark, and its label
  /// beside it (`labelled`, the extent of both), or its mark alone. Items go in the order given (sorted
  /// by position), each in the first of the `preferred` lanes where it fits with its label, else in the
  /// first lane where its mark alone fits (its label left out, to be told in the mark's tooltip), else
  /// in a new lane with its label. Claims said on the same day so land in lanes above one another.
  static func lanes(_ items: [(mark: Extent, labelled: Extent)], preferred: Int, gap: Double = 6) -> [Placement] {
    var laneEnds: [Double] = []
    var placements: [Placement] = []
    func fits(_ extent: Extent, _ lane: Int) -> Bool { laneEnds[lane] + gap <= extent.low }
    for item in items {
      if let lane = (0..<min(preferred, laneEnds.count)).first(where: { fits(item.labelled, $0) }) {
        laneEnds[lane] = max(laneEnds[lane], item.labelled.high)
        placements.append(Placement(lane: lane, labelled: true))
      } else if laneEnds.count < preferred {
        laneEnds.append(item.labelled.high)
        placements.append(Placement(lane: laneEnds.count - 1, labelled: true))
      } else if let lane = laneEnds.indices.first(where: { fits(item.mark, $0) }) {
        laneEnds[lane] = max(laneEnds[lane], item.mark.high)
        placements.append(Placement(lane: lane, labelled: false))
      } else {
        laneEnds.append(item.labelled.high)
        placements.append(Placement(lane: laneEnds.count - 1, labelled: true))
      }
    }
    return placements
  }

  /// Puts each extent in the first of `rows` rows where it overlaps nothing (by at least `gap`), or
  /// nowhere (nil) when none has room.
  static func rows(_ extents: [Extent], rows: Int, gap: Double = 4) -> [Int?] {
    var rowEnds = [Double](repeating: -.infinity, count: rows)
    return extents.map { extent in
      guard let row = rowEnds.indices.first(where: { rowEnds[$0] + gap <= extent.low }) else { return nil }
      rowEnds[row] = extent.high
      return row
    }
  }

  /// Days since 1970-01-01 of a day of the proleptic Gregorian calendar.
  static func dayNumber(year: Int32, month: Int32, day: Int32) -> Double {
    let y = Int(month <= 2 ? year - 1 : year)
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let m = Int(month)
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int(day) - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return Double(era * 146_097 + doe - 719_468)
  }
}
