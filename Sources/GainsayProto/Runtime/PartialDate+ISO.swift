/// Dates of statements keep their precision: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
extension PartialDate {
  /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
  public var iso: String {
    func pad(_ value: Int32, _ width: Int) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    var text = pad(year, 4)
    if month != 0 { text += "-" + pad(month, 2) }
    if day != 0 { text += "-" + pad(day, 2) }
    return text
  }

  /// The first day the date can mean, as sortable `YYYY-MM-DD`.
  public var rangeStart: String {
    var start = self
    if start.month == 0 { start.month = 1 }
    if start.day == 0 { start.day = 1 }
    return start.iso
  }

  /// The last day the date can mean, as sortable `YYYY-MM-DD`.
  public var rangeEnd: String {
    var end = self
    if end.month == 0 { end.month = 12 }
    if end.day == 0 { end.day = PartialDate.daysInMonth(year: end.year, month: end.month) }
    return end.iso
  }

  /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, keeping the precision; nil when malformed.
  public init?(iso text: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard (1...3).contains(parts.count), parts[0].count == 4, parts.dropFirst().allSatisfy({ $0.count == 2 }),
      parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
    else { return nil }
    self.init()
    year = Int32(parts[0])!
    month = parts.count > 1 ? Int32(parts[1])! : 0
    day = parts.count > 2 ? Int32(parts[2])! : 0
  }

  /// The number of days in a month of the Gregorian calendar.
  public static func daysInMonth(year: Int32, month: Int32) -> Int32 {
    switch month {
    case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }
}
