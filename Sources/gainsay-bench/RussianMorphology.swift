/// Regular Russian inflection for the synthetic corpus: nouns of the main declension classes, hard
/// adjectives and verbs of both conjugations, with the spelling rules after г к х ж ш ч щ ц. Irregular
/// words are given with all their forms. Enough for plausible sentences, not a grammar of Russian.
enum Case: Int, CaseIterable {
  case nominative, genitive, dative, accusative, instrumental, prepositional
}

enum Gender: Int {
  case masculine, feminine, neuter
}

/// Appends an ending to a stem with the spelling rules: ы → и after г к х ж ш ч щ; я → а and ю → у after
/// ж ш ч щ.
func attach(_ stem: String, _ ending: String) -> String {
  guard let last = stem.last, let first = ending.first else { return stem + ending }
  if first == "ы" && "гкхжшчщ".contains(last) { return stem + "и" + ending.dropFirst() }
  if "жшчщ".contains(last) {
    if first == "я" { return stem + "а" + ending.dropFirst() }
    if first == "ю" { return stem + "у" + ending.dropFirst() }
  }
  return stem + ending
}

/// A noun's twelve forms: singular then plural, nominative to prepositional, the accusative already
/// resolved for animacy.
struct Noun {
  let forms: [String]
  let gender: Gender
  let animate: Bool
  let singularOnly: Bool

  init(forms: [String], gender: Gender, animate: Bool = false, singularOnly: Bool = false) {
    precondition(forms.count == 12, "a noun needs 12 forms: \(forms)")
    self.forms = forms
    self.gender = gender
    self.animate = animate
    self.singularOnly = singularOnly
  }

  /// A regular noun from its lemma and flags: `+a` animate, `+f` feminine (for nouns in -ь), `+s` used
  /// in the singular only, `!form` the genitive plural when it is not regular (`сделка!сделок`).
  init(entry: String) {
    var lemma = entry
    var genitivePlural: String?
    if let bang = lemma.firstIndex(of: "!") {
      genitivePlural = String(lemma[lemma.index(after: bang)...])
      lemma = String(lemma[..<bang])
    }
    let flags = lemma.split(separator: "+").dropFirst().map(String.init)
    lemma = String(lemma.split(separator: "+").first ?? "")
    let animate = flags.contains("a")
    let (gender, stem, singular, plural) = Self.paradigm(lemma, feminine: flags.contains("f"))
    var forms = singular.map { attach(stem, $0) } + plural.map { attach(stem, $0) }
    if let genitivePlural { forms[7] = genitivePlural }
    if let last = stem.last {
      // Unstressed -ой after a sibilant or ц is -ей (задачей); -ов after a sibilant is -ей (врачей).
      if gender == .feminine && singular[4] == "ой" && "жшчщц".contains(last) { forms[4] = stem + "ей" }
      if plural[1] == "ов" && "жшчщ".contains(last) && genitivePlural == nil { forms[7] = stem + "ей" }
    }
    if animate {
      if gender == .masculine { forms[3] = forms[1] }
      forms[9] = forms[7]
    }
    self.init(forms: forms, gender: gender, animate: animate, singularOnly: flags.contains("s"))
  }

  private static func paradigm(
    _ lemma: String, feminine: Bool
  ) -> (Gender, String, [String], [String]) {
    func cut(_ count: Int) -> String { String(lemma.dropLast(count)) }
    if lemma.hasSuffix("ие") {
      return (.neuter, cut(1), ["е", "я", "ю", "е", "ем", "и"], ["я", "й", "ям", "я", "ями", "ях"])
    }
    if lemma.hasSuffix("о") {
      return (.neuter, cut(1), ["о", "а", "у", "о", "ом", "е"], ["а", "", "ам", "а", "ами", "ах"])
    }
    if lemma.hasSuffix("ия") {
      return (.feminine, cut(1), ["я", "и", "и", "ю", "ей", "и"], ["и", "й", "ям", "и", "ями", "ях"])
    }
    if lemma.hasSuffix("я") {
      return (.feminine, cut(1), ["я", "и", "е", "ю", "ей", "е"], ["и", "ь", "ям", "и", "ями", "ях"])
    }
    if lemma.hasSuffix("а") {
      return (.feminine, cut(1), ["а", "ы", "е", "у", "ой", "е"], ["ы", "", "ам", "ы", "ами", "ах"])
    }
    if lemma.hasSuffix("ь") && feminine {
      return (.feminine, cut(1), ["ь", "и", "и", "ь", "ью", "и"], ["и", "ей", "ям", "и", "ями", "ях"])
    }
    if lemma.hasSuffix("ь") {
      return (.masculine, cut(1), ["ь", "я", "ю", "ь", "ем", "е"], ["и", "ей", "ям", "и", "ями", "ях"])
    }
    if lemma.hasSuffix("ий") {
      return (.masculine, cut(1), ["й", "я", "ю", "й", "ем", "и"], ["и", "ев", "ям", "и", "ями", "ях"])
    }
    if lemma.hasSuffix("й") {
      return (.masculine, cut(1), ["й", "я", "ю", "й", "ем", "е"], ["и", "ев", "ям", "и", "ями", "ях"])
    }
    return (.masculine, lemma, ["", "а", "у", "", "ом", "е"], ["ы", "ов", "ам", "ы", "ами", "ах"])
  }

