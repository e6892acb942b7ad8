import GainsayProto

/// Where each mark, line and text of a ``ReportTimeline`` goes in the SVG (760 user units wide):
///
/// - a legend along the top;
/// - claims above the axis, contradicting sources below it, each in lanes (``TimelineGeometry/lanes(_:preferred:gap:)``):
///   a date known to the day is a point, a date known to the month or year a bar over the whole month
///   or year, so a report dated "2017" is drawn over all of 2017, never before a claim of July 2017; marks
///   that overlap (claims of the same day) stack in lanes; each label, fitted to a width, sits in its
///   mark's lane, so no two labels overlap; a label that finds no room is left out and told in the
///   mark's tooltip;
/// - a line from each source to each claim it contradicts, and an arc joining the two claims of each
///   flip-flop;
/// - past ``ReportTimeline/binThreshold`` claims, bars counting claims (above) and contradicting citations
///   (below) by month, dates known only to the year as a strip over the year, and counts as labels where
///   they fit.
struct TimelineLayout {
  enum Kind: String {
    case claim, source, claimBin = "claim bin", sourceBin = "source bin", legend
  }

  /// A mark: a circle (a claim of a known day), a square (a source of a known day) or a bar (a span or a
  /// bin), in the box `x0...x1`, `y0...y1`.
  struct Mark {
    let kind: Kind
    let id: String
    let date: String
    let x0: Double
    let x1: Double
    let y0: Double
    let y1: Double
    let isSpan: Bool
    let tooltip: String
    var doubted = false
    /// A flip-flop's claim outside the report's selection.
    var outside = false
    var cx: Double { (x0 + x1) / 2 }
    var cy: Double { (y0 + y1) / 2 }
  }

  /// A text, drawn from `x` (its left end) on the baseline `y`, at most `width` wide.
  struct Label {
    let text: String
    /// The whole text, when `text` was shortened to fit.
    var full = ""
    let x: Double
    let y: Double
    let width: Double
    let kind: String
    /// The box the text can take.
    var box: (x0: Double, y0: Double, x1: Double, y1: Double) {
      (x, y - TimelineGeometry.ascent, x + width, y + TimelineGeometry.descent)
    }
  }

  /// A line from a source to a claim it contradicts, or a flip-flop's arc (a quadratic curve through
  /// `control`).
  struct Line {
    let x1: Double
    let y1: Double
    let x2: Double
    let y2: Double
    var control: (x: Double, y: Double)? = nil
    let flipFlop: Bool
    let tooltip: String
  }

  static let width = 760.0
  static let left = 24.0
  static let right = width - 24
  static let laneHeight = 24.0
  /// Lanes used before labels are left out.
  static let preferredLanes = 8
  static let claimLabelWidth = 200.0
  static let sourceLabelWidth = 130.0

  private(set) var marks: [Mark] = []
  private(set) var labels: [Label] = []
  private(set) var lines: [Line] = []
  /// Tick marks on the axis.
  private(set) var ticks: [Double] = []
  private(set) var axisY = 0.0
  private(set) var height = 0.0
  let binned: Bool
  private let low: Double
  private let high: Double

  /// The x position of a day number.
  func x(_ day: Double) -> Double { Self.left + (day - low) / (high - low) * (Self.right - Self.left) }

  /// The layout of `timeline`, or nil when it has no claims.
  init?(_ timeline: ReportTimeline) {
    let outside = Self.outsideClaims(timeline)
    var spans = timeline.claims.map(\.span) + timeline.sources.map(\.span) + outside.map(\.span)
    spans += timeline.claimBins.values.map(\.span) + timeline.sourceBins.values.map(\.span)
    guard let first = spans.map(\.start).min(), let last = spans.map(\.end).max() else { return nil }
    var low = first
    var high = last
    if high - low < 60 {
      let middle = (low + high) / 2
      low = middle - 30
      high = middle + 30
    }
    let pad = (high - low) * 0.02
    self.low = low - pad
    self.high = high + pad
    binned = timeline.binned
    let legendBottom = legend(timeline)
    if binned {
      layOutBins(timeline, top: legendBottom)
    } else {
      layOutMarks(timeline, outside: outside, top: legendBottom)
    }
    layOutTicks()
  }

  /// The claims of flip-flops that are not on the timeline (outside the selection), once each.
  private static func outsideClaims(_ timeline: ReportTimeline) -> [ReportTimeline.ClaimMark] {
    guard !timeline.binned else { return [] }
    var known = Set(timeline.claims.map(\.id))
    var outside: [ReportTimeline.ClaimMark] = []
    for pair in timeline.pairs {
      for end in [pair.first, pair.second] where known.insert(end.id).inserted { outside.append(end) }
    }
    return outside
  }

