import Foundation
import Synchronization

/// Server-assigned resource ids: a type prefix and 16 base-32 characters, e.g. `clm_01jd3k9x2m…`.
///
/// The first 10 characters are the creation time in milliseconds since 1970 and the last 6 are random,
/// so ids sort in the order they were made (like ULIDs). Within one millisecond the process counts on
/// from the last id, so its ids are unique and strictly increasing. In storage, new rows land at the end
/// of every index keyed by id instead of on a random page, which keeps large imports fast.
public enum ResourceID {
  /// Ascending in ASCII order, so ids compare as their numbers do; no i, l, o or u.
  private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
  private static let timeCharacters = 10
  private static let randomCharacters = 6
  private static let randomLimit: UInt64 = 1 << (5 * UInt64(randomCharacters))

  private struct Last {
    var milliseconds: UInt64 = 0
    var random: UInt64 = 0
  }
  private static let last = Mutex(Last())

  public static func make(_ prefix: String) -> String {
    let now = UInt64(max(0, Date().timeIntervalSince1970 * 1_000))
    let (milliseconds, random) = last.withLock { last -> (UInt64, UInt64) in
      if now > last.milliseconds {
        // A fresh random start in the lower half leaves room to count on within the millisecond.
        last.milliseconds = now
        last.random = UInt64.random(in: 0..<(randomLimit / 2))
      } else {
        // The same millisecond (or the clock stepped back): count on, borrowing the next millisecond
        // when the counter runs out, so ids never repeat or go backwards.
        last.random += 1 + UInt64.random(in: 0..<16)
        if last.random >= randomLimit {
          last.milliseconds += 1
          last.random = UInt64.random(in: 0..<(randomLimit / 2))
        }
      }
      return (last.milliseconds, last.random)
    }
    var characters = [UInt8](repeating: 0, count: timeCharacters + randomCharacters)
    var value = milliseconds
    for index in stride(from: timeCharacters - 1, through: 0, by: -1) {
      characters[index] = alphabet[Int(value & 31)]
      value >>= 5
    }
    value = random
    for index in stride(from: timeCharacters + randomCharacters - 1, through: timeCharacters, by: -1) {
      characters[index] = alphabet[Int(value & 31)]
      value >>= 5
    }
    return prefix + "_" + String(decoding: characters, as: UTF8.self)
  }

  /// Whether `id` has the shape ``make(_:)`` gives ids of `prefix`: the prefix, `_`, and 16 characters of
  /// the base-32 alphabet.
  public static func isWellFormed(_ id: String, prefix: String) -> Bool {
    let bytes = Array(id.utf8)
    let head = Array((prefix + "_").utf8)
    guard bytes.count == head.count + timeCharacters + randomCharacters, bytes.starts(with: head) else { return false }
    return bytes[head.count...].allSatisfy { alphabet.contains($0) }
  }
}
