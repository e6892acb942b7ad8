import GainsayProto

/// Writes a report in one format from its claims read a page at a time: a first pass for the overview
/// when the format needs one, then a pass for each of the format's sections over the claims it holds.
/// The streamed report reads the pages from one snapshot of the ledger; tests read them from memory.
struct ReportComposer {
  /// Hands `body` the entries of the claims at `indices` (ascending indices in the report's order), in
  /// order, a page at a time.
  typealias Pages = (_ indices: [Int], _ body: ([ReportEntry]) async throws -> Void) async throws -> Void

  /// The number of claims in the report.
  let claims: Int
  let pages: Pages

  func write(_ head: Report, with writer: inout any ReportFormatWriter, to sink: ReportSink) async throws {
    let all = Array(0..<claims)
    var overview = writer.overview ?? ReportOverview()
    if writer.overview != nil {
      try await pages(all) { entries in
        for entry in entries { overview.add(entry) }
      }
    }
    try await writer.begin(head, overview: overview, to: sink)
    var tally = ReportTally()
    for section in writer.sections {
      let indices = section == .all ? all : overview.claims(in: section)
      if section != .all && indices.isEmpty { continue }
      try await writer.beginSection(section, overview: overview, to: sink)
      var position = 0
      var written = 0
      try await pages(indices) { entries in
        for entry in entries {
          defer { position += 1 }
          if section == .flipFlops {
            for pair in FlipFlop.pairs(of: entry)
            where overview.showsFlipFlop(FlipFlop.key(pair.first.id, pair.second.id), at: indices[position]) {
              try await writer.flipFlop(pair, to: sink)
            }
          } else {
            try await writer.entry(entry, index: written, to: sink)
            written += 1
            tally.add(entry)
          }
        }
      }
      try await writer.endSection(section, to: sink)
    }
    // A format with an overview states the summary counted in report order, whatever its sections' order.
    try await writer.end(writer.overview != nil ? overview.summary : tally.summary, entries: tally.claims, to: sink)
    try await sink.finish()
  }
}
