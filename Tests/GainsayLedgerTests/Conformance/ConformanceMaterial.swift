import Foundation
import GainsayCore
import GainsayProto

/// Real material for the conformance suite: statements on the record about the 2017 purge in Chechnya and
/// Russia's 2013 "propaganda" law, as the reports in /work/shared/seeds quote them — curly quotes and
/// apostrophes, non-breaking spaces, Cyrillic — so every store is tested on text as newsrooms paste it.
enum Material {
  // MARK: Claims, as said

  /// Ramzan Kadyrov to HBO's Real Sports, July 2017.
  static let noGays = "We don’t have any gays. If there are any, take them to Canada."
  /// Kadyrov, same interview.
  static let notPeople =
    "They are devils. They are for sale. They are not people…. they will have to answer to the Almighty for this."
  /// Kadyrov, as quoted in May 2017.
  static let doNotExist = "You cannot arrest or repress people who just don’t exist."
  /// Alvi Karimov, Kadyrov's spokesman, to Interfax, April 2017.
  static let karimov = "Нельзя задержать и притеснять тех, кого просто нет в республике"
  /// Dmitry Peskov on a meeting with LGBT activists, August 2013.
  static let schedule = "That is Obama’s schedule. In this case Putin has his own schedule for this period of time."
  /// Vladimir Putin to the non-parliamentary parties, November 2013.
  static let xenophobia =
    "Not on a single score should we create this kind of xenophobia in society against anyone, including against "
    + "people of nontraditional sexual orientation"
  /// Putin to the Associated Press, September 2013.
  static let normalRelations =
    "I assure you that I work with these people, I sometimes award them with state prizes or decorations for their "
    + "achievements in various fields. We have absolutely normal relations, and I don’t see anything out of the "
    + "ordinary here."
  /// Boris Johnson to LGBT activists in Moscow, December 2017.
  static let freedom = "We celebrate people’s freedom of choice, including whom to love."
  /// Sarah Kate Ellis (GLAAD) on the US sanctions, December 2017.
  static let sanctions =
    "Sanctioning those responsible for the horrendous anti-LGBTQ persecution in Chechnya, including Ramzan "
    + "Kadyrov, is a step towards holding human rights abusers accountable for their atrocities"

  // MARK: Sources, as archived

  /// PinkNews, December 2017 (seed 002): the HBO quotes, with a non-breaking space as the page has them.
  static let pinkNewsTitle = "UK’s Boris Johnson meets with Russian LGBT activists, challenges Kremlin over Chechnya"
  static let pinkNewsText = """
    Human rights monitors also reported earlier this year that authorities in Chechnya\u{00A0}– an autonomous \
    region of Russia – were carrying out a homophobic purge, which the Kremlin failed to intervene to prevent.

    The 40-year-old tyrant said: “Why did he come here? What’s the point of these questions? This is nonsense. \
    We don’t have those kinds of people here.

    “We don’t have any gays. If there are any, take them to Canada.

    “They are devils. They are for sale. They are not people…. they will have to answer to the Almighty for this.”

    It was not the first time that Kadyrov denied that gay men lived in the region, claiming previously that \
    gay people are “fake Chechens”.
    """
  /// The same page after the outlet trimmed it: the "devils" paragraph is gone.
  static let pinkNewsTrimmed = """
    The 40-year-old tyrant said: “Why did he come here? What’s the point of these questions? This is nonsense. \
    We don’t have those kinds of people here.

    “We don’t have any gays. If there are any, take them to Canada.

    It was not the first time that Kadyrov denied that gay men lived in the region, claiming previously that \
    gay people are “fake Chechens”.
    """
  /// PinkNews, August 2013 (seed 000): Peskov's answer.
  static let peskovTitle = "Russia: Gay rights activist Nikolai Alekseyev seeks urgent meeting with Vladimir Putin"
  static let peskovText = """
    Dmitry Peskov, the spokesperson for the President, issued a statement shortly after Mr Alekseyev’s request \
    that Vladimir Putin will consider the meeting but must first hear the proposed “agenda.”

    He said: “That is Obama’s schedule. In this case Putin has his own schedule for this period of time.”
    """
  /// A Russian headline naming Kadyrov in Cyrillic.
  static let russianTitle = "Кадыров отрицает преследования геев в Чечне"
  static let russianText = "Глава Чечни Рамзан Кадыров заявил, что в республике «нет геев»."
}

/// Request builders beyond ``Make``'s, for the corrections and reads the suite drives.
enum Requests {
  static func get(_ id: String) -> GetClaimRequest {
    var request = GetClaimRequest()
    request.id = id
    return request
  }

  static func retract(_ id: String, _ reason: String) -> RetractClaimRequest {
    var request = RetractClaimRequest()
    request.id = id
    request.reason = reason
    return request
  }

  static func updateText(_ id: String, _ text: String, reason: String) -> UpdateClaimRequest {
    var claim = Claim()
    claim.id = id
    claim.text = text
    var request = UpdateClaimRequest()
    request.claim = claim
    request.updateMask = FieldMask(paths: ["text"])
    request.reason = reason
    return request
  }

