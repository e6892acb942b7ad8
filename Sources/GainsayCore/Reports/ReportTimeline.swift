import GainsayProto

/// What the HTML report's timeline shows, gathered entry by entry in the report's first pass: each claim
/// and each contradicting source at the dates they are known to (a day, or a span over a month or a
/// year), the contradictions between them, and the flip-flops. Past ``binThreshold`` claims it keeps
/// counts by month (or by year, for dates known only to the year) instead of one mark per claim, so it
/// holds at most that many marks whatever the report's size. ``TimelineLayout`` places it.
struct ReportTimeline {
  /// Past this many claims the timeline counts claims and contradicting citations by month.
  static let binThreshold = 60
  /// At most this many flip-flops are drawn (as arcs); the report lists and counts them all.
  static let maximumArcs = 200

  /// The days a date can mean: `[start, end)` in day numbers (days since 1970-01-01).
  struct Span: Equatable {
    var start: Double
    var end: Double
    /// The date as written ("2017", "2017-07", "2017-07-14").
    var iso: String

    init(_ date: PartialDate) {
      iso = date.iso
      let month = max(date.month, 1)
      start = TimelineGeometry.dayNumber(year: date.year, month: month, day: max(date.day, 1))
      if date.day != 0 {
        end = start + 1
      } else if date.month != 0 {
        end = start + Double(PartialDate.daysInMonth(year: date.year, month: date.month))
      } else {
        end = TimelineGeometry.dayNumber(year: date.year + 1, month: 1, day: 1)
      }
    }

    /// Whether the date is known to the day (a point on the timeline; otherwise a span).
    var isDay: Bool { end - start <= 1 }
    /// The month (or, for a date known only to the year, the year) it is counted in when binned.
    var bin: PartialDate {
      var date = PartialDate(iso: iso) ?? PartialDate()
      date.day = 0
      return date
    }
  }

  /// A claim on the timeline.
  struct ClaimMark {
    let id: String
    let span: Span
    /// The label (the quote, with its attribution when in doubt) before it is fitted.
    let label: String
    /// The tooltip: the date, the speaker, the whole quote and its attribution.
    let tooltip: String
    let doubted: Bool
  }

  /// A source that contradicts claims of the report.
  struct SourceMark {
    let id: String
    let span: Span
    let label: String
    let tooltip: String
    /// The claims it contradicts.
    var claimIDs: [String]
  }

  /// A count of claims (or of contradicting citations) said in one month, or in one year when only the
  /// year is known.
  struct Bin {
    let span: Span
    var count: Int
  }

  /// A flip-flop: the two claims, as marks (the other one may lie outside the selection).
  struct Pair {
    let first: ClaimMark
    let second: ClaimMark
  }

  private(set) var claims: [ClaimMark] = []
  private(set) var sources: [SourceMark] = []
  private var sourceIndex: [String: Int] = [:]
  private(set) var pairs: [Pair] = []
  private var pairKeys: Set<String> = []
  /// Claims, and contradicting citations, by month or year (``Span/bin``), once binned.
  private(set) var claimBins: [String: Bin] = [:]
  private(set) var sourceBins: [String: Bin] = [:]
  /// Whether the timeline counts by month instead of showing each claim.
  private(set) var binned = false
  /// The number of claims on it (those with a date).
  private(set) var claimCount = 0

  mutating func add(_ entry: ReportEntry) {
    guard let claim = entry.claim, claim.saidOn != nil else { return }
    claimCount += 1
    let mark = Self.mark(claim, speaker: entry.speaker)
    if binned {
      Self.count(mark.span, in: &claimBins)
    } else {
      claims.append(mark)
    }
    for evidence in entry.contradictedBy {
      guard let day = ReportBuilder.day(of: evidence), let source = evidence.source else { continue }
      let span = Span(day)
      if binned {
        Self.count(span, in: &sourceBins)
      } else if let index = sourceIndex[source.id] {
        sources[index].claimIDs.append(claim.id)
      } else {
        sourceIndex[source.id] = sources.count
        var tooltip = source.outlet.isEmpty ? "" : source.outlet + ", "
        tooltip += "“\(source.title)”, \(day.iso)"
        sources.append(
          SourceMark(
            id: source.id, span: span, label: source.outlet.isEmpty ? source.title : source.outlet,
            tooltip: tooltip, claimIDs: [claim.id]))
      }
    }
    for pair in FlipFlop.pairs(of: entry) where pairs.count < Self.maximumArcs {
      guard pair.first.saidOn != nil, pair.second.saidOn != nil,
        pairKeys.insert(FlipFlop.key(pair.first.id, pair.second.id)).inserted
      else { continue }
      pairs.append(
        Pair(
          first: Self.mark(pair.first, speaker: entry.speaker), second: Self.mark(pair.second, speaker: entry.speaker)))
    }
    if !binned && claims.count > Self.binThreshold { bin() }
  }

  /// From marks to counts: the marks gathered so far become bins, and every later claim is counted.
  private mutating func bin() {
    binned = true
    for claim in claims { Self.count(claim.span, in: &claimBins) }
    for source in sources {
      for _ in source.claimIDs { Self.count(source.span, in: &sourceBins) }
    }
    claims = []
    sources = []
    sourceIndex = [:]
  }

  private static func count(_ span: Span, in bins: inout [String: Bin]) {
    let bin = span.bin
    bins[bin.iso, default: Bin(span: Span(bin), count: 0)].count += 1
  }

  static func mark(_ claim: Claim, speaker: Speaker?) -> ClaimMark {
    let doubt = ReportText.attribution(claim.attribution)
    let label = (doubt.map { $0.short + ": " } ?? "") + "“\(claim.text)”"
    let name = speaker?.name ?? claim.speakerID
    var tooltip = "\(claim.saidOn?.iso ?? "?") · \(name): “\(TimelineGeometry.clip(claim.text, 300))”"
    if let doubt { tooltip += " (\(doubt.label): \(doubt.meaning))" }
    return ClaimMark(
      id: claim.id, span: Span(claim.saidOn ?? PartialDate()), label: label, tooltip: tooltip, doubted: doubt != nil)
  }
}
