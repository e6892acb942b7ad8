import Foundation

/// A Russian (or Chechen) person of the synthetic corpus: a first name and a surname, each declined, and
/// their spelling in Latin letters as English-language reports write them.
struct Person {
  let gender: Gender
  private let first: [String]
  private let surname: [String]

  /// "Имя Фамилия", as the speaker's name.
  var name: String { first[0] + " " + surname[0] }

  /// The surname alone or the full name, in a case (Кадырова, о Рамзане Кадырове).
  func mention(_ grammaticalCase: Case, full: Bool) -> String {
    full ? first[grammaticalCase.rawValue] + " " + surname[grammaticalCase.rawValue] : surname[grammaticalCase.rawValue]
  }

  func latin(full: Bool) -> String {
    full ? Transliteration.latin(first[0]) + " " + Transliteration.latin(surname[0]) : Transliteration.latin(surname[0])
  }

  static let maleFirstNames = """
    Рамзан Дмитрий Сергей Владимир Александр Алексей Андрей Михаил Николай Олег Игорь Юрий Евгений Виктор \
    Геннадий Антон Максим Ахмед Магомед Адам Вячеслав Валентин Борис Григорий Станислав Аслан Руслан Денис
    """.split(whereSeparator: \.isWhitespace).map { Noun(entry: $0 + "+a") }

  static let femaleFirstNames = """
    Мария Елена Ольга Анна Наталья Татьяна Ирина Валентина Светлана Екатерина Мадина Людмила Галина Марина Юлия
    """.split(whereSeparator: \.isWhitespace).map { Noun(entry: $0 + "+a") }

  /// Masculine surnames: -ов/-ев/-ин decline as such, -ский and -ый as adjectives, the rest not at all.
  static let surnames = """
    Кадыров Песков Лавров Медведев Делимханов Даудов Шойгу Иванов Смирнов Кузнецов Попов Васильев Петров \
    Соколов Михайлов Новиков Федоров Морозов Волков Алексеев Лебедев Семенов Егоров Павлов Козлов Степанов \
    Николаев Орлов Андреев Макаров Никитин Захаров Зайцев Соловьев Борисов Яковлев Григорьев Романов Воробьев \
    Сергеев Кузьмин Фролов Александров Дмитриев Королев Гусев Киселев Ильин Максимов Поляков Сорокин Виноградов \
    Ковалев Белов Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов \
    Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков \
    Володин Матвиенко Жириновский Навальный Нарышкин Собянин Сечин Мединский Ахмадов Алханов Масхадов Басаев \
    Умаров Гаджиев Евкуров Яндиев Шевченко Зеленский
    """.split(whereSeparator: \.isWhitespace).map(String.init)

  init(first: Noun, surname: String, gender: Gender) {
    self.gender = gender
    self.first = Array(first.forms[0..<6])
    self.surname = Self.decline(surname, gender: gender)
  }

  private static func decline(_ surname: String, gender: Gender) -> [String] {
    let feminine = gender == .feminine
    if surname.hasSuffix("ский") || surname.hasSuffix("ый") {
      let adjective = Adjective(surname)
      return Case.allCases.map { adjective($0, gender: gender, plural: false, animate: true) }
    }
    if ["ов", "ев", "ин", "ын"].contains(where: surname.hasSuffix) {
      let endings = feminine ? ["а", "ой", "ой", "у", "ой", "ой"] : ["", "а", "у", "а", "ым", "е"]
      return endings.map { surname + $0 }
    }
    return Array(repeating: surname, count: 6)
  }
}

/// Russian to Latin letters as English-language newsrooms write names (Кадыров → Kadyrov, Соловьев →
/// Solovyev, Шойгу → Shoigu, Дмитрий → Dmitry), and the variants people type (Kadirov, Kadyrow).
enum Transliteration {
  private static let letters: [Character: String] = [
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
  ]

  static func latin(_ word: String) -> String {
    let characters = Array(word.lowercased())
    var result = ""
    for (index, character) in characters.enumerated() {
      let previous = index > 0 ? characters[index - 1] : nil
      let next = index + 1 < characters.count ? characters[index + 1] : nil
      if (character == "и" || character == "ы") && next == "й" && index + 2 == characters.count {
        result += "y"  // Дмитрий → Dmitry
      } else if character == "й" && previous.map({ "иы".contains($0) }) == true && next == nil {
        continue
      } else if character == "й" && next.map({ !"аеёиоуыэюя".contains($0) }) == true {
        result += "i"  // Шойгу → Shoigu
      } else if character == "е" && (previous == nil || "аеёиоуыэюяъь".contains(previous!)) {
        result += "ye"  // Евкуров → Yevkurov, Алексеев → Alekseyev
      } else {
        result += letters[character] ?? String(character)
      }
    }
    return result.prefix(1).uppercased() + result.dropFirst()
  }

  /// A common misspelling or other convention of a Latin name: -ow for -ov, i for y, h for kh.
  static func variant(_ latin: String, choice: UInt64) -> String {
    let options = [
      latin.hasSuffix("ov") || latin.hasSuffix("ev") ? String(latin.dropLast()) + "w" : nil,
      latin.dropFirst().contains("y")
        ? String(latin.prefix(1)) + latin.dropFirst().replacingOccurrences(of: "y", with: "i") : nil,
      latin.contains("kh") ? latin.replacingOccurrences(of: "kh", with: "h") : nil,
    ].compactMap { $0 }
    return options.isEmpty ? latin : options[Int(choice % UInt64(options.count))]
  }
}
