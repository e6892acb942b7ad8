/// The `grpc-timeout` request header: 1 to 8 ASCII digits and a unit, `H`, `M`, `S`, `m`, `u` or `n`.
enum GRPCTimeout {
  /// The timeout `value` names, or nil if it is malformed.
  static func parse(_ value: String) -> Duration? {
    let bytes = Array(value.utf8)
    guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
    var amount: Int64 = 0
    for digit in bytes.dropLast() {
      guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
      amount = amount * 10 + Int64(digit - UInt8(ascii: "0"))
    }
    switch unit {
    case UInt8(ascii: "H"): return .seconds(amount * 3600)
    case UInt8(ascii: "M"): return .seconds(amount * 60)
    case UInt8(ascii: "S"): return .seconds(amount)
    case UInt8(ascii: "m"): return .milliseconds(amount)
    case UInt8(ascii: "u"): return .microseconds(amount)
    case UInt8(ascii: "n"): return .nanoseconds(amount)
    default: return nil
    }
  }
}
