public import GainsayProto
import Synchronization

/// What the daemon knows of its ledger database's integrity, shared by the background check that follows
/// an unclean stop, `Health`, the admin call `CheckIntegrity` and the store's write gate.
///
/// Damage is sticky until the daemon restarts: once a check has found it, every write is refused
/// (FAILED_PRECONDITION `LEDGER_DAMAGED`) and reads go on being served.
public final class LedgerIntegrity: Sendable {
  private struct State {
    var state: IntegrityState
    var tablesChecked = 0
    var tablesTotal = 0
    var problems: [String] = []
    var full = false
    var started: ContinuousClock.Instant?
    var duration: Duration?
  }

  private let state: Mutex<State>

  /// Sealed: the last stop was clean and the file has not changed since, so no check is due. Otherwise
  /// a check is due and the state is CHECKING (0 of 0 tables) until it starts.
  public init(sealed: Bool) {
    state = Mutex(State(state: sealed ? .sealed : .checking))
  }

  /// The report `Health` and `CheckIntegrity` give.
  public var report: IntegrityReport {
    state.withLock { state in
      var report = IntegrityReport()
      report.state = state.state
      report.tablesChecked = UInt32(clamping: state.tablesChecked)
      report.tablesTotal = UInt32(clamping: state.tablesTotal)
      report.problems = state.problems
      report.writesRefused = state.state == .damaged
      report.full = state.full
      let duration = state.duration ?? state.started.map { ContinuousClock.now - $0 }
      if let duration {
        report.durationMillis = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
      }
      return report
    }
  }

  /// A check of `tables` tables starts.
  public func begin(tables: Int, full: Bool) {
    state.withLock { state in
      guard state.state != .damaged else { return }
      state.state = .checking
      state.tablesChecked = 0
      state.tablesTotal = tables
      state.full = full
      state.started = .now
      state.duration = nil
    }
  }

  /// One more table is checked.
  public func tableChecked() {
    state.withLock { $0.tablesChecked += 1 }
  }

  /// The check ended: `problems` empty means nothing was found. Damage found stays, whatever later
  /// checks say, until the daemon restarts on a repaired file.
  public func finish(problems: [String]) {
    state.withLock { state in
      let duration = state.started.map { ContinuousClock.now - $0 }
      guard state.state != .damaged else { return }
      state.duration = duration
      if problems.isEmpty {
        state.state = .checked
      } else {
        state.state = .damaged
        state.problems = Array(problems.prefix(10))
      }
    }
  }

  /// A check that could not run to its end (interrupted, or an error): the state before it, unless
  /// damage is known.
  public func abandon(previous: IntegrityState) {
    state.withLock { state in
      guard state.state != .damaged else { return }
      state.state = previous
      state.duration = nil
      state.started = nil
    }
  }

  /// Why a write must be refused now, or nil.
  public var writeRefusal: LedgerError? {
    let problems: [String]? = state.withLock { $0.state == .damaged ? $0.problems : nil }
    guard let problems else { return nil }
    return LedgerError(
      .failedPrecondition,
      "the ledger database is damaged (\(problems.prefix(2).joined(separator: "; "))): writes are refused, "
        + "reads are still served; restore the latest backup (docs/OPERATIONS.md, \"Backups\")",
      reason: "LEDGER_DAMAGED")
  }
}
