import Foundation
import GainsayProto
import GainsayStore
import GainsayTestSupport
import Testing

@testable import GainsayCore

/// Evidence quotes anchor like a W3C Web Annotation TextQuoteSelector: found after normalising both the
/// quote and the text (NFC, white space, quote marks, dashes, soft hyphens, ellipsis), stored as the text
/// has them with their context and code point offsets, and when they do not occur, the closest passage
/// is offered with the command that quotes it.
@Suite("quote anchoring")
struct QuoteAnchoringTests {
  static let editor = CallerIdentity(uid: 1001, gid: 1001, userName: "editor", role: .editor)

  /// Short excerpts of the seed articles, as pasted into sources: no-break spaces, curly quotes, en dashes,
  /// Cyrillic; plus synthetic hard wraps, soft hyphens, an ellipsis and an emoji.
  static let article = [
    "Gay rights activist and Russian pride organiser Nikolai Alekseyev\u{A0}has officially requested a meeting "
      + "with Vladimir Putin after the President claimed he was willing to speak with members of the LGBT "
      + "community in a recent interview.",
    "He said: “I assure you that I work with these people. We have absolutely normal relations, and I don’t "
      + "see anything out of the ordinary here.”",
    "Human rights monitors also reported earlier this year that authorities in Chechnya – an autonomous region "
      + "of Russia – were carrying out a homophobic purge,\u{A0}which the Kremlin failed to intervene to prevent.",
    "It was not the first time that Kadyrov denied that gay men lived in the region, claiming previously\u{A0}that "
      + "gay people are\u{A0}“fake Chechens”.",
    "The meeting gathered the leaders of the major non-parlia\u{AD}mentary political parties,\nincluding Vladimir "
      + "Ryzhkov. Putin said he would \"look at\" the charges against 70 people…",
    "Солидарность с Россией ЛГБТ. Он сказал: «У нас нет геев». Kadyrov's spokesman said it wasn't true.",
    "Over 300 LGBT rights activists 🏳️‍🌈 gathered in St. Petersburg.",
  ].joined(separator: "\n\n")

  // MARK: - Helpers

  /// A ledger in a temporary folder for `body`.
  func withLedger(_ body: (Ledger) async throws -> Void) async throws {
    let directory = try makeShortTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try await body(Ledger(store: try SQLiteLedgerStore(path: directory + "/ledger.sqlite")))
  }

  /// A claim by a new speaker.
  static func claim(_ text: String, by name: String, in ledger: Ledger) async throws -> Claim {
    let speaker = try await ledger.createSpeaker(Make.speaker(name), caller: editor)
    return try await ledger.createClaim(Make.claim(text, speaker: speaker.id, said: "2017-07"), caller: editor).claim!
  }

  static func source(_ text: String, in ledger: Ledger, title: String = "Report") async throws -> Source {
    try await ledger.createSource(Make.source(title, outlet: "Outlet", text: text), caller: editor)
  }

  static func link(
    _ claim: String, source: String? = nil, claimTarget: String? = nil, _ relation: Relation = .contradicts,
    quote: String = "", prefix: String = "", suffix: String = "", occurrence: Int32 = 0, unquoted: Bool = false
  ) -> CreateLinkRequest {
    var request = Make.link(claim, source: source, claimTarget: claimTarget, relation, quote: quote)
    if !prefix.isEmpty || !suffix.isEmpty {
      var text = request.link!.quote ?? TextQuote()
      text.prefix = prefix
      text.suffix = suffix
      request.link!.quote = text
    }
    request.occurrence = occurrence
    request.unquoted = unquoted
    return request
  }

  static func quote(_ exact: String, prefix: String = "", suffix: String = "") -> TextQuote {
    var quote = TextQuote()
    quote.exact = exact
    quote.prefix = prefix
    quote.suffix = suffix
    return quote
  }

  /// The error a link request is refused with.
  static func refusal(_ request: CreateLinkRequest, _ ledger: Ledger) async -> LedgerError? {
    do {
      _ = try await ledger.createLink(request, caller: editor)
      return nil
    } catch let error as LedgerError {
      return error
    } catch {
      Issue.record("not a LedgerError: \(error)")
      return nil
    }
  }