  // MARK: Legend and axis

  /// The legend along the top, wrapped onto more rows when it is wider than the timeline; returns the y
  /// below it.
  private mutating func legend(_ timeline: ReportTimeline) -> Double {
    var items: [(swatch: String, text: String)] =
      binned
      ? [("claimBin", "claims a month (a strip: year only)"), ("sourceBin", "contradicting citations a month")]
      : [("claim", "said on a day"), ("claimSpan", "said in a month or year"), ("source", "contradicting report")]
    if !timeline.pairs.isEmpty { items.append(("flipFlop", "flip-flop (same speaker)")) }
    var x = 4.0
    var y = 14.0
    for item in items {
      let width = TimelineGeometry.width(item.text)
      if x + 18 + width > Self.width - 4 {
        x = 4
        y += 16
      }
      if item.swatch == "flipFlop" {
        lines.append(Line(x1: x, y1: y - 2, x2: x + 12, y2: y - 2, flipFlop: true, tooltip: item.text))
      } else {
        marks.append(
          Mark(
            kind: .legend, id: item.swatch, date: "", x0: x, x1: x + 12, y0: y - 8, y1: y - 1,
            isSpan: item.swatch != "claim", tooltip: item.text))
      }
      labels.append(Label(text: item.text, x: x + 16, y: y, width: width, kind: "legend"))
      x += 16 + width + 14
    }
    return y + TimelineGeometry.descent + 6
  }

  /// Year ticks (every 1, 2, 5, 10… years) or, over a short range, month ticks, spaced so that their
  /// labels never meet.
  private mutating func layOutTicks() {
    let days = high - low
    let yearWidth = (Self.right - Self.left) * 365.2425 / days
    let y = axisY + 16
    var candidates: [(text: String, day: Double)] = []
    if yearWidth >= 240 {
      let step = [1, 2, 3, 6].first { Double($0) * yearWidth / 12 >= TimelineGeometry.width("0000-00") + 12 } ?? 12
      let firstYear = Int32(1970 + low / 365.2425) - 1
      let lastYear = Int32(1970 + high / 365.2425) + 1
      for year in firstYear...lastYear {
        for month in stride(from: 1, through: 12, by: step) {
          let text = "\(year)-" + (month < 10 ? "0\(month)" : "\(month)")
          candidates.append((text, TimelineGeometry.dayNumber(year: year, month: Int32(month), day: 1)))
        }
      }
    } else {
      let step =
        [1, 2, 5, 10, 20, 50, 100].first { Double($0) * yearWidth >= TimelineGeometry.width("0000") + 14 } ?? 200
      let firstYear = Int32(1970 + low / 365.2425) - 1
      let lastYear = Int32(1970 + high / 365.2425) + 1
      for year in firstYear...lastYear where Int(year) % step == 0 {
        candidates.append(("\(year)", TimelineGeometry.dayNumber(year: year, month: 1, day: 1)))
      }
    }
    var lastEnd = -Double.infinity
    for candidate in candidates {
      let position = x(candidate.day)
      guard position >= Self.left - 0.5, position <= Self.right + 0.5 else { continue }
      let width = TimelineGeometry.width(candidate.text)
      let start = min(max(position - width / 2, 2), Self.width - 2 - width)
      guard start >= lastEnd + 6 else { continue }
      ticks.append(position)
      labels.append(Label(text: candidate.text, x: start, y: y, width: width, kind: "tick"))
      lastEnd = start + width
    }
  }

  // MARK: One mark per claim

