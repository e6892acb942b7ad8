/// The Russian words of the synthetic corpus, most frequent first (the corpus draws them by Zipf's law):
/// a head of real political and economic words, then invented but regular words for the long tail, as the
/// English vocabulary has.
enum RussianLexicon {
  /// Real nouns (flags as in `Noun(entry:)`), then irregular ones with all their forms.
  static let realNouns: [Noun] =
    """
    власть+f страна правительство закон налог бюджет экономика работа президент+a министр+a пенсия зарплата \
    цена война армия полиция санкция граница безопасность+f+s свобода правда+s реформа программа решение \
    заявление соглашение население+s образование+s здравоохранение+s развитие+s рост+s кризис доход расход суд \
    народ район город регион республика область+f столица компания предприятие завод банк кредит долг рубль \
    доллар тариф инфляция+s безработица+s бедность+f+s коррупция+s взятка!взяток чиновник+a депутат+a \
    журналист+a губернатор+a прокурор+a врач+a учитель+a житель+a избиратель+a руководитель+a сотрудник+a \
    пенсионер+a солдат+a!солдат женщина+a семья!семей школа больница дорога мост газ нефть+f+s энергия+s \
    промышленность+f+s производство строительство государство общество министерство количество средство дело \
    право место слово число!чисел письмо!писем выбор голосование партия оппозиция+s парламент митинг протест \
    запрет указ приказ документ доклад отчет расследование нарушение обвинение преступление наказание штраф \
    тюрьма!тюрем срок вопрос ответ факт проблема система угроза помощь+f+s поддержка+s задача встреча \
    сделка!сделок проект план контракт обещание требование предложение выступление мнение информация+s \
    новость+f сеть+f интернет+s студент+a мигрант+a территория операция конфликт наступление обстрел удар \
    потеря жертва договор союз союзник+a противник+a комментарий сценарий случай музей критерий \
    показатель строитель+a водитель+a родитель+a Россия+s Чечня+s Москва+s Украина+s Европа+s Америка+s \
    Кавказ+s Грузия+s Дагестан+s Сибирь+f+s
    """.split(whereSeparator: \.isWhitespace).map { Noun(entry: String($0)) } + [
      Noun(
        forms: ["год", "года", "году", "год", "годом", "годе", "годы", "лет", "годам", "годы", "годами", "годах"],
        gender: .masculine),
      Noun(
        forms: [
          "человек", "человека", "человеку", "человека", "человеком", "человеке",
          "люди", "людей", "людям", "людей", "людьми", "людях",
        ], gender: .masculine, animate: true),
      Noun(
        forms: [
          "деньги", "денег", "деньгам", "деньги", "деньгами", "деньгах",
          "деньги", "денег", "деньгам", "деньги", "деньгами", "деньгах",
        ], gender: .feminine, singularOnly: true),
      Noun(
        forms: [
          "время", "времени", "времени", "время", "временем", "времени",
          "времена", "времен", "временам", "времена", "временами", "временах",
        ], gender: .neuter),
      Noun(
        forms: [
          "ребёнок", "ребёнка", "ребёнку", "ребёнка", "ребёнком", "ребёнке",
          "дети", "детей", "детям", "детей", "детьми", "детях",
        ], gender: .masculine, animate: true),
    ]

  static let realAdjectives: [Adjective] =
    """
    новый российский федеральный местный государственный социальный экономический политический военный \
    иностранный главный серьезный открытый полный низкий высокий крупный малый региональный международный \
    бюджетный налоговый честный незаконный бесплатный официальный общественный национальный американский \
    европейский украинский чеченский западный энергетический финансовый реальный прошлый большой городской \
    нефтяной мировой чистый сильный слабый важный опасный ложный точный
    """.split(whereSeparator: \.isWhitespace).map { Adjective(String($0)) }