  /// The passage a hint's `--quote '…'` (or `--quote='…'`) holds, read back as a POSIX shell would.
  static func suggestedQuote(in message: String) -> String? {
    guard let option = message.range(of: "--quote '") ?? message.range(of: "--quote='") else { return nil }
    var out = ""
    var rest = message[option.upperBound...]
    while true {
      guard let close = rest.firstIndex(of: "'") else { return nil }
      out += rest[..<close]
      rest = rest[rest.index(after: close)...]
      guard rest.hasPrefix("\\''") else { return out }
      out += "'"
      rest = rest.dropFirst(3)
    }
  }

  /// `quote`, anchored in `text`, checked to be the text's own code points at its offsets.
  static func anchoredSlice(_ quote: TextQuote, in text: String, occurrence: Int = 1) throws -> TextQuote {
    guard case .anchored(let found) = TextQuoteAnchor.find(quote, in: text, occurrence: occurrence) else {
      throw Failure(description: "\"\(quote.exact)\" did not anchor")
    }
    let scalars = Array(text.unicodeScalars)
    var slice = String.UnicodeScalarView()
    slice.append(contentsOf: scalars[Int(found.start)..<Int(found.end)])
    #expect(Array(String(slice).utf8) == Array(found.exact.utf8), "exact is the text's slice at its offsets")
    #expect(TextQuoteAnchor.occurs(found.prefix + found.exact + found.suffix, in: text))
    #expect(found.prefix.count <= 32 && found.suffix.count <= 32)
    return found
  }

  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  // MARK: - Normalisation

  @Test(
    "each normalisation class: the pasted passage anchors and is stored as the text has it",
    arguments: [
      // No-break space in the text, a plain space pasted.
      ("Nikolai Alekseyev has officially requested", "Nikolai Alekseyev\u{A0}has officially requested"),
      // Curly apostrophe in the text, a straight one pasted.
      ("and I don't see anything", "and I don’t see anything"),
      // Curly double quotes and a no-break space, straight ones pasted.
      ("gay people are \"fake Chechens\".", "gay people are\u{A0}“fake Chechens”."),
      // Guillemets are double quote marks too.
      ("Он сказал: \"У нас нет геев\"", "Он сказал: «У нас нет геев»"),
      // En dashes in the text; a hyphen and an em dash pasted.
      ("Chechnya - an autonomous region of Russia — were", "Chechnya – an autonomous region of Russia – were"),
      // A hard line break and a soft hyphen in the text.
      (
        "major non-parliamentary political parties, including Vladimir Ryzhkov",
        "major non-parlia\u{AD}mentary political parties,\nincluding Vladimir Ryzhkov"
      ),
      // Three dots for an ellipsis, and curly quotes for straight ones.
      ("would “look at” the charges against 70 people...", "would \"look at\" the charges against 70 people…"),
      // A line break, tabs, an ideographic and a narrow no-break space, zero-width characters pasted.
      (
        "\n Kadyrov\tdenied\u{3000}that gay\u{202F}men li\u{200B}ved in the\u{2060} region \t",
        "Kadyrov denied that gay men lived in the region"
      ),
      // Decomposed (NFD) Cyrillic: й is и with a breve.
      ("с Россией ЛГБТ".decomposedStringWithCanonicalMapping, "с Россией ЛГБТ"),
      // An apostrophe pasted curly where the text has it straight.
      ("Kadyrov’s spokesman said it wasn’t true", "Kadyrov's spokesman said it wasn't true"),
    ])
  func normalisationClasses(pasted: String, stored: String) throws {
    let found = try Self.anchoredSlice(Self.quote(pasted), in: Self.article)
    #expect(Array(found.exact.utf8) == Array(stored.utf8))
  }

  @Test("case, and single against double quote marks, are not folded")
  func notFolded() {
    for pasted in ["kadyrov denied", "gay people are 'fake Chechens'", "NIKOLAI ALEKSEYEV"] {
      guard case .notFound = TextQuoteAnchor.find(Self.quote(pasted), in: Self.article) else {
        Issue.record("\"\(pasted)\" anchored")
        continue
      }
    }
  }

