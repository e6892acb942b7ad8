import Foundation

/// `gainsay-bench --plot DIR RUN.json…`: draws how each figure grows with the ledger, from the JSON of
/// runs at several sizes (`--json`), as SVG files in DIR — one chart per figure, the ledger's size on a
/// logarithmic axis, the target as a dashed line. Nothing is drawn by hand: the charts are the runs.
enum Plot {
  /// One figure across runs: where it is in each run's rows, and how it is shown.
  struct Chart: Sendable {
    let file: String
    let title: String
    let unit: String
    /// A row is this chart's if its name starts with `prefix` (and holds `containing`, if set).
    let series: [(label: String, prefix: String, containing: String?, value: @Sendable (Row) -> Double?)]
    let target: Double?
  }

  /// A row of a run's JSON.
  struct Row: @unchecked Sendable {
    let name: String
    /// JSONSerialization's values, read only.
    let fields: [String: Any]
    func number(_ key: String) -> Double? { (fields[key] as? NSNumber)?.doubleValue }
  }

  static let charts: [Chart] = [
    Chart(
      file: "search-latency.svg", title: "Ranked search, top 20 (1,000 queries a run)", unit: "ms",
      series: [
        ("p50", "ranked search (top 20) over", "all queries", { $0.number("p50_us").map { $0 / 1000 } }),
        ("p99", "ranked search (top 20) over", "all queries", { $0.number("p99_us").map { $0 / 1000 } }),
      ], target: 20),
    Chart(
      file: "list-latency.svg", title: "List claims by speaker, page of 50", unit: "ms",
      series: [
        ("p50", "List claims by speaker", nil, { $0.number("p50_us").map { $0 / 1000 } }),
        ("p99", "List claims by speaker", nil, { $0.number("p99_us").map { $0 / 1000 } }),
      ], target: nil),
    Chart(
      file: "import-rate.svg", title: "Import throughput (one session, chunks of 1,000)", unit: "rows/s",
      series: [("rows/s", "import ", "rows", { $0.number("value") })], target: 50_000),
    Chart(
      file: "memory.svg", title: "Daemon RSS after the import and the searches", unit: "MiB",
      series: [("RSS", "daemon RSS after the import", nil, { $0.number("value") })], target: 150 / 1.048576),
    Chart(
      file: "restart.svg", title: "Restart to first call (targets: 300 ms graceful, 1 s kill -9)",
      unit: "ms",
      series: [
        ("after a graceful stop", "startup with the ledger above after a graceful stop", nil, { $0.number("value") }),
        ("after kill -9", "first call served after kill -9", nil, { $0.number("value") }),
      ], target: 300),
  ]

