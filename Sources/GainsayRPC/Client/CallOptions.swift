/// Per-call settings.
public struct CallOptions: Sendable {
  /// How long to wait for the call to finish; sent to the server, which enforces it. Nil waits forever.
  public var timeout: Duration?
  /// Metadata sent with the call, e.g. `["request-id": "…"]`.
  public var metadata: [String: String]

  public init(timeout: Duration? = nil, metadata: [String: String] = [:]) {
    self.timeout = timeout
    self.metadata = metadata
  }
}
