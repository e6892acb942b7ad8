import Foundation
import GainsayProto
import Testing

@testable import GainsayCore

/// The HTML timeline's geometry, computed from its own layout: spans for dates known to the month or
/// year, stacking, labels that never overlap, bins past the threshold, flip-flops drawn as pairs.
/// (`Tests/shell/timeline-tests.sh` checks the same in a real browser.)
@Suite("report timeline layout")
struct TimelineLayoutTests {
  static func entry(
    _ id: String, _ said: String, _ text: String = "A claim", speaker: String = "spk_1",
    attribution: AttributionStatus = .unspecified,
    contradictedBy: [(id: String, published: String, outlet: String)] = []
  ) -> ReportEntry {
    var claim = Claim()
    claim.id = id
    claim.speakerID = speaker
    claim.text = text
    claim.saidOn = PartialDate(iso: said)
    claim.attribution = attribution
    var entry = ReportEntry()
    entry.claim = claim
    var person = Speaker()
    person.id = speaker
    person.name = "Speaker " + speaker
    entry.speaker = person
    entry.contradictedBy = contradictedBy.map { item in
      var source = Source()
      source.id = item.id
      source.outlet = item.outlet
      source.title = "Title of " + item.id
      source.publishedOn = PartialDate(iso: item.published)
      var link = Link()
      link.claimID = id
      link.target = .sourceID(item.id)
      link.relation = .contradicts
      var evidence = Evidence()
      evidence.link = link
      evidence.source = source
      return evidence
    }
    return entry
  }

  static func layout(_ entries: [ReportEntry]) throws -> TimelineLayout {
    var timeline = ReportTimeline()
    for entry in entries { timeline.add(entry) }
    return try #require(TimelineLayout(timeline))
  }

