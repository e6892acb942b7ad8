import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

extension Session {
  /// A speaker's id from an id, an exact name or an alias; unknown names list close candidates, or
  /// with `creatingIfMissing` become a new speaker.
  func speakerID(_ reference: String, creatingIfMissing: Bool = false) async throws -> String {
    var get = GetSpeakerRequest()
    get.id = reference
    do {
      return try await call(LedgerService.getSpeaker, get).id
    } catch let error as RPCError where error.code == .notFound {
      if creatingIfMissing {
        var speaker = Speaker()
        speaker.name = reference
        var create = CreateSpeakerRequest()
        create.speaker = speaker
        let created = try await call(LedgerService.createSpeaker, create)
        Output.error("gainsay: added speaker \(created.name) as \(created.id)")
        return created.id
      }
      var list = ListSpeakersRequest()
      list.nameContains = String(reference.split(separator: " ").first ?? Substring(reference))
      list.pageSize = 10
      let candidates = (try? await call(LedgerService.listSpeakers, list).speakers) ?? []
      let hint =
        candidates.isEmpty
        ? "add them with: gainsay speaker add \"\(reference)\" (or pass --add-speaker)"
        : "did you mean: " + candidates.map { "\($0.name) (\($0.id))" }.joined(separator: ", ")
      throw CLIError(code: .notFound, message: "no speaker is called \"\(reference)\"; \(hint)")
    }
  }
}
