import Testing

@testable import GainsayCore

/// TextAnalysis (and through it the C target GainsayStemming): words, folding, stems, name keys, negations and
/// edit distance.
@Suite("text analysis")
struct TextAnalysisTests {
  /// Spellings of one name, Cyrillic first, that must share a name key.
  static let names: [[String]] = [
    ["Кадыров", "Kadyrov", "Kadirov", "Kadyrow", "KADYROV"],
    ["Песков", "Peskov", "Peskow"],
    ["Шойгу", "Shoigu", "Shoygu"],
    ["Зеленский", "Zelensky", "Zelenskyy", "Zelenskiy", "Zelenskij"],
    ["Навальный", "Navalny", "Navalnyy", "Naval'ny"],
    ["Дмитрий", "Dmitry", "Dmitriy", "Dmitrij", "Dmitri"],
    ["Захарова", "Zakharova"],
    ["Грозный", "Grozny", "Groznyy"],
    ["Чечня", "Chechnya", "Chechnia"],
    ["Ельцин", "Yeltsin"],
    ["Фёдор", "Fyodor"],
    ["Алексей", "Aleksey", "Alexei", "Alexey"],
    ["Рамзан Кадыров", "Ramzan Kadyrov"],
  ]

  @Test("the spellings of a name in Cyrillic and in Latin letters share one ASCII key", arguments: names)
  func nameKeysMeet(spellings: [String]) {
    let key = TextAnalysis.nameKey(spellings[0])
    #expect(!key.isEmpty)
    #expect(key.unicodeScalars.allSatisfy { $0.isASCII })
    for spelling in spellings {
      #expect(TextAnalysis.nameKey(spelling) == key, "\(spelling)")
    }
    // Latin to Cyrillic: the key of any Latin spelling finds the Cyrillic one.
    for spelling in spellings.dropFirst() {
      #expect(TextAnalysis.editDistance(TextAnalysis.nameKey(spelling), key, limit: 1) == 0)
    }
  }

  @Test("the keys of known names are as documented in GainsayStemming.h")
  func documentedKeys() {
    #expect(TextAnalysis.nameKey("Кадыров") == "kadirov")
    #expect(TextAnalysis.nameKey("Шойгу") == "shoigu")
    #expect(TextAnalysis.nameKey("Zelenskyy") == "zelenski")
    #expect(TextAnalysis.nameKey("Chechnya") == "chechnia")
    #expect(TextAnalysis.nameKey("Рамзан Кадыров") == "ramzan kadirov")
    #expect(TextAnalysis.nameKey("Kadyrov's") == "kadirov")
    #expect(TextAnalysis.nameKey("Kadyrov’s men") == "kadirov men")
    #expect(TextAnalysis.nameKey("O'Brien") == "obrien")
    #expect(TextAnalysis.nameKey("Jones'") == "iones")
  }

  @Test("different names keep different keys, and a misspelling stays within edit distance 1 of the key")
  func namesApart() {
    #expect(TextAnalysis.nameKey("Песков") != TextAnalysis.nameKey("Кадыров"))
    #expect(TextAnalysis.nameKey("Putin") != TextAnalysis.nameKey("Peskov"))
    let kadyrov = TextAnalysis.nameKey("Кадыров")
    #expect(TextAnalysis.editDistance(TextAnalysis.nameKey("Kadyriv"), kadyrov, limit: 2) == 1)
    #expect(TextAnalysis.editDistance(TextAnalysis.nameKey("Kadriov"), kadyrov, limit: 2) == 1)
    #expect(TextAnalysis.editDistance(TextAnalysis.nameKey("Peskova"), TextAnalysis.nameKey("Песков"), limit: 2) == 1)
    #expect(TextAnalysis.editDistance(TextAnalysis.nameKey("Putin"), kadyrov, limit: 2) == 3)
  }

  @Test("inflected forms share a stem; names are not stemmed by nameKey")
  func stems() {
    #expect(TextAnalysis.stem("Россия") == TextAnalysis.stem("Россией"))
    #expect(TextAnalysis.stem("России") == TextAnalysis.stem("Россия"))
    #expect(TextAnalysis.stem("геи") == TextAnalysis.stem("геев"))
    #expect(TextAnalysis.stem("sanctions") == TextAnalysis.stem("sanction"))
    #expect(TextAnalysis.stem("санкции работают") == TextAnalysis.stem("санкциями работает"))
    #expect(TextAnalysis.stem("Россия") != TextAnalysis.stem("рост"))
    #expect(TextAnalysis.stem("sanctions") == "sanction")
  }