  /// Every pair of texts whose boxes meet.
  static func overlaps(_ layout: TimelineLayout) -> [String] {
    var found: [String] = []
    let labels = layout.labels
    for i in labels.indices {
      for j in labels.indices where j > i {
        let a = labels[i].box
        let b = labels[j].box
        if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
          found.append("\(labels[i].text) / \(labels[j].text)")
        }
      }
    }
    return found
  }

  @Test("a width estimate errs wide, and a fitted label ends with an ellipsis within its width")
  func widths() {
    #expect(TimelineGeometry.width("WWWW") > TimelineGeometry.width("iiii"))
    // DejaVu Sans, the widest common sans-serif, draws "m" at 0.974 em and digits at 0.636 em.
    #expect(TimelineGeometry.width("mmmm") >= 4 * 0.974 * 11)
    #expect(TimelineGeometry.width("2017") >= 4 * 0.636 * 11)
    #expect(TimelineGeometry.width("Жж") >= 2 * 11)
    let long = String(repeating: "We don't have any gays ", count: 10)
    let fitted = TimelineGeometry.fit(long, maximum: 170)
    #expect(fitted.hasSuffix("…"))
    #expect(TimelineGeometry.width(fitted) <= 170)
    #expect(TimelineGeometry.fit("Short", maximum: 170) == "Short")
  }

  @Test("a date known to the month or year is a span over it: a 2017 report covers a July 2017 claim")
  func spans() throws {
    let layout = try Self.layout([
      Self.entry("clm_a", "2017-07", "We don't have any gays", contradictedBy: [("src_y", "2017", "State Department")]),
      Self.entry("clm_b", "2017-04-12", "A claim of a known day"),
    ])
    let july = try #require(layout.marks.first { $0.kind == .claim && $0.id == "clm_a" })
    let year = try #require(layout.marks.first { $0.kind == .source && $0.id == "src_y" })
    let day = try #require(layout.marks.first { $0.kind == .claim && $0.id == "clm_b" })
    #expect(july.isSpan && year.isSpan && !day.isSpan)
    #expect(year.x0 <= july.x0 && year.x1 >= july.x1, "the year's bar covers July")
    #expect(year.x0 < day.cx && day.cx < july.x0, "April lies within 2017, before July")
    // July is a month of a year: about a twelfth of the year's bar.
    let ratio = (july.x1 - july.x0) / (year.x1 - year.x0)
    #expect(ratio > 0.07 && ratio < 0.1)
    // The line from the report goes to the claim it contradicts.
    #expect(layout.lines.contains { !$0.flipFlop && $0.x1 == year.cx && $0.x2 == july.cx })
  }

  @Test("claims of the same day stack, each with its own label, and no labels overlap")
  func stacking() throws {
    let entries = (0..<5).map { Self.entry("clm_\($0)", "2019-03-08", "Statement \($0) of the day, said at length") }
    let layout = try Self.layout(entries)
    let marks = layout.marks.filter { $0.kind == .claim }
    #expect(marks.count == 5)
    #expect(Set(marks.map(\.cx)).count == 1, "one day, one x")
    #expect(Set(marks.map(\.cy)).count == 5, "stacked")
    #expect(layout.labels.filter { $0.kind == "claim" }.count == 5)
    #expect(Self.overlaps(layout).isEmpty)
  }

  @Test("60 crowded claims with long labels and their sources: no two texts overlap, all within the SVG")
  func crowded() throws {
    var entries: [ReportEntry] = []
    for index in 0..<60 {
      let said = index % 3 == 0 ? "2017" : index % 3 == 1 ? "2017-0\(1 + index % 9)" : "2017-05-1\(index % 10)"
      entries.append(
        Self.entry(
          "clm_\(index)", said, "WIDE CAPITALS AND MMMM WWWW number \(index) — Кадыров ★ ✓",
          contradictedBy: index % 2 == 0
            ? [
              (
                "src_\(index % 7)", index % 4 == 0 ? "2017" : "2017-06-0\(1 + index % 9)",
                "Outlet \(index % 7) with a long name"
              )
            ] : []))
    }
    let layout = try Self.layout(entries)
    #expect(!layout.binned)
    #expect(layout.marks.filter { $0.kind == .claim }.count == 60)
    #expect(Self.overlaps(layout).isEmpty, "\(Self.overlaps(layout).prefix(3))")
    for label in layout.labels {
      #expect(label.box.x0 >= 0 && label.box.x1 <= TimelineLayout.width, "\(label.text)")
      #expect(label.box.y0 >= 0 && label.box.y1 <= layout.height, "\(label.text)")
    }
    // Every shortened label ends with an ellipsis, and the mark's tooltip keeps the whole quote.
    #expect(layout.labels.contains { $0.text.hasSuffix("…") })
    #expect(layout.marks.allSatisfy { $0.kind == .legend || $0.tooltip.contains("Кадыров ★ ✓") || $0.kind == .source })
  }

  @Test("past 60 claims the timeline counts by month, dates known to the year in a strip of their own")
  func binning() throws {
    let sixty = (0..<ReportTimeline.binThreshold).map { Self.entry("clm_\($0)", "2015-0\(1 + $0 % 9)") }
    #expect(try !Self.layout(sixty).binned)
    var many: [ReportEntry] = []
    for index in 0..<1000 {
      let said =
        index % 10 == 0
        ? "\(2000 + index / 10 % 20)" : "\(2000 + index % 20)-\(index % 12 < 9 ? "0" : "")\(1 + index % 12)-15"
      many.append(
        Self.entry(
          "clm_\(index)", said, contradictedBy: index % 5 == 0 ? [("src_\(index)", "\(2001 + index % 20)", "O")] : []))
    }
    let layout = try Self.layout(many)
    #expect(layout.binned)
    let claimBins = layout.marks.filter { $0.kind == .claimBin }
    let counts = claimBins.map { Int($0.tooltip.split(separator: " ").dropLast(1).last ?? "") ?? 0 }
    #expect(counts.reduce(0, +) == 1000, "every claim counted once")
    #expect(
      claimBins.filter { $0.date.count == 4 }.count == 20, "a strip for each year's claims known only to the year")
    #expect(claimBins.count <= 20 + 20 * 12)
    #expect(layout.marks.filter { $0.kind == .claim }.isEmpty, "no mark per claim")
    #expect(layout.marks.contains { $0.kind == .sourceBin })
    #expect(Self.overlaps(layout).isEmpty)
    #expect(layout.labels.contains { $0.kind == "count" })
  }

  @Test("a flip-flop is an arc between its two claims; one outside the selection is drawn as such")
  func flipFlops() throws {
    var first = Self.entry("clm_1", "2017-07", "We don't have any gays")
    var other = Claim()
    other.id = "clm_2"
    other.speakerID = "spk_1"
    other.text = "Those people are not people"
    other.saidOn = PartialDate(iso: "2018-02-03")
    other.attribution = .disputed
    var related = RelatedClaim()
    var link = Link()
    link.relation = .contradicts
    related.link = link
    related.claim = other
    first.contradictingClaims = [related]
    let layout = try Self.layout([first])
    let arc = try #require(layout.lines.first { $0.flipFlop && $0.control != nil })
    let a = try #require(layout.marks.first { $0.id == "clm_1" })
    let b = try #require(layout.marks.first { $0.id == "clm_2" })
    #expect(b.outside && b.doubted)
    #expect(arc.x1 == a.cx && arc.x2 == b.cx)
    #expect((arc.control?.y ?? .infinity) < min(a.y0, b.y0), "bowed above the claims")
    #expect(layout.labels.contains { $0.text.hasPrefix("disputed: “Those people") })
    #expect(b.tooltip.contains("attribution disputed"))
    #expect(Self.overlaps(layout).isEmpty)
  }
}