  private mutating func layOutMarks(
    _ timeline: ReportTimeline, outside: [ReportTimeline.ClaimMark], top: Double
  ) {
    typealias Item = (
      id: String, span: ReportTimeline.Span, label: String, tooltip: String, doubted: Bool, outside: Bool
    )
    let claimItems: [Item] =
      timeline.claims.map { ($0.id, $0.span, $0.label, $0.tooltip, $0.doubted, false) }
      + outside.map { ($0.id, $0.span, $0.label, $0.tooltip + " (not in this report's selection)", $0.doubted, true) }
    let sourceItems: [Item] = timeline.sources.map { ($0.id, $0.span, $0.label, $0.tooltip, false, false) }

    let claimLanes = lanes(claimItems, labelWidth: Self.claimLabelWidth, markRadius: 5)
    let sourceLanes = lanes(sourceItems, labelWidth: Self.sourceLabelWidth, markRadius: 5)
    let claimLaneCount = max(1, (claimLanes.map(\.lane).max() ?? 0) + 1)
    let sourceLaneCount = (sourceLanes.map(\.lane).max() ?? -1) + 1
    // Room for the flip-flops' arcs above the claims.
    axisY = top + (timeline.pairs.isEmpty ? 4 : 30) + Double(claimLaneCount) * Self.laneHeight + 6
    height = axisY + 26 + Double(sourceLaneCount) * Self.laneHeight + 6

    var claimMarks: [String: Mark] = [:]
    for (item, place) in zip(claimItems, claimLanes) {
      // Lane 0 lies just above the axis: its label above its mark.
      let laneTop = axisY - 6 - Double(place.lane + 1) * Self.laneHeight
      let y0 = laneTop + (item.span.isDay ? 12.5 : 13.5)
      let y1 = laneTop + (item.span.isDay ? 21.5 : 20.5)
      var mark = Mark(
        kind: .claim, id: item.id, date: item.span.iso, x0: place.mark.low, x1: place.mark.high, y0: y0, y1: y1,
        isSpan: !item.span.isDay, tooltip: item.tooltip)
      mark.doubted = item.doubted
      mark.outside = item.outside
      marks.append(mark)
      claimMarks[item.id] = mark
      if let label = place.label {
        labels.append(
          Label(
            text: label.text, full: label.text == item.label ? "" : item.label, x: label.x, y: laneTop + 9,
            width: label.width, kind: "claim"))
      }
    }
    for (index, (item, place)) in zip(sourceItems, sourceLanes).enumerated() {
      // Lane 0 lies just below the axis and its tick labels: its mark above its label.
      let laneTop = axisY + 26 + Double(place.lane) * Self.laneHeight
      let mark = Mark(
        kind: .source, id: item.id, date: item.span.iso, x0: place.mark.low, x1: place.mark.high,
        y0: laneTop + (item.span.isDay ? 1 : 2), y1: laneTop + (item.span.isDay ? 11 : 10), isSpan: !item.span.isDay,
        tooltip: item.tooltip)
      marks.append(mark)
      for claimID in timeline.sources[index].claimIDs {
        guard let claim = claimMarks[claimID] else { continue }
        lines.append(Line(x1: mark.cx, y1: mark.y0, x2: claim.cx, y2: claim.y1, flipFlop: false, tooltip: ""))
      }
      if let label = place.label {
        labels.append(
          Label(
            text: label.text, full: label.text == item.label ? "" : item.label, x: label.x, y: laneTop + 22,
            width: label.width, kind: "source"))
      }
    }
    for pair in timeline.pairs {
      guard let a = claimMarks[pair.first.id], let b = claimMarks[pair.second.id] else { continue }
      arc(from: (a.cx, a.y0), to: (b.cx, b.y0), top: top, tooltip: pair)
    }
  }

  /// Where one kind of item goes: its mark's extent, its lane, and its label when it has room.
  private func lanes(
    _ items: [(id: String, span: ReportTimeline.Span, label: String, tooltip: String, doubted: Bool, outside: Bool)],
    labelWidth: Double, markRadius: Double
  ) -> [(mark: TimelineGeometry.Extent, lane: Int, label: (text: String, x: Double, width: Double)?)] {
    let prepared = items.map { item -> (TimelineGeometry.Extent, (text: String, x: Double, width: Double)) in
      var mark: TimelineGeometry.Extent
      if item.span.isDay {
        let center = x(item.span.start + 0.5)
        mark = .init(low: center - markRadius, high: center + markRadius)
      } else {
        mark = .init(low: x(item.span.start), high: x(item.span.end))
        if mark.high - mark.low < 8 {
          let center = (mark.low + mark.high) / 2
          mark = .init(low: center - 4, high: center + 4)
        }
      }
      let text = TimelineGeometry.fit(item.label, maximum: labelWidth)
      let width = TimelineGeometry.width(text)
      let labelX = min(max(mark.low, 2), Self.width - 2 - width)
      return (mark, (text, labelX, width))
    }
    // Left to right (by where each mark begins, then the report's order).
    let order = prepared.indices.sorted { (prepared[$0].0.low, $0) < (prepared[$1].0.low, $1) }
    let placements = TimelineGeometry.lanes(
      order.map { index in
        let (mark, label) = prepared[index]
        return (mark, .init(low: min(mark.low, label.x), high: max(mark.high, label.x + label.width)))
      }, preferred: Self.preferredLanes)
    var result = [(mark: TimelineGeometry.Extent, lane: Int, label: (text: String, x: Double, width: Double)?)](
      repeating: (.init(low: 0, high: 0), 0, nil), count: items.count)
    for (index, place) in zip(order, placements) {
      result[index] = (prepared[index].0, place.lane, place.labelled ? prepared[index].1 : nil)
    }
    return result
  }

