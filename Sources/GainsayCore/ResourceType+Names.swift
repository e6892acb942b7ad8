public import GainsayProto

/// What the ledger calls each type of record: its id prefix and its noun.
extension ResourceType {
  /// The prefix of this type's ids, e.g. "spk".
  public var idPrefix: String {
    switch self {
    case .speaker: "spk"
    case .claim: "clm"
    case .source: "src"
    case .link: "lnk"
    case .verdict: "vrd"
    default: ""
    }
  }

  /// The type whose ids `id` has the prefix of ("clm_…": a claim), or nil.
  public static func ofID(_ id: String) -> ResourceType? {
    let prefix = id.prefix { $0 != "_" }
    return [ResourceType.speaker, .claim, .source, .link, .verdict].first { $0.idPrefix == prefix }
  }

  /// The word for a record of this type in messages, e.g. "speaker".
  public var noun: String {
    switch self {
    case .speaker: "speaker"
    case .claim: "claim"
    case .source: "source"
    case .link: "link"
    case .verdict: "verdict"
    default: "record"
    }
  }
}
