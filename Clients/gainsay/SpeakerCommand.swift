import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// `gainsay speaker add|show|list|edit`.
struct SpeakerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "speaker", abstract: "People and organisations whose statements you log.",
    subcommands: [Add.self, Show.self, List.self, Edit.self])

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add a speaker; prints the new id.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The name journalists use, e.g. \"Ramzan Kadyrov\".") var name: String
    @Option(help: "Title or office.") var role = ""
    @Option(help: "Party, government or employer.") var affiliation = ""
    @Option(help: "Two-letter country code, e.g. RU.") var country = ""
    @Option(help: "Another name or spelling (repeatable).") var alias: [String] = []
    @Option(help: "Wikidata item id, e.g. Q312296.") var wikidata = ""
    @Flag(help: "The speaker is an organisation, not a person.") var organisation = false

    func run() async throws {
      try await connection.run { session in
        var speaker = Speaker()
        speaker.name = name
        speaker.role = role
        speaker.affiliation = affiliation
        speaker.country = country
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
    static let configuration = CommandConfiguration(abstract: "Show a speaker, named by id, name or alias.")
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
          ("affiliation", found.affiliation), ("country", found.country), ("wikidata", found.wikidataID),
          ("added", Output.time(found.createTime)),
        ])
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List speakers.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only names or aliases containing this text.") var name = ""
    @Option(help: "Only speakers from this country.") var country = ""

    func run() async throws {
      try await connection.run { session in
        var request = ListSpeakersRequest()
        request.nameContains = name
        request.country = country
        request.pageSize = 1000
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
    static let configuration = CommandConfiguration(abstract: "Change a speaker; only the options given change.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "An id, exact name or alias.") var speaker: String
    @Option(help: "A new name.") var name: String?
    @Option(help: "Title or office.") var role: String?
    @Option(help: "Party, government or employer.") var affiliation: String?
    @Option(help: "Two-letter country code.") var country: String?
    @Option(help: "Wikidata item id.") var wikidata: String?
    @Option(help: "Add an alias (repeatable).") var addAlias: [String] = []
    @Option(help: "Remove an alias (repeatable).") var removeAlias: [String] = []

    func run() async throws {
      try await connection.run { session in
        let id = try await session.speakerID(speaker)
        var change = Speaker()
        change.id = id
        var mask = FieldMask()
        if let name { change.name = name; mask.paths.append("name") }
        if let role { change.role = role; mask.paths.append("role") }
        if let affiliation { change.affiliation = affiliation; mask.paths.append("affiliation") }
        if let country { change.country = country; mask.paths.append("country") }
        if let wikidata { change.wikidataID = wikidata; mask.paths.append("wikidata_id") }
        guard !mask.paths.isEmpty || !addAlias.isEmpty || !removeAlias.isEmpty else {
          throw CLIError(code: .invalidArgument, message: "nothing to change: give at least one option")
        }
        var result: Speaker?
        if !mask.paths.isEmpty {
          var request = UpdateSpeakerRequest()
          request.speaker = change
          request.updateMask = mask
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
  }
}