  static func alias(_ speakerID: String, _ alias: String) -> AddSpeakerAliasRequest {
    var request = AddSpeakerAliasRequest()
    request.speakerID = speakerID
    request.alias = alias
    return request
  }

  static func merge(_ duplicate: String, into: String, reason: String = "the same person") -> MergeSpeakersRequest {
    var request = MergeSpeakersRequest()
    request.duplicateID = duplicate
    request.intoID = into
    request.reason = reason
    return request
  }

  static func withdrawLink(_ id: String, _ reason: String) -> WithdrawLinkRequest {
    var request = WithdrawLinkRequest()
    request.id = id
    request.reason = reason
    return request
  }

  static func withdrawVerdict(_ id: String, _ reason: String) -> WithdrawVerdictRequest {
    var request = WithdrawVerdictRequest()
    request.id = id
    request.reason = reason
    return request
  }

  static func search(
    _ query: String, types: [ResourceType] = [.claim], includeRetracted: Bool = false, speaker: String = ""
  ) -> SearchRequest {
    var request = SearchRequest()
    request.query = query
    request.resourceTypes = types
    request.includeRetracted = includeRetracted
    request.speakerID = speaker
    return request
  }

  static func audit(
    after: Int64 = 0, limit: Int32 = 0, resource: String = "", actor: UInt32? = nil
  ) -> ListAuditEventsRequest {
    var request = ListAuditEventsRequest()
    request.afterSequence = after
    request.limit = limit
    request.resourceID = resource
    if let actor {
      request.filterByActor = true
      request.actorUID = actor
    }
    return request
  }

  /// The store's query of the audit events ``audit(after:limit:resource:actor:)`` asks the ledger for.
  static func auditQuery(
    after: Int64 = 0, limit: Int? = nil, resource: String = "", actor: UInt32? = nil
  ) -> AuditQuery {
    var query = AuditQuery(afterSequence: after, limit: limit)
    query.resourceID = resource
    query.actorUID = actor
    return query
  }
}

/// A small newsroom ledger: the speakers, claims and sources of ``Material``, made through the ledger.
struct Newsroom {
  var speakers: [String: Speaker] = [:]
  var claims: [String: Claim] = [:]
  var sources: [String: Source] = [:]

  /// Makes it in `ledger` as the admin.
  static func make(in ledger: Ledger) async throws -> Newsroom {
    let admin = ConformanceCallers.admin
    var room = Newsroom()
    let people: [(String, String, [String], String)] = [
      // Kadyrov has his Latin name only: «Кадыров» must find him by the name key.
      ("kadyrov", "Ramzan Kadyrov", [], "RU"),
      ("karimov", "Alvi Karimov", ["Альви Каримов"], "RU"),
      ("peskov", "Dmitry Peskov", ["Дмитрий Песков"], "RU"),
      ("putin", "Vladimir Putin", ["Владимир Путин"], "RU"),
      ("johnson", "Boris Johnson", [], "GB"),
      ("ellis", "Sarah Kate Ellis", [], "US"),
    ]
    for (key, name, aliases, country) in people {
      room.speakers[key] = try await ledger.createSpeaker(
        Make.speaker(name, aliases: aliases, country: country), caller: admin)
    }
    let said: [(String, String, String, String)] = [
      ("noGays", "kadyrov", Material.noGays, "2017-07"),
      ("notPeople", "kadyrov", Material.notPeople, "2017-07-14"),
      ("doNotExist", "kadyrov", Material.doNotExist, "2017-05"),
      ("karimov", "karimov", Material.karimov, "2017-04-01"),
      ("schedule", "peskov", Material.schedule, "2013-08-20"),
      ("xenophobia", "putin", Material.xenophobia, "2013-11-20"),
      ("normalRelations", "putin", Material.normalRelations, "2013-09"),
      ("freedom", "johnson", Material.freedom, "2017-12-22"),
      ("sanctions", "ellis", Material.sanctions, "2017-12-21"),
    ]
    for (key, speaker, text, date) in said {
      room.claims[key] = try await ledger.createClaim(
        Make.claim(text, speaker: room.speakers[speaker]!.id, said: date, topics: ["lgbt"]), caller: admin
      ).claim!
    }
    let sources: [(String, String, String, String)] = [
      ("pinkNews", Material.pinkNewsTitle, "PinkNews", Material.pinkNewsText),
      ("peskov", Material.peskovTitle, "PinkNews", Material.peskovText),
      ("russian", Material.russianTitle, "Кавказский узел", Material.russianText),
    ]
    for (key, title, outlet, text) in sources {
      room.sources[key] = try await ledger.createSource(Make.source(title, outlet: outlet, text: text), caller: admin)
    }
    return room
  }

  /// The key of a claim's id, for readable failures.
  func claimKey(_ id: String) -> String {
    claims.first { $0.value.id == id }?.key ?? id
  }
}

/// The error a call threw as a ``LedgerError``, or nil when it succeeded (any other error is a failure).
func ledgerError(_ body: () async throws -> Void) async -> LedgerError? {
  do {
    try await body()
    return nil
  } catch let error as LedgerError {
    return error
  } catch {
    return LedgerError(.internal, "not a LedgerError: \(error)")
  }
}
