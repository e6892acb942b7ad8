/// Wakes the background search for repeats (``Ledger/searchRepeats(poll:report:)``) when a claim is
/// created. Rings coalesce: however many claims arrive while a search runs, one more search follows.
public final class RepeatSearch: Sendable {
  private let rings: AsyncStream<Void>
  private let bell: AsyncStream<Void>.Continuation

  public init() {
    (rings, bell) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
  }

  /// A claim was created: search soon.
  func ring() { bell.yield() }

  /// Ends ``waitForRings`` for good.
  func stop() { bell.finish() }

  /// The rings, one per search due, until ``stop()``. Only one loop may consume them.
  var waitForRings: AsyncStream<Void> { rings }
}
