import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay speaker add|show|list|edit|rename|merge`.
struct SpeakerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "speaker", abstract: "People and organisations whose statements you log.",
    discussion: """
      Wherever a command takes a speaker, you may give an id, a name or an alias (any case, accents optional). A name close to exactly one speaker's (a misspelling, a surname alone) is taken to mean them, with a note on standard error; a name close to several fails (exit 69) listing them with their ids.

      EXAMPLES:
        gainsay speaker add 'Ramzan Kadyrov' --alias 'Рамзан Кадыров'
        gainsay speaker show Kadyrov
        gainsay speaker rename 'R. Kadyrov' 'Ramzan Kadyrov' --reason 'full name'
        gainsay speaker merge spk_2 spk_1 --reason 'the same person'
      """,
    subcommands: [Add.self, Show.self, List.self, Edit.self, Rename.self, Merge.self])

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Add a speaker; prints the new id.",
      discussion: """
        A name close to an existing speaker's name or alias is refused (exit 70) so that a misspelling does not become a second speaker; pass --new if they really are someone else.

        EXAMPLES:
          gainsay speaker add 'Ramzan Kadyrov' --country RU \\
            --alias 'Рамзан Кадыров' --wikidata Q312296
          gainsay speaker add 'Sergey Ivanov' --new  # not the Sergei Ivanov on file
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The name journalists use, e.g. \"Ramzan Kadyrov\".") var name: String
    @Option(help: "Title or office.") var role = ""
    @Option(help: "Party, government or employer.") var affiliation = ""
    @Option(help: "Two-letter country code, e.g. RU.") var country = ""
    @Option(help: "State, province or region, e.g. Chechnya.") var region = ""
    @Option(help: "Another name or spelling (repeatable).") var alias: [String] = []
    @Option(help: "Wikidata item id, e.g. Q312296.") var wikidata = ""
    @Flag(help: "The speaker is an organisation, not a person.") var organisation = false
    @Flag(help: "Add the speaker even if the name is close to an existing speaker's.") var new = false

    func run() async throws {
      try await connection.run { session in
        if !new { try await session.refuseNearDuplicate(of: name) }
        var speaker = Speaker()
        speaker.name = name
        speaker.role = role
        speaker.affiliation = affiliation
        speaker.country = country
        speaker.region = region
        speaker.aliases = alias
        speaker.wikidataID = wikidata
        speaker.kind = organisation ? .organisation : .person
        var request = CreateSpeakerRequest()
        request.speaker = speaker
        let created = try await session.call(LedgerService.createSpeaker, request)
        if connection.json { Output.json(created) } else { Output.line(created.id) }
      }
    }
  }

  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a speaker, named by id, name or alias.",
      discussion: """
        A merged speaker's id shows the speaker it was merged into.

        EXAMPLES:
          gainsay speaker show 'Рамзан Кадыров'
          gainsay speaker show spk_1 --json
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "An id, exact name or alias.") var speaker: String

    func run() async throws {
      try await connection.run { session in
        var request = GetSpeakerRequest()
        request.id = try await session.speakerID(speaker)
        let found = try await session.call(LedgerService.getSpeaker, request)
        if connection.json { return Output.json(found) }
        Output.line(Output.bold(found.name))
        Output.record([
          ("id", found.id), ("aliases", found.aliases.joined(separator: ", ")), ("role", found.role),
          ("affiliation", found.affiliation), ("country", found.country), ("region", found.region),
          ("wikidata", found.wikidataID),
          ("added", Output.time(found.createTime)), ("revision", found.revision > 0 ? String(found.revision) : ""),
          ("merged into", found.mergedInto),
        ])
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List speakers.",
      discussion: """
        --similar-to lists the speakers whose name or an alias is close to a name, best first, as `--speaker` would consider them.

        EXAMPLES:
          gainsay speaker list --country RU
          gainsay speaker list --similar-to Kadirov
        """)
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only names or aliases containing this text.") var name = ""
    @Option(help: "Only speakers from this country.") var country = ""
    @Option(help: "Only names close to this one (at most 10, best first).") var similarTo: String?

    func run() async throws {
      try await connection.run { session in
        var request = ListSpeakersRequest()
        request.nameContains = name
        request.country = country
        request.pageSize = similarTo == nil ? 1000 : 10
        request.similarTo = similarTo ?? ""
        var rows: [[String]] = []
        repeat {
          let page = try await session.call(LedgerService.listSpeakers, request)
          for speaker in page.speakers {
            if connection.json {
              Output.json(speaker)
            } else {
              rows.append([speaker.id, speaker.name, speaker.country, Output.short(speaker.role, 40)])
            }
          }
          request.pageToken = page.nextPageToken
        } while !request.pageToken.isEmpty
        if !connection.json { Output.table(["ID", "NAME", "COUNTRY", "ROLE"], rows) }
      }
    }
  }

  struct Edit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Change a speaker; only the options given change.",
      discussion: """
        To change the name, prefer `gainsay speaker rename`, which keeps the old name as an alias.

        --if-revision N applies every change given only to revision N, the one you read, in one update (aliases included): if anyone changed the speaker since, nothing changes and the error names both revisions (exit 73).

        EXAMPLES:
          gainsay speaker edit 'Ramzan Kadyrov' --affiliation 'United Russia' \\
            --reason 'party membership confirmed'
          gainsay speaker edit spk_1 --add-alias 'Kadyrov R.'
        """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "An id, exact name or alias.") var speaker: String
    @Option(help: "A new name.") var name: String?
    @Option(help: "Title or office.") var role: String?
    @Option(help: "Party, government or employer.") var affiliation: String?
    @Option(help: "Two-letter country code.") var country: String?
    @Option(help: "State, province or region.") var region: String?
    @Option(help: "Wikidata item id.") var wikidata: String?
    @Option(help: "Add an alias (repeatable).") var addAlias: [String] = []
    @Option(help: "Remove an alias (repeatable).") var removeAlias: [String] = []
    @Option(help: "Why (kept in the audit log).") var reason = ""
    @Option(help: "Change only revision N, the one you read; refused if the speaker changed since.")
    var ifRevision: Int32?

    func validate() throws { try requireRevision(ifRevision) }

    func run() async throws {
      try await connection.run { session in
        let current = try await session.speaker(speaker, guessing: false)
        let id = current.id
        var change = Speaker()
        change.id = id
        var mask = FieldMask()
        if let name { change.name = name; mask.paths.append("name") }
        if let role { change.role = role; mask.paths.append("role") }
        if let affiliation { change.affiliation = affiliation; mask.paths.append("affiliation") }
        if let country { change.country = country; mask.paths.append("country") }
        if let region { change.region = region; mask.paths.append("region") }
        if let wikidata { change.wikidataID = wikidata; mask.paths.append("wikidata_id") }
        guard !mask.paths.isEmpty || !addAlias.isEmpty || !removeAlias.isEmpty else {
          throw CLIError(code: .invalidArgument, message: "nothing to change: give at least one option")
        }
        if let ifRevision {
          // One update, the aliases as a whole list, applied only to the revision read.
          change.aliases = try Self.aliases(of: current, adding: addAlias, removing: removeAlias)
          if !addAlias.isEmpty || !removeAlias.isEmpty { mask.paths.append("aliases") }
          var request = UpdateSpeakerRequest()
          request.speaker = change
          request.updateMask = mask
          request.reason = reason
          request.expectedRevision = ifRevision
          let updated = try await session.call(LedgerService.updateSpeaker, request)
          if connection.json { Output.json(updated) } else { Output.line(id) }
          return
        }
        var result: Speaker?
        if !mask.paths.isEmpty {
          var request = UpdateSpeakerRequest()
          request.speaker = change
          request.updateMask = mask
          request.reason = reason
          result = try await session.call(LedgerService.updateSpeaker, request)
        }
        for alias in addAlias {
          var request = AddSpeakerAliasRequest()
          request.speakerID = id
          request.alias = alias
          result = try await session.call(LedgerService.addSpeakerAlias, request)
        }
        for alias in removeAlias {
          var request = RemoveSpeakerAliasRequest()
          request.speakerID = id
          request.alias = alias
          result = try await session.call(LedgerService.removeSpeakerAlias, request)
        }
        if connection.json, let result { Output.json(result) } else { Output.line(id) }
      }
    }

    /// `speaker`'s aliases with `added` appended and `removed` taken out (compared case-insensitively, as
    /// the daemon does), or an error naming an alias to remove that it does not have.
    static func aliases(of speaker: Speaker, adding added: [String], removing removed: [String]) throws -> [String] {
      var aliases = speaker.aliases
      for alias in removed {
        guard let index = aliases.firstIndex(where: { $0.lowercased() == alias.lowercased() }) else {
          throw CLIError(code: .notFound, message: "\(speaker.name) has no alias \"\(alias)\"")
        }
        aliases.remove(at: index)
      }
      for alias in added where !aliases.contains(where: { $0.lowercased() == alias.lowercased() }) {
        aliases.append(alias)
      }
      return aliases
    }
  }
}