  @Test(
    "ё, stress marks and case fold", arguments: [("Росси́я", "россия"), ("ЗЕЛЁНЫЙ", "зеленый"), ("Résumé", "resume")])
  func folding(pair: (String, String)) {
    let words = TextAnalysis.words(of: pair.0)
    #expect(words.map(\.folded) == [pair.1])
    #expect(words.map(\.stem) == [TextAnalysis.stem(pair.1)])
    #expect(TextAnalysis.folded(pair.0) == pair.1)
  }

  @Test("negations are words, flagged, in Russian and English")
  func negations() {
    for word in ["не", "Ни", "НЕТ", "никогда", "not", "No", "never", "nor", "none", "nobody", "nothing", "neither"] {
      #expect(TextAnalysis.isNegation(word), "\(word)")
    }
    for word in ["нечто", "нити", "know", "note", "now", "n"] {
      #expect(!TextAnalysis.isNegation(word), "\(word)")
    }
    let words = TextAnalysis.words(of: "Санкции не работают")
    #expect(words.map(\.isNegation) == [false, true, false])
  }

  @Test("n't is the word not; cannot is can not; a possessive joins its word")
  func apostrophes() {
    let text = "Sanctions don’t work, we can't and cannot; Kadyrov's men won't. O'Brien"
    let words = TextAnalysis.words(of: text)
    #expect(
      words.map(\.folded) == [
        "sanctions", "do", "not", "work", "we", "can", "not", "and", "can", "not", "kadyrov", "men", "will", "not", "o",
        "brien",
      ])
    #expect(
      words.map { String(text[$0.range]) } == [
        "Sanctions", "do", "n’t", "work", "we", "ca", "n't", "and", "can", "not", "Kadyrov's", "men", "wo", "n't", "O",
        "Brien",
      ])
    #expect(words.filter(\.isNegation).count == 4)
  }

  @Test("text pasted from an article: curly quotes, no-break spaces, Cyrillic among Latin")
  func pastedText() {
    let text =
      "Chechen leader\u{00A0}Ramzan Kadyrov insisted that homosexuals are “not people”.\u{00A0}Солидарность с Россией ЛГБТ."
    let words = TextAnalysis.words(of: text)
    #expect(
      words.map { String(text[$0.range]) } == [
        "Chechen", "leader", "Ramzan", "Kadyrov", "insisted", "that", "homosexuals", "are", "not", "people",
        "Солидарность", "с", "Россией", "ЛГБТ",
      ])
    #expect(words.first { $0.folded == "россией" }?.stem == TextAnalysis.stem("Россия"))
    #expect(words.first { $0.folded == "лгбт" } != nil)
    #expect(words.filter(\.isNegation).map(\.folded) == ["not"])
  }

  @Test("edit distance counts a swap of neighbours as one and stops beyond its limit")
  func editDistance() {
    #expect(TextAnalysis.editDistance("kadirov", "kadirov", limit: 2) == 0)
    #expect(TextAnalysis.editDistance("kadirov", "kadriov", limit: 2) == 1)
    #expect(TextAnalysis.editDistance("kadirov", "kadiro", limit: 2) == 1)
    #expect(TextAnalysis.editDistance("kitten", "sitting", limit: 5) == 3)
    #expect(TextAnalysis.editDistance("kitten", "sitting", limit: 2) == 3)
    #expect(TextAnalysis.editDistance("", "abc", limit: 5) == 3)
    #expect(TextAnalysis.editDistance("abcdefgh", "a", limit: 2) == 3)
    #expect(TextAnalysis.editDistance("ca", "abc", limit: 5) == 3)
  }

  @Test("a word longer than 256 bytes is kept unstemmed, and empty text has no words")
  func edges() {
    let long = String(repeating: "sanctions", count: 40)
    #expect(TextAnalysis.words(of: long).map(\.stem) == [long])
    #expect(TextAnalysis.words(of: "").isEmpty)
    #expect(TextAnalysis.words(of: " — ‘’ … ").isEmpty)
    #expect(TextAnalysis.nameKey("").isEmpty)
  }
}