  /// Verbs with their object; growth verbs (for figures) are separate.
  static let realVerbs: [Verb] = {
    let acc = Government.bare(.accusative)
    let regular: [(String, Government)] = [
      ("говорить", .preposition("о", .prepositional)), ("обещать", acc), ("выполнять", acc), ("выполнить", acc),
      ("получать", acc), ("получить", acc), ("поддерживать", acc), ("поддержать#2", acc), ("повышать", acc),
      ("повысить/повышу", acc), ("снижать", acc), ("снизить/снижу", acc), ("увеличивать", acc), ("увеличить", acc),
      ("сокращать", acc), ("сократить/сокращу", acc), ("строить", acc),
      ("платить/плачу", .preposition("за", .accusative)),
      ("тратить/трачу", acc), ("финансировать", acc), ("контролировать", acc), ("критиковать", acc),
      ("требовать", .bare(.genitive)), ("гарантировать", acc), ("использовать", acc),
      ("голосовать", .preposition("за", .accusative)), ("защищать", acc), ("нарушать", acc), ("нарушить", acc),
      ("отрицать", acc), ("скрывать", acc), ("знать", .preposition("о", .prepositional)), ("понимать", acc),
      ("видеть#2/вижу", acc), ("помогать", .bare(.dative)), ("угрожать", .bare(.dative)), ("мешать", .bare(.dative)),
      ("доверять", .bare(.dative)), ("управлять", .bare(.instrumental)), ("руководить/руковожу", .bare(.instrumental)),
      ("заниматься", .bare(.instrumental)), ("работать", .none), ("падать", .none), ("снижаться", .none),
      ("увеличиваться", .none), ("сокращаться", .none), ("вводить/ввожу", acc), ("отменить", acc),
      ("запретить/запрещу", acc), ("разрешить", acc), ("закрывать", acc), ("открывать", acc), ("терять", acc),
      ("потерять", acc), ("допустить/допущу", acc), ("решать", acc), ("решить", acc), ("обсуждать", acc),
      ("объяснять", acc), ("готовить/готовлю", acc), ("ожидать", .bare(.genitive)), ("бояться#2", .bare(.genitive)),
      ("добиваться", .bare(.genitive)), ("отказываться", .preposition("от", .genitive)),
      ("выступать", .preposition("против", .genitive)), ("участвовать", .preposition("в", .prepositional)),
      ("сообщать", .preposition("о", .prepositional)),
      ("заявлять", .preposition("о", .prepositional)),
    ]
    let irregular: [([String], Government)] = [
      (
        ["скажу", "скажешь", "скажет", "скажем", "скажете", "скажут", "сказал", "сказала", "сказало", "сказали"],
        .preposition("о", .prepositional)
      ),
      (
        [
          "признаю", "признаёшь", "признаёт", "признаём", "признаёте", "признают",
          "признавал", "признавала", "признавало", "признавали",
        ], acc
      ),
      (
        [
          "создаю", "создаёшь", "создаёт", "создаём", "создаёте", "создают",
          "создавал", "создавала", "создавало", "создавали",
        ], acc
      ),
      (["введу", "введёшь", "введёт", "введём", "введёте", "введут", "ввёл", "ввела", "ввело", "ввели"], acc),
      (
        [
          "борюсь", "борешься", "борется", "боремся", "боретесь", "борются",
          "боролся", "боролась", "боролось", "боролись",
        ], .preposition("с", .instrumental)
      ),
      (["могу", "можешь", "может", "можем", "можете", "могут", "мог", "могла", "могло", "могли"], .none),
    ]
    return regular.map { Verb(entry: $0.0, object: $0.1) } + irregular.map { Verb(forms: $0.0, object: $0.1) }
  }()

  /// Verbs of change for "X вырос на 12 процентов".
  static let growthVerbs: [Verb] = [
    Verb(
      forms: [
        "вырасту", "вырастешь", "вырастет", "вырастем", "вырастете", "вырастут",
        "вырос", "выросла", "выросло", "выросли",
      ], object: .none),
    Verb(
      forms: ["упаду", "упадёшь", "упадёт", "упадём", "упадёте", "упадут", "упал", "упала", "упало", "упали"],
      object: .none),
    Verb(entry: "снизиться/снижусь", object: .none),
    Verb(entry: "сократиться/сокращусь", object: .none),
    Verb(entry: "увеличиться", object: .none),
    Verb(entry: "вырастать", object: .none),
  ]

  /// Past-tense verbs that report speech: masculine and feminine.
  static let reportingVerbs: [(String, String)] = [
    "заяви", "сказа", "призна", "подчеркну", "сообщи", "отмети",
    "пообеща", "напомни", "уточни", "добави",
  ].map { ($0 + "л", $0 + "ла") }

  /// Invented but regular words for the tail: `count` nouns, adjectives and verbs from a seeded generator.
  static func inventedWords(
    seed: UInt64, nouns: Int, adjectives: Int, verbs: Int
  ) -> (nouns: [Noun], adjectives: [Adjective], verbs: [Verb]) {
    var generator = SplitMix64(seed: seed)
    func pick(_ options: [String]) -> String { options[Int(generator.next() % UInt64(options.count))] }
    let onsets = [
      "б", "в", "г", "д", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "бр", "вл", "гр", "др", "кр",
      "пр", "ст", "тр", "зв", "сл", "см", "пл", "ск", "зд",
    ]
    let vowels = ["а", "о", "у", "е", "и"]
    let closers = ["н", "р", "л", "м", "в", "д", "т", "с", "з", "б", "п"]
    var seen = Set<String>()
    func stem() -> String {
      while true {
        var word = ""
        for _ in 0..<(2 + Int(generator.next() % 2)) { word += pick(onsets) + pick(vowels) }
        word += pick(closers)
        if seen.insert(word).inserted { return word }
      }
    }
    let nounEndings = ["", "", "а", "о", "ость+f", "ение", "ция", "ство", "тель+a", "ка!"]
    var inventedNouns: [Noun] = []
    while inventedNouns.count < nouns {
      let base = stem()
      let ending = pick(nounEndings)
      // Nouns in -ка have a fleeting vowel in the genitive plural (-ок).
      let entry = ending == "ка!" ? base + "ка!" + base + "ок" : base + ending
      inventedNouns.append(Noun(entry: entry))
    }
    let inventedAdjectives = (0..<adjectives).map { _ in Adjective(stem() + pick(["ный", "ский", "овый", "ной"])) }
    let governments: [Government] = [
      .bare(.accusative), .bare(.accusative), .bare(.genitive), .bare(.dative),
      .bare(.instrumental), .preposition("о", .prepositional), .none,
    ]
    let inventedVerbs = (0..<verbs).map { _ in
      let base = stem()
      let object = governments[Int(generator.next() % UInt64(governments.count))]
      switch generator.next() % 3 {
      case 0: return Verb(entry: base + "ать", object: object)
      case 1: return Verb(entry: base + "овать", object: object)
      default:
        // Second-conjugation stems end in н, р or л, so no consonant alternates in the first person.
        return Verb(entry: String(base.dropLast()) + pick(["н", "р", "л"]) + "ить", object: object)
      }
    }
    return (inventedNouns, inventedAdjectives, inventedVerbs)
  }
}
