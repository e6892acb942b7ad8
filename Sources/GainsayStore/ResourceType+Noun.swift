import GainsayProto

extension ResourceType {
  var noun: String {
    switch self {
    case .speaker: "speaker"
    case .claim: "claim"
    case .source: "source"
    case .link: "link"
    case .verdict: "verdict"
    default: "resource"
    }
  }
}
