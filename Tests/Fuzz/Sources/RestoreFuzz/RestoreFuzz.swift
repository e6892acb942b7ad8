import Foundation
import FuzzDriver
import GainsayCore
import GainsayProto
import Glibc

/// The rules a restore is checked against; the verifier reads no store, so this one holds nothing.
let rules = Ledger(store: EmptyStore(), now: { Date(timeIntervalSince1970: 1_800_000_000) })

/// libFuzzer's entry point: the bytes are an ImportRecordsRequest, its records a restore to verify. Any
/// outcome but a crash is fine: a refusal must be a LedgerError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRestore(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard let request = try? ImportRecordsRequest(decoding: UnsafeRawBufferPointer(start: data, count: size)) else {
    return 0
  }
  let records = request.records.compactMap { item in item.record.map { RestoreRecord(line: item.line, record: $0) } }
  do {
    let verified = try RestoreVerifier(rules: rules, now: Date(timeIntervalSince1970: 1_800_000_000)).verify(records)
    // What passes is whole: numbered events, one per sequence.
    for (index, event) in verified.auditEvents.enumerated() where event.sequence != Int64(index + 1) {
      fatalError("accepted an audit log out of order")
    }
  } catch is LedgerError {
  } catch {
    fatalError("a restore was refused with something other than a LedgerError: \(error)")
  }
  return 0
}

/// SwiftPM links executables through their own `main`: hand the command line to libFuzzer's driver.
@main
enum Main {
  static func main() {
    runLibFuzzer { fuzzRestore($0, $1) }
  }
}
