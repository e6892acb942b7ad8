/// The Russian part of the synthetic corpus: statements of Russian and Chechen officials built from a
/// grammar (subject, "не", a verb agreeing in person, number and gender, its object in the case it
/// governs, places and dates), with words drawn by Zipf's law from a real head and an invented regular
/// tail, so the index sees every case and person of a word; people named in the text are declined.
/// Queries are inflected forms, names (in Cyrillic or in Latin letters) and negated verbs.
struct RussianCorpus {
  private var random: SplitMix64
  private let nouns: [Noun]
  private let adjectives: [Adjective]
  private let verbs: [Verb]
  private let nounWeights: ZipfTable
  private let adjectiveWeights: ZipfTable
  private let verbWeights: ZipfTable
  let people: [Person]
  private let peopleWeights: ZipfTable

  /// What a Russian query is made of, for reporting the search times by kind.
  enum QueryKind: String, CaseIterable {
    case words = "Russian words (inflected forms)"
    case name = "a Russian name in Cyrillic"
    case latinName = "a Russian name in Latin letters"
    case negated = "a negated Russian verb"
  }

  init(seed: UInt64) {
    random = SplitMix64(seed: seed)
    let invented = RussianLexicon.inventedWords(seed: seed ^ 0x7275, nouns: 8_000, adjectives: 1_500, verbs: 1_500)
    nouns = RussianLexicon.realNouns + invented.nouns
    adjectives = RussianLexicon.realAdjectives + invented.adjectives
    verbs = RussianLexicon.realVerbs + invented.verbs
    // Each part of speech has its own law, steeper than the English one and flattened at the head, so
    // that about two content words in three are real ones and the commonest noun is about 4 % of nouns.
    nounWeights = ZipfTable(count: nouns.count, exponent: 1.4, offset: 10)
    adjectiveWeights = ZipfTable(count: adjectives.count, exponent: 1.4, offset: 5)
    verbWeights = ZipfTable(count: verbs.count, exponent: 1.4, offset: 10)
    var people: [Person] = []
    let men = Person.maleFirstNames
    let women = Person.femaleFirstNames
    let surnames = Person.surnames
    for index in 0..<1_000 {
      let surname = surnames[(index + index / surnames.count * 7) % surnames.count]
      // About one official in five is a woman.
      if index % 5 == 3 {
        people.append(Person(first: women[(index / 5) % women.count], surname: surname, gender: .feminine))
      } else {
        people.append(Person(first: men[(index / 3 + index) % men.count], surname: surname, gender: .masculine))
      }
    }
    self.people = people
    peopleWeights = ZipfTable(count: people.count, exponent: 1.0)
  }

  // MARK: - Claims

  /// The next statement: its speaker (a person), text, year and topic.
  mutating func nextClaim() -> (speaker: Person, text: String, year: Int, topic: String) {
    let speaker = person()
    var text: String
    switch roll(100) {
    case 0..<45: text = clause(speaker: speaker)
    case 45..<65: text = reported()
    case 65..<80: text = figure()
    default:
      let joiner = [", но ", ", потому что ", ", однако ", ", поэтому ", ", а "][roll(5)]
      text = clause(speaker: speaker) + joiner + clause(speaker: speaker)
    }
    let year = 1995 + roll(30)
    let topic = nouns[roll(40)](.nominative)
    return (speaker, text.prefix(1).uppercased() + text.dropFirst() + ".", year, topic)
  }

  /// A Russian person's name as an English-language text writes it, now and then misspelled.
  mutating func latinMention() -> String {
    let latin = person().latin(full: roll(3) == 0)
    return roll(5) == 0 ? Transliteration.variant(latin, choice: random.next()) : latin
  }

