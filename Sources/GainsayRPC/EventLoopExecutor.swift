import NIOCore
import NIOPosix

/// Where a process's Swift tasks run.
public enum EventLoopExecutor {
  /// Makes NIO's event loops Swift Concurrency's global executor, so a task that awaits a reply resumes
  /// on the event loop that read it, and its next write goes out without a thread hop. Call once, from
  /// `main`, before any other task starts; a process that blocks inside tasks should not call it (a
  /// blocked task would stall the sockets of its event loop).
  ///
  /// - Returns: whether the event loops now run the process's tasks.
  @discardableResult
  public static func install() -> Bool {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
  }
}
