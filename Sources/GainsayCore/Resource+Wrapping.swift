public import GainsayProto

extension Resource {
  /// The resource as the audit log holds it: a source without its archived text (its SHA-256 and size
  /// identify it); anything else as it is.
  public var withoutArchivedText: Resource {
    guard case .source(var source)? = kind, !source.archivedText.isEmpty else { return self }
    source.archivedText = ""
    return Resource(source)
  }

  /// Wraps a speaker, claim, source, link or verdict.
  public init(_ speaker: Speaker) {
    self.init()
    kind = .speaker(speaker)
  }

  public init(_ claim: Claim) {
    self.init()
    kind = .claim(claim)
  }

  public init(_ source: Source) {
    self.init()
    kind = .source(source)
  }

  public init(_ link: Link) {
    self.init()
    kind = .link(link)
  }

  public init(_ verdict: Verdict) {
    self.init()
    kind = .verdict(verdict)
  }

  /// The wrapped resource's type and id.
  public var typeAndID: (ResourceType, String) {
    switch kind {
    case .speaker(let value): (.speaker, value.id)
    case .claim(let value): (.claim, value.id)
    case .source(let value): (.source, value.id)
    case .link(let value): (.link, value.id)
    case .verdict(let value): (.verdict, value.id)
    case nil: (.unspecified, "")
    }
  }
}