  /// A flip-flop's arc between two points, bowed upward (never above `top`).
  private mutating func arc(
    from a: (x: Double, y: Double), to b: (x: Double, y: Double), top: Double, tooltip pair: ReportTimeline.Pair
  ) {
    let rise = 14 + min(30, abs(b.x - a.x) / 5)
    lines.append(
      Line(
        x1: a.x, y1: a.y, x2: b.x, y2: b.y, control: ((a.x + b.x) / 2, max(top + 2, min(a.y, b.y) - rise)),
        flipFlop: true, tooltip: "Flip-flop: \(pair.first.tooltip) — and — \(pair.second.tooltip)"))
  }

  // MARK: Counts by month

  static let countRows = 3
  static let countRowHeight = 15.0
  static let claimBarHeight = 80.0
  static let sourceBarHeight = 60.0

  private mutating func layOutBins(_ timeline: ReportTimeline, top: Double) {
    let claimLabelTop = top
    let barsTop = claimLabelTop + Double(Self.countRows) * Self.countRowHeight + 4
    axisY = barsTop + Self.claimBarHeight + 14
    let sourceBarsTop = axisY + 30
    let sourceLabelTop = sourceBarsTop + Self.sourceBarHeight + 4
    height = sourceLabelTop + Double(Self.countRows) * Self.countRowHeight + 6
    bars(
      timeline.claimBins, kind: .claimBin, stripY: axisY - 11, barBase: axisY - 14, direction: -1,
      maximumHeight: Self.claimBarHeight, labelBaseline: { claimLabelTop + Self.countRowHeight * Double($0 + 1) - 3 },
      noun: "claim")
    bars(
      timeline.sourceBins, kind: .sourceBin, stripY: axisY + 24, barBase: sourceBarsTop, direction: 1,
      maximumHeight: Self.sourceBarHeight,
      labelBaseline: { sourceLabelTop + Self.countRowHeight * Double($0 + 1) - 3 }, noun: "contradicting citation")
    for pair in timeline.pairs {
      let a = x(Self.middle(of: pair.first.span.bin))
      let b = x(Self.middle(of: pair.second.span.bin))
      arc(from: (a, axisY - 14), to: (b, axisY - 14), top: barsTop - 20, tooltip: pair)
    }
  }

  /// The bars of one set of bins: months as bars from `barBase` (up when `direction` is -1), years as a
  /// strip at `stripY`, and their counts in rows of labels where they fit.
  private mutating func bars(
    _ bins: [String: ReportTimeline.Bin], kind: Kind, stripY: Double, barBase: Double, direction: Double,
    maximumHeight: Double, labelBaseline: (Int) -> Double, noun: String
  ) {
    let sorted = bins.values.sorted { ($0.span.start, $0.span.iso) < ($1.span.start, $1.span.iso) }
    let most = Double(sorted.filter { $0.span.iso.count > 4 }.map(\.count).max() ?? 1)
    var counts: [(center: Double, text: String)] = []
    for bin in sorted {
      var x0 = x(bin.span.start)
      var x1 = x(bin.span.end)
      if x1 - x0 < 2 {
        let center = (x0 + x1) / 2
        x0 = center - 1
        x1 = center + 1
      }
      let plural = bin.count == 1 ? noun : noun + "s"
      let yearOnly = bin.span.iso.count == 4
      let tooltip =
        yearOnly
        ? "\(bin.span.iso) (known only to the year): \(bin.count) \(plural)" : "\(bin.span.iso): \(bin.count) \(plural)"
      let height = yearOnly ? 6 : max(2, maximumHeight * Double(bin.count) / most)
      let (y0, y1) =
        yearOnly ? (stripY, stripY + 6) : direction < 0 ? (barBase - height, barBase) : (barBase, barBase + height)
      marks.append(
        Mark(
          kind: kind, id: bin.span.iso, date: bin.span.iso, x0: x0, x1: x1, y0: y0, y1: y1, isSpan: true,
          tooltip: tooltip))
      counts.append(((x0 + x1) / 2, "\(bin.count)"))
    }
    // Counts in rows above (or below) the bars; one that finds no room is told by its bar's tooltip.
    let extents = counts.map { count -> TimelineGeometry.Extent in
      let width = TimelineGeometry.width(count.text)
      let start = min(max(count.center - width / 2, 2), Self.width - 2 - width)
      return .init(low: start, high: start + width)
    }
    for (row, (count, extent)) in zip(TimelineGeometry.rows(extents, rows: Self.countRows), zip(counts, extents)) {
      guard let row else { continue }
      labels.append(
        Label(text: count.text, x: extent.low, y: labelBaseline(row), width: extent.high - extent.low, kind: "count"))
    }
  }

  /// The middle day of a date's span.
  private static func middle(of date: PartialDate) -> Double {
    let span = ReportTimeline.Span(date)
    return (span.start + span.end) / 2
  }
}