  /// Reads the runs and writes every chart that at least one run has figures for; returns the files.
  static func draw(into directory: String, runs paths: [String]) throws -> [String] {
    var runs: [(claims: Double, rows: [Row])] = []
    for path in paths {
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
        throw PlotError("\(path) is not the JSON of a gainsay-bench run (an array of rows)")
      }
      let rows = list.compactMap { fields in (fields["name"] as? String).map { Row(name: $0, fields: fields) } }
      guard let claims = rows.lazy.compactMap({ $0.number("claims") }).first, claims > 0 else {
        throw PlotError("\(path) does not say the ledger's size (a run of this gainsay-bench writes \"claims\")")
      }
      runs.append((claims, rows))
    }
    runs.sort { $0.claims < $1.claims }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var written: [String] = []
    for chart in charts {
      let lines = chart.series.map { series in
        (
          series.label,
          runs.compactMap { run -> (Double, Double)? in
            let row = run.rows.first {
              $0.name.hasPrefix(series.prefix) && (series.containing.map($0.name.contains) ?? true)
            }
            return row.flatMap(series.value).map { (run.claims, $0) }
          }
        )
      }
      guard lines.contains(where: { !$0.1.isEmpty }) else { continue }
      let path = directory + "/" + chart.file
      try svg(chart, lines).write(toFile: path, atomically: true, encoding: .utf8)
      written.append(path)
    }
    return written
  }

  // MARK: - Drawing

  static let width = 640.0
  static let height = 360.0
  static let margin = (left: 78.0, right: 24.0, top: 44.0, bottom: 56.0)
  static let colours = ["#1f5fa8", "#c0392b", "#2e8b57"]

  /// A line chart: x the ledger's size (log scale), y from 0.
  static func svg(_ chart: Chart, _ lines: [(String, [(Double, Double)])]) -> String {
    let points = lines.flatMap(\.1)
    let xs = points.map(\.0)
    let (low, high) = (log10(xs.min() ?? 1) - 0.15, log10(xs.max() ?? 10) + 0.15)
    let top = niceCeiling(max(points.map(\.1).max() ?? 1, (chart.target ?? 0) * 1.1))
    let plotWidth = width - margin.left - margin.right
    let plotHeight = height - margin.top - margin.bottom
    func x(_ value: Double) -> Double { margin.left + (log10(value) - low) / max(high - low, 0.3) * plotWidth }
    func y(_ value: Double) -> Double { margin.top + plotHeight * (1 - value / top) }

    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
      viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(margin.left)" y="22" font-size="14" font-weight="bold">\(escape(chart.title))</text>

      """
    // Axes, y ticks and grid.
    for step in 0...4 {
      let value = top * Double(step) / 4
      out += line(margin.left, y(value), width - margin.right, y(value), "#e4e4e4")
      out += text(margin.left - 6, y(value) + 4, label(value), anchor: "end")
    }
    out += text(18, margin.top + plotHeight / 2, chart.unit, anchor: "middle", rotate: true)
    for size in Set(xs).sorted() {
      out += line(x(size), margin.top + plotHeight, x(size), margin.top + plotHeight + 5, "#444")
      out += text(x(size), margin.top + plotHeight + 19, claimsLabel(size), anchor: "middle")
    }
    out += text(margin.left + plotWidth / 2, height - 14, "claims in the ledger (log scale)", anchor: "middle")
    out += line(margin.left, margin.top + plotHeight, width - margin.right, margin.top + plotHeight, "#444")
    out += line(margin.left, margin.top, margin.left, margin.top + plotHeight, "#444")
    if let target = chart.target {
      out += line(margin.left, y(target), width - margin.right, y(target), "#888", dashed: true)
      out += text(width - margin.right - 4, y(target) - 5, "target " + label(target), anchor: "end", fill: "#666")
    }
    // The series, with their values written beside their points.
    for (index, (name, series)) in lines.enumerated() where !series.isEmpty {
      let colour = colours[index % colours.count]
      let path = series.map { "\(Bench.fmt(x($0.0))),\(Bench.fmt(y($0.1)))" }.joined(separator: " ")
      out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
      for (size, value) in series {
        out += "<circle cx=\"\(Bench.fmt(x(size)))\" cy=\"\(Bench.fmt(y(value)))\" r=\"3.5\" fill=\"\(colour)\"/>\n"
        out += text(x(size) + 6, y(value) - 6, label(value), anchor: "start", fill: colour)
      }
      out += text(
        margin.left + 10 + Double(index) * 170, margin.top + 14, "■ " + name, anchor: "start", fill: colour)
    }
    return out + "</svg>\n"
  }

  static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ colour: String, dashed: Bool = false)
    -> String
  {
    "<line x1=\"\(Bench.fmt(x1))\" y1=\"\(Bench.fmt(y1))\" x2=\"\(Bench.fmt(x2))\" y2=\"\(Bench.fmt(y2))\" stroke=\"\(colour)\""
      + (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
  }

  static func text(
    _ x: Double, _ y: Double, _ content: String, anchor: String, fill: String = "#222", rotate: Bool = false
  ) -> String {
    let turn = rotate ? " transform=\"rotate(-90 \(Bench.fmt(x)) \(Bench.fmt(y)))\"" : ""
    return "<text x=\"\(Bench.fmt(x))\" y=\"\(Bench.fmt(y))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\"\(turn)>"
      + escape(content) + "</text>\n"
  }

  /// The smallest 1, 2 or 5 × 10ⁿ at or above `value`.
  static func niceCeiling(_ value: Double) -> Double {
    guard value > 0 else { return 1 }
    let power = pow(10, floor(log10(value)))
    return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= value } ?? 10 * power
  }

  static func label(_ value: Double) -> String {
    value == 0 ? "0" : value >= 100 ? String(Int(value.rounded())) : value >= 10 ? String(format: "%.1f", value) : String(format: "%.2f", value)
  }

  static func claimsLabel(_ claims: Double) -> String {
    claims >= 1_000_000
      ? String(format: "%gM", claims / 1_000_000) : claims >= 1_000 ? String(format: "%gk", claims / 1_000) : label(claims)
  }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}

/// A plot that cannot be drawn from what it was given.
struct PlotError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