  @Test("a passage never anchors inside a composed character")
  func notInsideCharacters() {
    let text = "Le café de la place".decomposedStringWithCanonicalMapping
    guard case .notFound = TextQuoteAnchor.find(Self.quote("Le cafe"), in: text) else {
      Issue.record("anchored inside é")
      return
    }
    #expect(TextQuoteAnchor.anchor(Self.quote("Le café"), in: text)?.exact == "Le café")
  }

  // MARK: - What is stored

  @Test("offsets count code points, with Cyrillic and an emoji of several code points")
  func codePointOffsets() throws {
    let text = "Рамзан 🏳️‍🌈 Кадыров заявил"
    let found = try Self.anchoredSlice(Self.quote("Кадыров"), in: text)
    // "Рамзан " is 7 code points; the flag is 4 (U+1F3F3 U+FE0F U+200D U+1F308) and a space.
    #expect(found.start == 12 && found.end == 19)
    #expect(found.prefix == "Рамзан 🏳️‍🌈 " && found.suffix == " заявил")
    let flag = try Self.anchoredSlice(Self.quote("activists 🏳️‍🌈 gathered"), in: Self.article)
    let before = Self.article.components(separatedBy: "activists 🏳️‍🌈")[0]
    #expect(flag.start == Int64(before.unicodeScalars.count))
    #expect(flag.end - flag.start == Int64("activists 🏳️‍🌈 gathered".unicodeScalars.count))
  }

  @Test("prefix and suffix are up to 32 characters of the text itself, whatever was asked")
  func contextFromText() throws {
    let found = try Self.anchoredSlice(
      Self.quote("which the Kremlin failed", prefix: "purge, ", suffix: " to intervene"), in: Self.article)
    #expect(Array(found.prefix.utf8) == Array("were carrying out a homophobic purge,\u{A0}".utf8.suffix(33)))
    #expect(found.prefix.count == 32 && found.suffix.count == 32)
    #expect(found.suffix == " to intervene to prevent.\n\nIt wa")
    let start = try Self.anchoredSlice(Self.quote("Gay rights"), in: Self.article)
    #expect(start.prefix.isEmpty && start.start == 0)
    let end = try Self.anchoredSlice(Self.quote("St. Petersburg."), in: Self.article)
    #expect(end.suffix.isEmpty && end.end == Int64(Self.article.unicodeScalars.count))
  }

  @Test("the stored link holds the text's own slice, byte for byte, with offsets and context")
  func storedLink() async throws {
    try await withLedger { ledger in
      let claim = try await Self.claim("Nothing happened in Chechnya", by: "Official", in: ledger)
      let source = try await Self.source(Self.article, in: ledger)
      let link = try await ledger.createLink(
        Self.link(claim.id, source: source.id, quote: "  Chechnya - an autonomous region of Russia - were carrying "),
        caller: Self.editor)
      let quote = try #require(link.quote)
      #expect(Array(quote.exact.utf8) == Array("Chechnya – an autonomous region of Russia – were carrying".utf8))
      let scalars = Array(Self.article.unicodeScalars)
      #expect(String(String.UnicodeScalarView(scalars[Int(quote.start)..<Int(quote.end)])) == quote.exact)
      #expect(quote.prefix.hasSuffix("that authorities in ") && quote.suffix.hasPrefix(" out a homophobic"))
      #expect(!link.unverified)
      var get = GetLinkRequest()
      get.id = link.id
      let stored = try await ledger.getLink(get, caller: Self.editor)
      #expect(stored.quote == quote)
    }
  }

  // MARK: - Occurrences

