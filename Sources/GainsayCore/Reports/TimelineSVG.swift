/// The SVG of a laid-out timeline, in pieces (a piece per element), for the HTML report. Inline, with no
/// script: each mark's tooltip (its `<title>`) tells the whole of what it stands for, and each label's
/// `<title>` its whole text when it was shortened. Marks carry `data-date` (the date as written) and
/// `data-id`, for readers and tests.
extension TimelineLayout {
  func svg() -> [String] {
    var out: [String] = []
    let caption =
      binned
      ? "Claims said each month (above the axis) and the reporting that contradicts them (below)"
      : "Claims (above the axis), the reporting that contradicts them (below), and flip-flops (arcs)"
    out.append(
      "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(Self.width)) \(f(height))\" "
        + "role=\"img\" aria-label=\"\(caption)\">\n<title>\(caption)</title>\n")
    out.append(
      "<line class=\"axis\" x1=\"\(f(Self.left))\" y1=\"\(f(axisY))\" x2=\"\(f(Self.right))\" y2=\"\(f(axisY))\"/>\n")
    for tick in ticks {
      out.append(
        "<line class=\"axis\" x1=\"\(f(tick))\" y1=\"\(f(axisY - 4))\" x2=\"\(f(tick))\" y2=\"\(f(axisY + 4))\"/>\n")
    }
    for line in lines where !line.flipFlop {
      out.append(
        "<line class=\"contradicts\" x1=\"\(f(line.x1))\" y1=\"\(f(line.y1))\" x2=\"\(f(line.x2))\" y2=\"\(f(line.y2))\"/>\n"
      )
    }
    for line in lines where line.flipFlop {
      let title = line.tooltip.isEmpty ? "" : "<title>\(HTMLReport.e(line.tooltip))</title>"
      if let control = line.control {
        out.append(
          "<path class=\"flip-flop\" d=\"M\(f(line.x1)) \(f(line.y1)) Q\(f(control.x)) \(f(control.y)) "
            + "\(f(line.x2)) \(f(line.y2))\">\(title)</path>\n")
      } else {
        out.append(
          "<line class=\"flip-flop\" x1=\"\(f(line.x1))\" y1=\"\(f(line.y1))\" x2=\"\(f(line.x2))\" y2=\"\(f(line.y2))\">"
            + "\(title)</line>\n")
      }
    }
    for mark in marks { out.append(Self.element(mark)) }
    for label in labels {
      let title = label.full.isEmpty ? "" : "<title>\(HTMLReport.e(label.full))</title>"
      out.append(
        "<text class=\"label \(label.kind)\" x=\"\(f(label.x))\" y=\"\(f(label.y))\">\(HTMLReport.e(label.text))"
          + "\(title)</text>\n")
    }
    out.append("</svg>\n")
    return out
  }

  /// A mark: a circle for a claim of a known day, a square for a source of a known day, a bar for a
  /// span or a bin.
  private static func element(_ mark: Mark) -> String {
    var classes: String
    switch mark.kind {
    case .legend: classes = "legend " + mark.id
    case .claim, .source: classes = mark.kind.rawValue + (mark.isSpan ? " span" : " day")
    case .claimBin, .sourceBin: classes = mark.kind.rawValue
    }
    if mark.doubted { classes += " doubted" }
    if mark.outside { classes += " outside" }
    let data =
      mark.kind == .legend ? "" : " data-id=\"\(HTMLReport.e(mark.id))\" data-date=\"\(HTMLReport.e(mark.date))\""
    let title = mark.tooltip.isEmpty ? "" : "<title>\(HTMLReport.e(mark.tooltip))</title>"
    let round = mark.kind == .claim && !mark.isSpan || mark.id == "claim" && mark.kind == .legend
    if round {
      let radius = min(mark.x1 - mark.x0, mark.y1 - mark.y0) / 2
      return "<circle class=\"\(classes)\"\(data) cx=\"\(f(mark.cx))\" cy=\"\(f(mark.cy))\" r=\"\(f(radius))\">"
        + "\(title)</circle>\n"
    }
    return
      "<rect class=\"\(classes)\"\(data) x=\"\(f(mark.x0))\" y=\"\(f(mark.y0))\" width=\"\(f(mark.x1 - mark.x0))\" "
      + "height=\"\(f(mark.y1 - mark.y0))\"\(mark.isSpan && mark.kind != .claimBin && mark.kind != .sourceBin ? " rx=\"3\"" : "")>"
      + "\(title)</rect>\n"
  }

  /// The timeline's styles, for the report's stylesheet.
  static let css = """
    svg.timeline { width: 100%; height: auto; margin: 1rem 0; }
    svg.timeline text { font-family: Helvetica, Arial, sans-serif; font-size: 11px; fill: #333; }
    svg.timeline text.label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
    svg.timeline .axis { stroke: #888; stroke-width: 1; }
    svg.timeline .contradicts { stroke: #b3261e; stroke-opacity: 0.35; }
    svg.timeline .flip-flop { stroke: #6a1b9a; stroke-width: 2; fill: none; }
    svg.timeline .claim, svg.timeline .claimSpan, svg.timeline .claimBin { fill: #1a4f8b; }
    svg.timeline .claim.span, svg.timeline .claimSpan { fill-opacity: 0.55; stroke: #1a4f8b; }
    svg.timeline .claim.doubted { fill: #fff; stroke: #1a4f8b; stroke-width: 2; stroke-dasharray: 3 2; }
    svg.timeline .claim.outside { fill: #fff; stroke: #6a1b9a; stroke-width: 2; }
    svg.timeline .source, svg.timeline .sourceBin { fill: #b3261e; }
    svg.timeline .source.span { fill-opacity: 0.55; stroke: #b3261e; }
    svg.timeline .bin { fill-opacity: 0.8; }
    """

  private func f(_ value: Double) -> String { Self.f(value) }

  /// A coordinate with one decimal.
  static func f(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    let whole = Int(tenths) / 10
    let fraction = abs(Int(tenths)) % 10
    return (tenths < 0 && whole == 0 ? "-" : "") + "\(whole).\(fraction)"
  }
}