  func callAsFunction(_ grammaticalCase: Case, plural: Bool = false) -> String {
    forms[(plural && !singularOnly ? 6 : 0) + grammaticalCase.rawValue]
  }
}

/// A hard adjective (новый, российский, большой), declined to agree with a noun.
struct Adjective {
  private let stem: String
  private let stressed: Bool

  init(_ lemma: String) {
    stem = String(lemma.dropLast(2))
    stressed = lemma.hasSuffix("ой")
  }

  private static let endings: [[String]] = [
    ["ый", "ого", "ому", "ый", "ым", "ом"],
    ["ая", "ой", "ой", "ую", "ой", "ой"],
    ["ое", "ого", "ому", "ое", "ым", "ом"],
    ["ые", "ых", "ым", "ые", "ыми", "ых"],
  ]

  func callAsFunction(_ grammaticalCase: Case, gender: Gender, plural: Bool, animate: Bool = false) -> String {
    var resolved = grammaticalCase
    if grammaticalCase == .accusative && animate && (plural || gender == .masculine) { resolved = .genitive }
    let ending = Self.endings[plural ? 3 : gender.rawValue][resolved.rawValue]
    if ending == "ый" && stressed { return stem + "ой" }
    return attach(stem, ending)
  }
}

/// What a verb's object is: a bare case, a preposition with its case, or nothing.
enum Government {
  case none
  case bare(Case)
  case preposition(String, Case)
}

/// A verb's ten finite forms: present (or perfective future) 1st–3rd person singular and plural, then
/// past masculine, feminine, neuter and plural.
struct Verb {
  let forms: [String]
  let object: Government

  init(forms: [String], object: Government) {
    precondition(forms.count == 10, "a verb needs 10 forms: \(forms)")
    self.forms = forms
    self.object = object
  }

  /// A regular verb from its infinitive: -ать/-ять/-еть are of the first conjugation unless marked `#2`,
  /// -ить of the second, -овать conjugate -ую; -ся is kept; `/form` gives the first person singular when
  /// the consonant alternates (платить/плачу, снизиться/снижусь).
  init(entry: String, object: Government) {
    var lemma = entry
    var firstSingular: String?
    if let slash = lemma.firstIndex(of: "/") {
      firstSingular = String(lemma[lemma.index(after: slash)...])
      lemma = String(lemma[..<slash])
    }
    let second = lemma.hasSuffix("#2")
    if second { lemma = String(lemma.dropLast(2)) }
    let reflexive = lemma.hasSuffix("ся") || lemma.hasSuffix("сь")
    if reflexive { lemma = String(lemma.dropLast(2)) }
    let base = String(lemma.dropLast(2))  // without -ть
    var forms: [String]
    if lemma.hasSuffix("овать") {
      let stem = String(lemma.dropLast(5))
      forms =
        ["ую", "уешь", "ует", "уем", "уете", "уют"].map { stem + $0 }
        + ["овал", "овала", "овало", "овали"].map { stem + $0 }
    } else if second || lemma.hasSuffix("ить") {
      let stem = String(lemma.dropLast(3))
      forms =
        ["ю", "ишь", "ит", "им", "ите", "ят"].map { attach(stem, $0) } + ["л", "ла", "ло", "ли"].map { base + $0 }
    } else {
      forms = ["ю", "ешь", "ет", "ем", "ете", "ют"].map { base + $0 } + ["л", "ла", "ло", "ли"].map { base + $0 }
    }
    if reflexive { forms = forms.map { $0 + ("аеёиоуыэюя".contains($0.last!) ? "сь" : "ся") } }
    if let firstSingular { forms[0] = firstSingular }
    self.init(forms: forms, object: object)
  }

  /// Present or future: person 1–3.
  func present(person: Int, plural: Bool) -> String { forms[(plural ? 3 : 0) + person - 1] }

  func past(_ gender: Gender, plural: Bool) -> String { forms[6 + (plural ? 3 : gender.rawValue)] }
}

/// "процент" agreeing with a number: 1 процент, 3 процента, 12 процентов, 21 процент.
func percentPhrase(_ number: Int) -> String {
  let word: String
  if (11...14).contains(number % 100) {
    word = "процентов"
  } else if number % 10 == 1 {
    word = "процент"
  } else if (2...4).contains(number % 10) {
    word = "процента"
  } else {
    word = "процентов"
  }
  return "\(number) \(word)"
}