  @Test("a repeated passage anchors to the first occurrence, or the one asked for")
  func occurrences() async throws {
    try await withLedger { ledger in
      let claim = try await Self.claim("There are no such people here", by: "Ramzan Kadyrov", in: ledger)
      let text = "Kadyrov denied it in April.\nLater Kadyrov\u{A0}denied it again, in July."
      let source = try await Self.source(text, in: ledger)
      let first = try await ledger.createLink(
        Self.link(claim.id, source: source.id, quote: "Kadyrov denied it"), caller: Self.editor)
      #expect(first.quote?.start == 0)
      let second = try await ledger.createLink(
        Self.link(claim.id, source: source.id, .supports, quote: "Kadyrov denied it", occurrence: 2),
        caller: Self.editor)
      #expect(second.quote?.start == 34 && second.quote?.exact == "Kadyrov\u{A0}denied it")
      #expect(second.quote?.prefix == "dyrov denied it in April.\nLater ")
      // A prefix chooses too: the occurrence after "Later".
      let chosen = try await ledger.createLink(
        Self.link(claim.id, source: source.id, .context, quote: "Kadyrov denied it", prefix: "Later"),
        caller: Self.editor)
      #expect(chosen.quote?.start == 34)
      let error = await Self.refusal(
        Self.link(claim.id, source: source.id, .context, quote: "denied it", occurrence: 3), ledger)
      #expect(error?.code == .invalidArgument && error?.field == "occurrence")
      #expect(error?.message.contains("occurs 2 times") == true, "\(error?.message ?? "")")
      let negative = await Self.refusal(
        Self.link(claim.id, source: source.id, .context, quote: "denied it", occurrence: -1), ledger)
      #expect(negative?.field == "occurrence")
    }
  }

