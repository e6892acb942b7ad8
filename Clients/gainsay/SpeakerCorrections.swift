import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

extension SpeakerCommand {
  /// `gainsay speaker rename SPEAKER NEW_NAME --reason …`.
  struct Rename: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Rename a speaker; the old name stays as an alias unless --drop-old-name.",
      discussion: """
        Keeping the old name as an alias means claims, scripts and colleagues that use it still find the speaker. The rename and its reason appear in `gainsay history`.

        EXAMPLES:
          gainsay speaker rename 'R. Kadyrov' 'Ramzan Kadyrov' --reason 'full name'
          gainsay speaker rename spk_1 'Ramzan Kadyrov' --drop-old-name \\
            --reason 'the old spelling was a typo'
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The speaker: an id, name or alias.") var speaker: String
    @Argument(help: "The new name.") var newName: String
    @Option(help: "Why (required; kept in the audit log).") var reason: String
    @Flag(help: "Do not keep the old name as an alias.") var dropOldName = false

    func validate() throws {
      try requireReason(reason)
      if newName.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        throw ValidationError("the new name is empty: give the name journalists should use")
      }
    }

    func run() async throws {
      try await connection.run { session in
        let current = try await session.speaker(speaker, guessing: false)
        guard current.name != newName else {
          throw CLIError(code: .invalidArgument, message: "\(current.id) is already called \"\(newName)\"")
        }
        var change = Speaker()
        change.id = current.id
        change.name = newName
        var aliases = current.aliases.filter { $0 != newName }
        if !dropOldName && !aliases.contains(current.name) { aliases.append(current.name) }
        change.aliases = aliases
        var request = UpdateSpeakerRequest()
        request.speaker = change
        var mask = FieldMask()
        mask.paths = ["name", "aliases"]
        request.updateMask = mask
        request.reason = reason
        // The aliases were computed from this revision: a change made since must not be overwritten.
        request.expectedRevision = current.revision
        let renamed = try await session.call(LedgerService.updateSpeaker, request)
        if connection.json { Output.json(renamed) } else { Output.line(renamed.id) }
      }
    }
  }

  /// `gainsay speaker merge DUPLICATE INTO --reason …`.
  struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Merge a duplicate speaker into another; prints the surviving speaker's id.",
      discussion: """
        The duplicate's name and aliases become aliases of the speaker that stays, its claims move there, and the duplicate is kept as a redirect: its id and names then find the speaker that stays. The merge is audited on the duplicate, and each moved claim gets a revision. Standard error says how many claims moved.

        EXAMPLES:
          gainsay speaker merge 'R. Kadyrov' 'Ramzan Kadyrov' --reason 'same person'
          gainsay speaker merge spk_2 spk_1 --reason 'duplicate' --json
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The duplicate: an id, name or alias.") var duplicate: String
    @Argument(help: "The speaker that stays: an id, name or alias.") var into: String
    @Option(help: "Why (required; kept in the audit log).") var reason: String

    func validate() throws { try requireReason(reason) }

    func run() async throws {
      try await connection.run { session in
        var request = MergeSpeakersRequest()
        request.duplicateID = try await session.speakerID(duplicate, guessing: false)
        request.intoID = try await session.speakerID(into, guessing: false)
        guard request.duplicateID != request.intoID else {
          let what =
            duplicate == into
            ? "cannot merge \(request.intoID) into itself"
            : "\"\(duplicate)\" and \"\(into)\" are the same speaker (\(request.intoID))"
          throw CLIError(code: .invalidArgument, message: what + ": name the duplicate, then the speaker that stays")
        }
        request.reason = reason
        let merged = try await session.call(LedgerService.mergeSpeakers, request)
        if connection.json { return Output.json(merged) }
        let survivor = merged.speaker ?? Speaker()
        let moved = merged.movedClaims == 1 ? "1 claim" : "\(merged.movedClaims) claims"
        Output.error(
          "gainsay: merged \(merged.duplicate?.name ?? request.duplicateID) (\(request.duplicateID)) into "
            + "\(survivor.name) (\(survivor.id)); \(moved) moved")
        Output.line(survivor.id)
      }
    }
  }
}
