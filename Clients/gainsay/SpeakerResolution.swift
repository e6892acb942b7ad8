import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// How the CLI turns what a journalist typed after `--speaker` into a speaker.
///
/// 1. `GetSpeaker` accepts an id, an exact name or alias (any case), or a name equal after folding case,
///    spaces and diacritics: that speaker is taken as it is.
/// 2. Otherwise `ListSpeakers(similar_to:)` asks for close names (a misspelled word, a surname alone).
///    Exactly one: it is taken, with a note on standard error saying so. Several: the command fails with
///    NOT_FOUND (exit 69, as for an unknown name: no speaker is called that), listing them with their ids
///    ("did you mean: …"), because the fix is to pass one of the ids. None: NOT_FOUND (exit 69), saying
///    how to add the speaker.
///
/// Commands that change a speaker for good (rename, merge, edit, moving a claim) never take a close name:
/// `guessing: false` turns the single close match into NOT_FOUND naming it, so the journalist passes its
/// id. Close names can be different people.
extension Session {
  /// A speaker's id, resolved as described on this extension. `addable`: the command takes
  /// `--add-speaker` (`claim add`), which an unknown name's message then mentions.
  func speakerID(_ reference: String, guessing: Bool = true, addable: Bool = false) async throws -> String {
    try await speaker(reference, guessing: guessing, addable: addable).id
  }

  /// The speaker, resolved as described on this extension.
  func speaker(_ reference: String, guessing: Bool = true, addable: Bool = false) async throws -> Speaker {
    if let exact = try await exactSpeaker(reference) { return exact }
    let close = try await similarSpeakers(to: reference)
    switch close.count {
    case 0:
      throw CLIError(
        code: .notFound,
        message: "no speaker is called \"\(reference)\"; add them with: gainsay speaker add \"\(reference)\""
          + (addable ? " (or pass --add-speaker)" : ""))
    case 1 where guessing:
      Output.error("gainsay: note: taking \"\(reference)\" to mean \(close[0].name) (\(close[0].id))")
      return close[0]
    default:
      throw CLIError(
        code: .notFound,
        message: "no speaker is called \"\(reference)\"; did you mean: \(Self.describe(close))?"
          + " Give one of the ids instead")
    }
  }

  /// The id for `claim add --add-speaker`: an existing speaker when the name is theirs, else a new one.
  /// A name close to an existing speaker's is refused unless `allowingNew` (`--new`), so a misspelling
  /// does not become a duplicate speaker.
  func speakerIDAddingIfMissing(_ reference: String, allowingNew: Bool) async throws -> String {
    if let exact = try await exactSpeaker(reference) { return exact.id }
    if !allowingNew { try refuseNearDuplicate(of: reference, close: try await similarSpeakers(to: reference)) }
    var speaker = Speaker()
    speaker.name = reference
    var create = CreateSpeakerRequest()
    create.speaker = speaker
    let created = try await call(LedgerService.createSpeaker, create)
    Output.error("gainsay: added speaker \(created.name) as \(created.id)")
    return created.id
  }

  /// Fails with ALREADY_EXISTS when a speaker's name or alias is close to `name`, saying how to use
  /// them or to add the new speaker anyway (`--new`).
  /// A name that is exactly an existing speaker's name or alias (any case) is left to the daemon, whose
  /// ALREADY_EXISTS names the field.
  func refuseNearDuplicate(of name: String) async throws {
    if let exact = try await exactSpeaker(name) {
      let names = ([exact.name] + exact.aliases).map { $0.lowercased() }
      if names.contains(name.lowercased()) { return }
      try refuseNearDuplicate(of: name, close: [exact])
    } else {
      try refuseNearDuplicate(of: name, close: try await similarSpeakers(to: name))
    }
  }

  /// Fails with ALREADY_EXISTS when `close` (speakers whose names are close to `name`) is not empty.
  func refuseNearDuplicate(of name: String, close: [Speaker]) throws {
    guard let first = close.first else { return }
    let use =
      close.count == 1
      ? "pass --speaker \(first.id) to use them" : "pass --speaker with one of the ids to use one of them"
    throw CLIError(
      code: .alreadyExists,
      message: "\"\(name)\" looks like \(Self.describe(close)); \(use), or --new to add \"\(name)\" as a new speaker")
  }

  /// The speaker `GetSpeaker` finds for an id or a (folded) name, or nil when it finds none.
  func exactSpeaker(_ reference: String) async throws -> Speaker? {
    var get = GetSpeakerRequest()
    get.id = reference
    do {
      return try await call(LedgerService.getSpeaker, get)
    } catch let error as RPCError where error.code == .notFound {
      return nil
    }
  }

  /// Speakers whose name or alias is close to `name`, best first (at most five).
  func similarSpeakers(to name: String) async throws -> [Speaker] {
    var list = ListSpeakersRequest()
    list.similarTo = name
    list.pageSize = 5
    return try await call(LedgerService.listSpeakers, list).speakers.filter { $0.mergedInto.isEmpty }
  }

  /// `Ramzan Kadyrov (spk_…)`, joined with " or ".
  static func describe(_ speakers: [Speaker]) -> String {
    speakers.map { "\($0.name) (\($0.id))" }.joined(separator: " or ")
  }
}