  @Test("prefix and suffix choose among occurrences; a prefix that fits none is refused")
  func contextChooses() throws {
    let text = "Kadyrov denied it in April. Later Kadyrov denied it again."
    let later = try Self.anchoredSlice(Self.quote("Kadyrov denied it", prefix: "Later"), in: text)
    #expect(later.start == 34)
    let again = try Self.anchoredSlice(Self.quote("denied it", suffix: "again."), in: text)
    #expect(again.start == 42)
    #expect(TextQuoteAnchor.find(Self.quote("denied it", prefix: "Never"), in: text) == .contextNotFound(count: 2))
    #expect(
      TextQuoteAnchor.find(Self.quote("denied it", prefix: "Kadyrov"), in: text, occurrence: 3)
        == .tooFewOccurrences(count: 2))
  }

  // MARK: - Not found

  @Test("a passage that does not occur: the closest one, its similarity and a command that anchors it")
  func closestPassageHint() async throws {
    try await withLedger { ledger in
      let claim = try await Self.claim("Nothing happened in Chechnya", by: "Official", in: ledger)
      let source = try await Self.source(Self.article, in: ledger, title: "Kremlin accused")
      let pasted = "authorities in Chechnya, an autonomous region of Russia, carried out a homophobic purge"
      let error = try #require(await Self.refusal(Self.link(claim.id, source: source.id, quote: pasted), ledger))
      #expect(error.code == .invalidArgument && error.field == "link.quote.exact")
      let message = error.message
      #expect(message.contains("does not occur in the archived text of \(source.id) (Kremlin accused)"), "\(message)")
      #expect(message.contains("% similar): \""), "\(message)")
      #expect(message.contains("gainsay link \(claim.id) \(source.id) --relation contradicts --quote '"), "\(message)")
      #expect(message.count < 500)
      let suggested = try #require(Self.suggestedQuote(in: message))
      #expect(suggested.contains("Chechnya – an autonomous region of Russia – were carrying out a homophobic purge"))
      // The suggestion anchors.
      let link = try await ledger.createLink(
        Self.link(claim.id, source: source.id, quote: suggested), caller: Self.editor)
      #expect(link.quote?.exact.contains("homophobic purge") == true)

      // An apostrophe in the suggested passage is quoted for the shell, and still anchors.
      let apostrophe = try #require(
        await Self.refusal(
          Self.link(claim.id, source: source.id, .supports, quote: "Kadyrov's spokesman says it was not true"), ledger))
      #expect(apostrophe.message.contains("'\\''"), "\(apostrophe.message)")
      let withApostrophe = try #require(Self.suggestedQuote(in: apostrophe.message))
      #expect(withApostrophe.contains("Kadyrov's spokesman"))
      _ = try await ledger.createLink(
        Self.link(claim.id, source: source.id, .supports, quote: withApostrophe), caller: Self.editor)
    }
  }

  @Test("the similarity is a percentage below 100, and a repeated closest passage names its occurrence")
  func similarityAndOccurrence() throws {
    let text = "The purge was denied. Nobody said so. The purge was denied."
    guard case .notFound(let closest?) = TextQuoteAnchor.find(Self.quote("The purge was deniedd"), in: text) else {
      Issue.record("no closest passage")
      return
    }
    #expect(closest.quotable == "The purge was denied" && closest.occurrence == 1)
    #expect(closest.percent == 95)
    let place = Ledger.QuotedText.source(Source(), id: "src_x", link: Link())
    let message = Ledger.notFoundMessage(closest, in: place)
    #expect(message.contains("closest (95% similar): \"The purge was denied\""), "\(message)")
    var later = closest
    later.occurrence = 2
    #expect(Ledger.notFoundMessage(later, in: place).contains("--occurrence 2 --quote 'The purge was denied'"))
    #expect(Ledger.quoteOption("-5 degrees") == "--quote='-5 degrees'")
    #expect(Ledger.quoteOption("it's") == "--quote 'it'\\''s'")
  }

  @Test("a long closest passage is not shown whole; a quote sharing no word gets no suggestion")
  func longAndHopeless() throws {
    let sentence =
      "Human rights monitors also reported earlier this year that authorities in Chechnya were "
      + "carrying out a homophobic purge which the Kremlin failed to intervene to prevent, and "
    let text = String(repeating: "Filler words here. ", count: 20) + sentence + sentence.uppercased()
    var pasted = sentence + sentence
    pasted = pasted.replacingOccurrences(of: "Kremlin", with: "government")
    guard case .notFound(let closest?) = TextQuoteAnchor.find(Self.quote(pasted), in: text) else {
      Issue.record("no closest passage")
      return
    }
    let place = Ledger.QuotedText.source(Source(), id: "src_x", link: Link())
    let message = Ledger.notFoundMessage(closest, in: place)
    #expect(message.contains("too long to show whole here"), "\(message)")
    #expect(message.count < 600)
    guard case .notFound(nil) = TextQuoteAnchor.find(Self.quote("zzz qqq"), in: text) else {
      Issue.record("a suggestion sharing no word")
      return
    }
    #expect(Ledger.notFoundMessage(nil, in: place).contains("nor does any passage sharing a word"))
  }

  @Test("a 3 MB text and a 5,000-character near miss: bounded work, and the right passage")
  func largeText() throws {
    // Deterministic pseudo-random words, so every window of the text differs.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    let vocabulary = [
      "Kadyrov", "Chechnya", "purge", "Kremlin", "activists", "monitors", "Грозный", "region", "denied", "men",
      "reported", "authorities", "rights", "“fake”", "–", "people", "Moscow", "police", "camps", "named",
    ]
    var words: [String] = []
    var size = 0
    while size < 3_000_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let word = vocabulary[Int(state >> 33) % vocabulary.count] + String(state >> 58)
      words.append(word)
      size += word.utf8.count + 1
    }
    let text = words.joined(separator: " ")
    // A passage of about 5,000 characters from the middle, with a word changed in every 40.
    let middle = words.count / 2
    var passage: [String] = []
    var length = 0
    var index = middle
    while length < 4_950 {
      passage.append((index - middle) % 40 == 39 ? "changed" : words[index])
      length += words[index].count + 1
      index += 1
    }
    let pasted = passage.joined(separator: " ")
    #expect(pasted.count <= 5_000)
    guard case .notFound(let closest?) = TextQuoteAnchor.find(Self.quote(pasted), in: text) else {
      Issue.record("no closest passage")
      return
    }
    let expectedStart = words[..<middle].reduce(0) { $0 + $1.unicodeScalars.count + 1 }
    #expect(abs(closest.start - expectedStart) < 40)
    #expect(closest.percent >= 80)
  }
}
