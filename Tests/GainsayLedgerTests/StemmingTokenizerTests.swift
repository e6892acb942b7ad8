import GRDB
import Testing

@testable import GainsayStore

/// The `gainsay` FTS5 tokenizer (GainsayRanking/tokenizer.c) on a connection prepared as the store prepares
/// its own, over a table of its own: the ledger's search_index does not use it yet.
@Suite("stemming tokenizer")
struct StemmingTokenizerTests {
  static let rows: [(Int64, String)] = [
    (1, "Россия ввела санкции"),
    (2, "Санкции не работают, сказал Песков"),
    (3, "Санкции работают"),
    (4, "Права геев"),
    (5, "Sanctions don't work"),
    (6, "The economic outlook"),
    (7, "Кадыров заявил"),
    (8, "Зелёный свет"),
    (9, "Росси́я"),
    (10, "Ελλάδα"),
    (11, "Ни шагу назад, нет и никогда: no, not ever, never"),
    (12, "Sanctions do work"),
    (13, "Kadyrov's men"),
    (14, "Dmitry Peskov said"),
    (15, "Kadyrova criticised"),
    (16, "шойгу в нижнем регистре"),
    (17, "Naval'ny"),
  ]

  func database() throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.prepareDatabase { db in try SearchExtensions.register(db) }
    let queue = try DatabaseQueue(configuration: configuration)
    try queue.write { db in
      try db.execute(sql: "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'gainsay')")
      for (id, body) in Self.rows {
        try db.execute(sql: "INSERT INTO t(rowid, body) VALUES (?, ?)", arguments: [id, body])
      }
    }
    return queue
  }

  /// The rows matching an FTS5 expression, in rowid order.
  func matches(_ queue: DatabaseQueue, _ expression: String) throws -> [Int64] {
    try queue.read { db in
      try Int64.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", arguments: [expression])
    }
  }

  @Test("Russian words match in every case form")
  func russianInflections() throws {
    let queue = try database()
    #expect(try matches(queue, "\"Россией\"") == [1, 9])
    #expect(try matches(queue, "\"геи\"") == [4])
    #expect(try matches(queue, "\"санкциями\"") == [1, 2, 3])
  }

  @Test("a negation is a word: a phrase without it does not match a sentence with it")
  func negationsKept() throws {
    let queue = try database()
    #expect(try matches(queue, "\"санкции работают\"") == [3])
    #expect(try matches(queue, "\"санкции не работают\"") == [2])
    #expect(try matches(queue, "\"sanctions work\"") == [])
    #expect(try matches(queue, "\"sanctions do work\"") == [12])
    #expect(try matches(queue, "\"sanctions don't work\"") == [5])
    #expect(try matches(queue, "\"sanctions do not work\"") == [5])
    for negation in ["не", "ни", "нет", "not", "no", "never"] {
      #expect(try !matches(queue, "\"\(negation)\"").isEmpty, "\(negation) is searchable")
    }
  }

  @Test("n't is the word not, highlighted where it is written")
  func contractionOffsets() throws {
    let queue = try database()
    let highlighted = try queue.read { db in
      try String.fetchOne(db, sql: "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH '\"not\"' AND rowid = 5")
    }
    #expect(highlighted == "Sanctions do[n't] work")
  }

  @Test("ё is е, stress marks and accents fold, case folds in Cyrillic and Greek")
  func folding() throws {
    let queue = try database()
    #expect(try matches(queue, "\"зеленый\"") == [8])
    #expect(try matches(queue, "\"ЗЕЛЁНОГО\"") == [8])
    #expect(try matches(queue, "\"россия\"") == [1, 9])
    #expect(try matches(queue, "\"Росси́и\"") == [1, 9])
    #expect(try matches(queue, "\"ПЕСКОВ\"") == [2])
    #expect(try matches(queue, "\"ΕΛΛΑΔΑ\"") == [10])
    let highlighted = try queue.read { db in
      try String.fetchOne(db, sql: "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH '\"россия\"' AND rowid = 9")
    }
    #expect(highlighted == "[Росси́я]")
  }

  @Test("English stems as Snowball does: economics finds economic, economy does not")
  func englishStems() throws {
    let queue = try database()
    #expect(try matches(queue, "\"economics\"") == [6])
    #expect(try matches(queue, "\"economically\"") == [6])
    // Snowball English stems "economy" to "economi" and "economic" to "econom".
    #expect(try matches(queue, "\"economy\"") == [])
  }

  @Test("a prefix query is not stemmed: a prefix longer than the stem still matches")
  func prefixes() throws {
    let queue = try database()
    #expect(try matches(queue, "\"Кады\"*") == [7])
    // Кадыров stems to кадыр: a stemmed prefix would have missed it.
    #expect(try matches(queue, "\"Кадыро\"*") == [7])
    #expect(try matches(queue, "\"Кадырова\"*") == [])
    #expect(try matches(queue, "\"зелё\"*") == [8])
    #expect(try matches(queue, "\"econ\"*") == [6])
  }

  @Test("a phrase starting with = matches the folded words exactly, unstemmed")
  func exactForms() throws {
    let queue = try database()
    #expect(try matches(queue, "\"=Россия\"") == [1, 9])
    #expect(try matches(queue, "\"=Россией\"") == [])
    #expect(try matches(queue, "\"=санкции работают\"") == [3])
    #expect(try matches(queue, "\"=зеленый\"") == [8])
  }

  @Test("a phrase starting with ~ matches names in any script and common spelling")
  func nameKeys() throws {
    let queue = try database()
    #expect(try matches(queue, "\"~Kadirov\"*") == [7, 13, 15])
    #expect(try matches(queue, "\"~Kadirov\"") == [7, 13])
    #expect(try matches(queue, "\"~Kadyrow\"") == [7, 13])
    #expect(try matches(queue, "\"~Кадыров\"") == [7, 13])
    #expect(try matches(queue, "\"~Песков\"") == [2, 14])
    #expect(try matches(queue, "\"~Dmitriy Peskow\"") == [14])
    #expect(try matches(queue, "\"~Navalny\"") == [17])
    #expect(try matches(queue, "\"~Навальный\"") == [17])
    // Without the mark, a name is a word like any other: no transliteration.
    #expect(try matches(queue, "\"Kadirov\"") == [])
    #expect(try matches(queue, "\"Кадыров\"") == [7])
  }

  @Test("lower-case words get no name key")
  func noKeyForLowerCase() throws {
    let queue = try database()
    #expect(try matches(queue, "\"~Shoigu\"") == [])
    #expect(try matches(queue, "\"шойгу\"") == [16])
    #expect(try matches(queue, "\"~ввела\"") == [])
    #expect(try matches(queue, "\"~Россия\"") == [1, 9])
    let keys = try queue.write { db in
      try db.execute(sql: "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, t, row)")
      return try String.fetchAll(db, sql: "SELECT term FROM temp.v WHERE term LIKE '~%' ORDER BY term")
    }
    #expect(keys.contains("~kadirov") && keys.contains("~peskov") && keys.contains("~navalni"))
    #expect(!keys.contains("~shoigu") && !keys.contains("~vvela") && !keys.contains("~muzh"))
  }

  @Test("the key sits at its word's position: a name phrase keeps word order")
  func keyPositions() throws {
    let queue = try database()
    #expect(try matches(queue, "\"~Peskov\" + \"said\"") == [14])
    #expect(try matches(queue, "\"~Dmitry\" + \"~Peskov\"") == [14])
    let highlighted = try queue.read { db in
      try String.fetchOne(
        db, sql: "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH '\"~Kadirov\"' AND rowid = 13")
    }
    #expect(highlighted == "[Kadyrov's] men")
  }
}