  private mutating func clause(speaker: Person) -> String {
    var words: [String] = []
    var person = 3
    var plural = false
    var gender = Gender.masculine
    switch roll(100) {
    case 0..<10: (person, gender) = (1, speaker.gender); words.append("я")
    case 10..<22: (person, plural) = (1, true); words.append("мы")
    case 22..<26: (person, plural) = (2, true); words.append("вы")
    case 26..<31:
      gender = roll(4) == 0 ? .feminine : .masculine
      words.append(gender == .feminine ? "она" : "он")
    case 31..<35: plural = true; words.append("они")
    case 35..<45:
      let named = self.person()
      gender = named.gender
      words.append(named.mention(.nominative, full: roll(3) == 0))
    default:
      let (phrase, noun, isPlural) = nounPhrase(.nominative)
      (gender, plural) = (noun.gender, isPlural)
      words.append(phrase)
    }
    let negated = roll(100) < 30
    if negated { words.append(roll(6) == 0 ? "никогда не" : "не") }
    let verb = verbs[verbWeights.sample(random.nextUnit())]
    words.append(roll(2) == 0 ? verb.present(person: person, plural: plural) : verb.past(gender, plural: plural))
    if let object = object(of: verb, negated: negated) { words.append(object) }
    var adjuncts: [String] = []
    for index in 0..<roll(3) { adjuncts.append(adjunct(timeAllowed: index == 0)) }
    // A place or a date often comes first: "В 2019 году мы не повышали налоги".
    if !adjuncts.isEmpty && roll(4) == 0 {
      return ([adjuncts[0]] + words + adjuncts.dropFirst()).joined(separator: " ")
    }
    return (words + adjuncts).joined(separator: " ")
  }

  private mutating func reported() -> String {
    let named = person()
    let full = roll(3) == 0
    let verb = RussianLexicon.reportingVerbs[roll(RussianLexicon.reportingVerbs.count)]
    let said = named.gender == .feminine ? verb.1 : verb.0
    switch roll(3) {
    case 0: return named.mention(.nominative, full: full) + " " + said + ", что " + clause(speaker: named)
    case 1: return "по словам " + named.mention(.genitive, full: full) + ", " + clause(speaker: named)
    default: return "как " + said + " " + named.mention(.nominative, full: full) + ", " + clause(speaker: named)
    }
  }

  private mutating func figure() -> String {
    let (phrase, noun, plural) = nounPhrase(.nominative)
    let verb = RussianLexicon.growthVerbs[roll(RussianLexicon.growthVerbs.count)]
    let form = roll(3) == 0 ? verb.present(person: 3, plural: plural) : verb.past(noun.gender, plural: plural)
    let number = roll(4) == 0 ? "\(roll(9) + 1),\(roll(9) + 1) процента" : percentPhrase(roll(90) + 1)
    let when = ["за год", "за последние пять лет", "в \(1995 + roll(30)) году", "с \(1995 + roll(30)) года", ""][
      roll(5)]
    let negation = roll(10) == 0 ? "не " : ""
    return [phrase, negation + form, "на " + number, when].filter { !$0.isEmpty }.joined(separator: " ")
  }

  /// The verb's object in the case it governs; after "не" a direct object is often genitive.
  private mutating func object(of verb: Verb, negated: Bool) -> String? {
    let preposition: String?
    var grammaticalCase: Case
    switch verb.object {
    case .none: return nil
    case .bare(let governed): (preposition, grammaticalCase) = (nil, governed)
    case .preposition(let word, let governed): (preposition, grammaticalCase) = (word, governed)
    }
    if negated && preposition == nil && grammaticalCase == .accusative && roll(3) == 0 { grammaticalCase = .genitive }
    let phrase =
      roll(10) == 0 ? person().mention(grammaticalCase, full: roll(3) == 0) : nounPhrase(grammaticalCase).phrase
    guard let preposition else { return phrase }
    return Self.preposition(preposition, before: phrase) + " " + phrase
  }

