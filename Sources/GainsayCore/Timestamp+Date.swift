public import Foundation
public import GainsayProto

extension Timestamp {
  /// The timestamp of a moment.
  public init(date: Date) {
    self.init()
    let interval = date.timeIntervalSince1970
    seconds = Int64(interval.rounded(.down))
    nanos = Int32(((interval - interval.rounded(.down)) * 1_000_000_000).rounded(.down))
  }

  /// The moment of a timestamp.
  public var date: Date {
    Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(nanos) / 1_000_000_000)
  }
}
