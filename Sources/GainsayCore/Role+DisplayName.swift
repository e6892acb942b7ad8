import GainsayProto

extension Role {
  var displayName: String {
    switch self {
    case .reader: "reader"
    case .editor: "editor"
    case .admin: "admin"
    default: "no"
    }
  }
}