  /// A place, a purpose, a cause... or, when `timeAllowed`, a date.
  private mutating func adjunct(timeAllowed: Bool) -> String {
    switch timeAllowed ? roll(10) : 3 + roll(7) {
    case 0: return "в \(1995 + roll(30)) году"
    case 1: return ["в прошлом году", "в этом году", "в следующем году", "за последние пять лет"][roll(4)]
    case 2: return "с \(1995 + roll(30)) года"
    default:
      let (word, grammaticalCase) = [
        ("в", Case.prepositional), ("для", .genitive), ("по", .dative), ("из-за", .genitive), ("без", .genitive),
        ("после", .genitive), ("против", .genitive), ("на", .prepositional), ("с", .instrumental),
      ][roll(9)]
      let phrase = nounPhrase(grammaticalCase).phrase
      return Self.preposition(word, before: phrase) + " " + phrase
    }
  }

  /// [adjective] noun [noun in the genitive], agreeing: "новые налоговые льготы", "бюджета республики".
  private mutating func nounPhrase(_ grammaticalCase: Case) -> (phrase: String, head: Noun, plural: Bool) {
    let noun = nouns[nounWeights.sample(random.nextUnit())]
    let plural = !noun.singularOnly && roll(10) < 3
    var words: [String] = []
    if roll(10) < 4 {
      let adjective = adjectives[adjectiveWeights.sample(random.nextUnit())]
      words.append(adjective(grammaticalCase, gender: noun.gender, plural: plural, animate: noun.animate))
    }
    words.append(noun(grammaticalCase, plural: plural))
    if roll(4) == 0 { words.append(nouns[nounWeights.sample(random.nextUnit())](.genitive, plural: roll(3) == 0)) }
    return (words.joined(separator: " "), noun, plural)
  }

  /// "о" is "об" before a vowel, "с" is "со" before с or з and a consonant.
  private static func preposition(_ word: String, before phrase: String) -> String {
    let letters = Array(phrase.lowercased().prefix(2))
    guard let first = letters.first else { return word }
    if word == "о" && "аиоуэ".contains(first) { return "об" }
    if word == "с" && "сзшж".contains(first) && letters.count > 1 && !"аеёиоуыэюя".contains(letters[1]) { return "со" }
    return word
  }

  // MARK: - Queries

  /// A query as a journalist types it in Russian: forms of content words, names, negated verbs.
  mutating func nextQuery() -> (text: String, kind: QueryKind) {
    switch roll(100) {
    case 0..<55:
      return ((0...roll(3)).map { _ in anyForm() }.joined(separator: " "), .words)
    case 55..<70:
      let named = person()
      let grammaticalCase = roll(5) < 3 ? Case.nominative : Case.allCases[roll(6)]
      var words = [named.mention(grammaticalCase, full: roll(10) < 3)]
      if roll(10) < 3 { words.append(nouns[nounWeights.sample(random.nextUnit())](Case.allCases[roll(6)])) }
      return (words.joined(separator: " "), .name)
    case 70..<80:
      let latin = person().latin(full: roll(10) < 3)
      return (roll(5) == 0 ? Transliteration.variant(latin, choice: random.next()) : latin, .latinName)
    default:
      let verb = verbs[verbWeights.sample(random.nextUnit())]
      var words = ["не", verb.forms[roll(10)]]
      if roll(2) == 0 {
        words.insert(nouns[nounWeights.sample(random.nextUnit())](.nominative, plural: roll(2) == 0), at: 0)
      }
      return (words.joined(separator: " "), .negated)
    }
  }

  /// Any form of a noun, an adjective or a verb.
  private mutating func anyForm() -> String {
    switch roll(10) {
    case 0..<6: return nouns[nounWeights.sample(random.nextUnit())](Case.allCases[roll(6)], plural: roll(3) == 0)
    case 6..<8:
      return adjectives[adjectiveWeights.sample(random.nextUnit())](
        Case.allCases[roll(6)], gender: [.masculine, .feminine, .neuter][roll(3)], plural: roll(3) == 0)
    default: return verbs[verbWeights.sample(random.nextUnit())].forms[roll(10)]
    }
  }

  private mutating func person() -> Person { people[peopleWeights.sample(random.nextUnit())] }

  private mutating func roll(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
}
