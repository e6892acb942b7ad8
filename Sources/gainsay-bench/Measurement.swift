import Foundation

/// A latency distribution: p50, p99 and the rate of a run of calls.
struct Measurement {
  let count: Int
  let p50: Double
  let p99: Double
  let perSecond: Double

  init(samples: [Double], elapsed: Duration) {
    let sorted = samples.sorted()
    count = sorted.count
    p50 = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
    let seconds = elapsed.seconds
    perSecond = seconds > 0 ? Double(sorted.count) / seconds : 0
  }
}

/// The latency rows so far; each is also printed to standard error as it is measured, so a long run
/// that fails late still shows what it measured.
struct Results {
  let floor: Double
  private(set) var rows: [(name: String, target: String, measurement: Measurement)] = []

  mutating func append(_ row: (name: String, target: String, measurement: Measurement)) {
    rows.append(row)
    let m = row.measurement
    FileHandle.standardError.write(
      Data(
        "measured: \(row.name): p50 \(Bench.fmt(m.p50)) µs, p99 \(Bench.fmt(m.p99)) µs, \(Int(m.perSecond))/s, \(Bench.fmt(m.p50 / floor))× floor\n"
          .utf8))
  }
}

/// The other figures so far, printed to standard error likewise.
struct Figures {
  private(set) var rows: [Figure] = []

  mutating func append(_ figure: Figure) {
    rows.append(figure)
    FileHandle.standardError.write(Data("measured: \(figure.name): \(Bench.fmt(figure.value)) \(figure.unit)\n".utf8))
  }
}

extension Measurement {
  /// Times `count` runs of a blocking `body`, one after another.
  static func timing(_ count: Int, _ body: () throws -> Void) rethrows -> Measurement {
    var samples: [Double] = []
    samples.reserveCapacity(count)
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<count {
      let begin = clock.now
      try body()
      samples.append((clock.now - begin).microseconds)
    }
    return Measurement(samples: samples, elapsed: clock.now - start)
  }
}
