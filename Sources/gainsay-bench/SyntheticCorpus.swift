import Foundation

/// A deterministic synthetic ledger with the statistics of real statements: words follow Zipf's law
/// (exponent 1.07) over a 30,000-word vocabulary whose 220 most frequent words are real English and
/// political words and the rest pronounceable invented words; statements are 8 to 30 words with a year
/// and sometimes a figure; speakers (2,000 names from 60 first and 60 last names) are also Zipf-weighted,
/// so a few speakers hold many claims as in a real ledger. A quarter of the statements are Russian
/// (``RussianCorpus``: 1,000 Cyrillic-named speakers), and one English statement in twelve names one of
/// those people in Latin letters. The English statements are drawn from their own generator, so they are
/// the same as before the Russian part was added. The same seed gives the same corpus.
struct SyntheticCorpus {
  /// The share of Russian statements and queries.
  static let russianShare = 0.25

  private var random: SplitMix64
  /// Decides the language of each statement and query and places Latin mentions of Russian names.
  private var languages: SplitMix64
  private var russian: RussianCorpus
  private let vocabulary: [String]
  private let wordWeights: ZipfTable
  let speakers: [String]
  private let speakerWeights: ZipfTable

  static let commonWords = """
    the of and to in a is that for it as was with be by on not he this are or his from at which but have an they \
    you were her she there been one all we their has would when if so no what up out who them some could more \
    budget tax taxes jobs economy government president minister country people percent million billion year years \
    state states health care insurance workers wages unemployment crime police border immigration immigrants war \
    military army troops security oil gas energy prices inflation debt deficit spending schools education teachers \
    students children families women men elections election vote voters campaign party opposition parliament \
    congress senate law laws court judge rights freedom press journalists media news reports sanctions russia \
    ukraine chechnya region city capital republic federal local officials police corruption bribes money funds \
    pension pensions retirement medicare hospitals doctors patients vaccine virus pandemic climate emissions \
    coal nuclear water farmers food wheat exports imports trade tariffs china europe america companies banks \
    growth recession record highest lowest never always every nobody everyone nothing doubled tripled cut raised \
    lowered increased decreased created lost saved built promised claimed denied said told voted supported opposed
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

  init(seed: UInt64 = 0x6761_696e_7361_79) {
    random = SplitMix64(seed: seed)
    languages = SplitMix64(seed: seed ^ 0x6c61_6e67)
    russian = RussianCorpus(seed: seed ^ 0x7275_7373)
    var words = Self.commonWords
    var seen = Set(words)
    let onsets = [
      "b", "br", "c", "ch", "d", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pr", "r", "s", "st", "t", "tr", "v",
      "z",
    ]
    let vowels = ["a", "e", "i", "o", "u", "ai", "ou", "ei"]
    let codas = ["", "n", "r", "s", "l", "nd", "rt", "x", "m", "sk"]
    var generator = SplitMix64(seed: seed ^ 0x5eed)
    while words.count < 30_000 {
      var word = ""
      for _ in 0..<(2 + Int(generator.next() % 2)) {
        word += onsets[Int(generator.next() % UInt64(onsets.count))]
        word += vowels[Int(generator.next() % UInt64(vowels.count))]
      }
      word += codas[Int(generator.next() % UInt64(codas.count))]
      if seen.insert(word).inserted { words.append(word) }
    }
    vocabulary = words
    wordWeights = ZipfTable(count: words.count, exponent: 1.07)
    let first = Array(words[3_000..<3_060]).map { $0.prefix(1).uppercased() + $0.dropFirst() }
    let last = Array(words[4_000..<4_060]).map { $0.prefix(1).uppercased() + $0.dropFirst() + "ov" }
    var names: [String] = []
    for index in 0..<2_000 { names.append(first[index % 60] + " " + last[(index / 60 + index) % 60]) }
    speakers = names
    speakerWeights = ZipfTable(count: names.count, exponent: 1.0)
  }

  /// The next statement: its speaker, text, year and topic.
  mutating func nextClaim() -> (speaker: String, text: String, year: Int, topic: String) {
    if languages.nextUnit() < Self.russianShare {
      let claim = russian.nextClaim()
      return (claim.speaker.name, claim.text, claim.year, claim.topic)
    }
    var claim = nextEnglishClaim()
    if languages.next() % 12 == 0 {
      var words = claim.text.split(separator: " ").map(String.init)
      words.insert(russian.latinMention(), at: Int(languages.next() % UInt64(words.count)))
      claim.text = words.joined(separator: " ")
    }
    return claim
  }

  private mutating func nextEnglishClaim() -> (speaker: String, text: String, year: Int, topic: String) {
    let speaker = speakers[speakerWeights.sample(random.nextUnit())]
    let length = 8 + Int(random.next() % 23)
    var words: [String] = []
    words.reserveCapacity(length + 2)
    for _ in 0..<length { words.append(vocabulary[wordWeights.sample(random.nextUnit())]) }
    if random.next() % 3 == 0 {
      words.insert("\(random.next() % 900 + 2) percent", at: Int(random.next() % UInt64(length)))
    }
    var text = words.joined(separator: " ")
    text = text.prefix(1).uppercased() + text.dropFirst() + "."
    let year = 1995 + Int(random.next() % 30)
    let topic = Self.commonWords[60 + Int(random.next() % 40)]
    return (speaker, text, year, topic)
  }

  /// A search query and what it is made of (nil: English words).
  struct Query {
    let text: String
    let russian: RussianCorpus.QueryKind?
  }

  /// A search query as journalists type them: in English one to three words, mostly from the frequent
  /// part; in Russian (a quarter) inflected words, names in either script or a negated verb.
  mutating func nextQuery() -> Query {
    if languages.nextUnit() < Self.russianShare {
      let query = russian.nextQuery()
      return Query(text: query.text, russian: query.kind)
    }
    return Query(text: nextEnglishQuery(), russian: nil)
  }

  private mutating func nextEnglishQuery() -> String {
    let count = 1 + Int(random.next() % 3)
    return (0..<count).map { _ in vocabulary[min(wordWeights.sample(random.nextUnit()) + 10, vocabulary.count - 1)] }
      .joined(separator: " ")
  }

  mutating func nextIndex(below bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
}

/// Draws ranks 0..<count with probability proportional to 1/(rank+1+offset)^exponent (an offset flattens
/// the head: Mandelbrot's form of the law).
struct ZipfTable {
  private let cumulative: [Double]

  init(count: Int, exponent: Double, offset: Double = 0) {
    var total = 0.0
    var cumulative: [Double] = []
    cumulative.reserveCapacity(count)
    for rank in 1...count {
      total += 1 / pow(Double(rank) + offset, exponent)
      cumulative.append(total)
    }
    self.cumulative = cumulative.map { $0 / total }
  }

  func sample(_ unit: Double) -> Int {
    var low = 0
    var high = cumulative.count - 1
    while low < high {
      let middle = (low + high) / 2
      if cumulative[middle] < unit { low = middle + 1 } else { high = middle }
    }
    return low
  }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64 {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
