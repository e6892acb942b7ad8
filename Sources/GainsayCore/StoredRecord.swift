public import GainsayProto

/// A record a ``LedgerStore`` keeps, as its own value type: a speaker, claim, source, link or verdict.
///
/// The store seam speaks in these types (``LedgerStore/get(_:id:)``, ``LedgerStore/insert(_:audit:)``,
/// ``LedgerStore/update(_:id:expectedRevision:audit:change:)``); ``Resource`` (the type-erased wrapper the
/// audit log and transfers hold) stays inside the stores and the import.
public protocol StoredRecord: Sendable {
  /// Which type of resource this record is.
  static var resourceType: ResourceType { get }

  /// The record `resource` wraps, or nil if it wraps another type.
  init?(_ resource: Resource)

  /// The record wrapped as a resource.
  var resource: Resource { get }

  /// The record's id.
  var id: String { get }

  /// The revision of a record that counts them (speakers, claims, sources); nil for links and verdicts.
  var countedRevision: Int32? { get }
}

extension StoredRecord {
  public var countedRevision: Int32? { nil }

  /// `resource` as this type of record; INTERNAL if it wraps another type (a store's fault).
  public static func unwrapped(_ resource: Resource) throws -> Self {
    guard let record = Self(resource) else { throw LedgerError(.internal, "not a \(resourceType.noun)") }
    return record
  }
}

extension Speaker: StoredRecord {
  public static var resourceType: ResourceType { .speaker }

  public init?(_ resource: Resource) {
    guard case .speaker(let speaker)? = resource.kind else { return nil }
    self = speaker
  }

  public var resource: Resource { Resource(self) }
  public var countedRevision: Int32? { revision }
}

extension Claim: StoredRecord {
  public static var resourceType: ResourceType { .claim }

  public init?(_ resource: Resource) {
    guard case .claim(let claim)? = resource.kind else { return nil }
    self = claim
  }

  public var resource: Resource { Resource(self) }
  public var countedRevision: Int32? { revision }
}

extension Source: StoredRecord {
  public static var resourceType: ResourceType { .source }

  public init?(_ resource: Resource) {
    guard case .source(let source)? = resource.kind else { return nil }
    self = source
  }

  public var resource: Resource { Resource(self) }
  public var countedRevision: Int32? { revision }
}

extension Link: StoredRecord {
  public static var resourceType: ResourceType { .link }

  public init?(_ resource: Resource) {
    guard case .link(let link)? = resource.kind else { return nil }
    self = link
  }

  public var resource: Resource { Resource(self) }
}

extension Verdict: StoredRecord {
  public static var resourceType: ResourceType { .verdict }

  public init?(_ resource: Resource) {
    guard case .verdict(let verdict)? = resource.kind else { return nil }
    self = verdict
  }

  public var resource: Resource { Resource(self) }
}

extension LedgerStore {
  /// The record of `type` with `id`, wrapped as a resource: for code that handles records of any type
  /// (an import's rows). Nil if there is none, or `type` is not a stored type.
  func wrappedRecord(_ type: ResourceType, id: String) async throws -> Resource? {
    switch type {
    case .speaker: try await get(Speaker.self, id: id)?.resource
    case .claim: try await get(Claim.self, id: id)?.resource
    case .source: try await get(Source.self, id: id)?.resource
    case .link: try await get(Link.self, id: id)?.resource
    case .verdict: try await get(Verdict.self, id: id)?.resource
    default: nil
    }
  }
}
