import Dispatch
import Glibc
import Synchronization

/// Ctrl-C during `gainsay import`: the first stops the import after the chunk being sent, so the caller
/// can say what was committed and how to resume; a second quits at once.
///
/// While it is installed SIGINT is ignored by the process and delivered to a dispatch source instead.
/// ``uninstall()`` restores the default action. (Unchecked `Sendable`: the dispatch source is set once,
/// in `init`, and only cancelled after; the counters are atomic or locked.)
final class ImportInterruption: @unchecked Sendable {
  /// What the import has done, for the line a second Ctrl-C prints.
  struct Progress: Sendable {
    /// Records the daemon answered for (each chunk is committed as it arrives, unless --strict).
    var committed = 0
    /// Records in the chunk being sent.
    var inFlight = 0
    /// Whether the import is --strict (nothing is committed until it finishes).
    var strict = false
  }

  private let interrupts = Atomic<Int>(0)
  private let progress = Mutex(Progress())
  private let source: any DispatchSourceSignal

  /// Starts catching SIGINT.
  init() {
    signal(SIGINT, SIG_IGN)
    source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    source.setEventHandler { [self] in interrupted() }
    source.resume()
  }

  /// Whether Ctrl-C was pressed: stop sending.
  var requested: Bool { interrupts.load(ordering: .acquiring) > 0 }

  /// Records how far the import has got.
  func update(_ body: (inout Progress) -> Void) {
    var state = progress.withLock { $0 }
    body(&state)
    progress.withLock { $0 = state }
  }

  /// Stops catching SIGINT: Ctrl-C ends the process again.
  func uninstall() {
    source.cancel()
    signal(SIGINT, SIG_DFL)
  }

  private func interrupted() {
    let count = interrupts.add(1, ordering: .acquiringAndReleasing).newValue
    guard count >= 2 else { return }
    let state = progress.withLock { $0 }
    let committed =
      state.strict
      ? "nothing was committed (--strict)"
      : "\(Self.grouped(state.committed)) rows were committed before"
    let chunk = state.inFlight > 0 ? ", and nothing of the chunk being sent is guaranteed" : ""
    Output.error(
      "gainsay: interrupted again, quitting at once: \(committed)\(chunk); run the same command again to resume")
    _exit(130)
  }

  /// `12,000`: a count with thousands separators, whatever the locale.
  static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, digit) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
      out.append(digit)
    }
    return (value < 0 ? "-" : "") + out
  }
}
