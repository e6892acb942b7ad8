import GainsayProto

/// The report's summary, counted entry by entry as the report streams.
struct ReportTally {
  private(set) var claims = 0
  private(set) var contradictedClaims = 0
  /// Each flip-flop (``FlipFlop/key(_:_:)``) with the index of the first claim of the report that shows it.
  private(set) var flipFlops: [String: Int] = [:]
  /// Source ids by outlet.
  private var outlets: [String: Set<String>] = [:]
  /// The earliest and the latest contradiction (the first of equals for the earliest, the last for the
  /// latest, as a stable sort of them all would give).
  private var first: (key: String, date: PartialDate)?
  private var latest: (key: String, date: PartialDate)?

  /// Whether a source or another claim contradicts the entry's claim (a flip-flop included): the claims
  /// of the "Contradicted" section.
  static func isContradicted(_ entry: ReportEntry) -> Bool {
    !entry.contradictedBy.isEmpty || !entry.contradictingClaims.isEmpty
  }

  mutating func add(_ entry: ReportEntry) {
    if Self.isContradicted(entry) { contradictedClaims += 1 }
    for related in FlipFlop.partners(of: entry) {
      let key = FlipFlop.key(entry.claim?.id ?? "", related.claim?.id ?? "")
      if flipFlops[key] == nil { flipFlops[key] = claims }
    }
    claims += 1
    for list in [entry.contradictedBy, entry.supportedBy, entry.context] {
      for evidence in list {
        if let source = evidence.source { outlets[source.outlet, default: []].insert(source.id) }
      }
    }
    for evidence in entry.contradictedBy {
      guard let day = ReportBuilder.day(of: evidence) else { continue }
      let key = day.rangeStart
      if first.map({ key < $0.key }) ?? true { first = (key, day) }
      if latest.map({ key >= $0.key }) ?? true { latest = (key, day) }
    }
  }

  var summary: ReportSummary {
    var summary = ReportSummary()
    summary.claims = Int32(claims)
    summary.contradictedClaims = Int32(contradictedClaims)
    summary.flipFlops = Int32(flipFlops.count)
    summary.sourcesByOutlet = outlets.map { outlet, ids in
      var count = OutletCount()
      count.outlet = outlet
      count.sources = Int32(ids.count)
      return count
    }.sorted { ($1.sources, $0.outlet) < ($0.sources, $1.outlet) }
    summary.firstContradiction = first?.date
    summary.latestContradiction = latest?.date
    return summary
  }
}

/// A flip-flop: two claims of the same speaker joined by a claim-to-claim `contradicts` link. A report
/// lists each pair once, both quotes with their dates, oldest first.
struct FlipFlop {
  /// The speaker.
  let speaker: Speaker
  /// The pair, the one said first first (by the first day each date can mean, then by id).
  let first: Claim
  let second: Claim
  /// The link that joins them (its note says why they contradict).
  let link: Link

  /// The claims that contradict `entry`'s claim and are the same speaker's.
  static func partners(of entry: ReportEntry) -> [RelatedClaim] {
    guard let claim = entry.claim, !claim.speakerID.isEmpty else { return [] }
    return entry.contradictingClaims.filter {
      $0.claim?.speakerID == claim.speakerID && !($0.claim?.id.isEmpty ?? true) && $0.claim?.id != claim.id
    }
  }

  /// The flip-flops of `entry`'s claim, each pair once.
  static func pairs(of entry: ReportEntry) -> [FlipFlop] {
    guard let claim = entry.claim else { return [] }
    var seen: Set<String> = []
    var pairs: [FlipFlop] = []
    for related in partners(of: entry) {
      let other = related.claim ?? Claim()
      guard seen.insert(key(claim.id, other.id)).inserted else { continue }
      let ordered = order(claim, other)
      pairs.append(
        FlipFlop(speaker: entry.speaker ?? Speaker(), first: ordered.0, second: ordered.1, link: related.link ?? Link())
      )
    }
    return pairs
  }

  /// One key for a pair of claims, whichever way it is named.
  static func key(_ a: String, _ b: String) -> String { a < b ? a + " " + b : b + " " + a }

  private static func order(_ a: Claim, _ b: Claim) -> (Claim, Claim) {
    let first = (a.saidOn?.rangeStart ?? "", a.id) <= (b.saidOn?.rangeStart ?? "", b.id)
    return first ? (a, b) : (b, a)
  }
}
