import Foundation
import GainsayProto

/// Anchoring a link's quote in the text it cites (a source's archived text, or another claim's text),
/// and the errors that tell a journalist how to fix a quote that does not anchor.
extension Ledger {
  /// Where a quote is looked for, as errors name it.
  struct QuotedText {
    /// "src_… (Title)" or "claim clm_…".
    let target: String
    /// "the archived text of src_… (Title)" or "the text of claim clm_…".
    let name: String
    /// The command that shows the text whole.
    let showCommand: String
    /// The `gainsay link` arguments before `--quote`: claim, target and relation.
    let linkArguments: String

    static func source(_ source: Source, id: String, link: Link) -> QuotedText {
      let title = source.title.count > 80 ? String(source.title.prefix(79)) + "…" : source.title
      return QuotedText(
        target: "\(id) (\(title))", name: "the archived text of \(id) (\(title))",
        showCommand: "gainsay source show \(id) --text",
        linkArguments: arguments(link, target: id))
    }

    static func claim(id: String, link: Link) -> QuotedText {
      QuotedText(
        target: "claim \(id)", name: "the text of claim \(id)", showCommand: "gainsay claim show \(id)",
        linkArguments: arguments(link, target: id))
    }

    private static func arguments(_ link: Link, target: String) -> String {
      "\(link.claimID) \(target) --relation \(ReportRenderer.relationWord(link.relation))"
    }
  }

  /// The longest closest passage an error shows whole, in characters.
  static let shownPassageLength = 160

  /// `quote` (checked, non-blank) anchored in `text`, as the text has it, at occurrence `occurrence`;
  /// an INVALID_ARGUMENT error that says how to fix it otherwise.
  static func anchorQuote(
    _ quote: TextQuote, in text: String, occurrence: Int, of place: QuotedText
  ) throws
    -> TextQuote
  {
    switch TextQuoteAnchor.find(quote, in: text, occurrence: occurrence) {
    case .anchored(let anchored):
      let length = anchored.exact.count
      guard length <= 5_000 else {
        throw LedgerError.invalid(
          "link.quote.exact",
          "the passage as it occurs in \(place.name) is \(length) characters; the maximum is 5000: quote less of it")
      }
      return anchored
    case .blank:
      throw blankQuote()
    case .tooFewOccurrences(let count):
      let context = quote.prefix.isEmpty && quote.suffix.isEmpty ? "" : " with the prefix and suffix given"
      throw LedgerError.invalid(
        "occurrence",
        "asks for occurrence \(occurrence) of the passage, but it occurs \(times(count))\(context) in "
          + "\(place.name): pass --occurrence \(count == 1 ? "1" : "1 to \(count)")")
    case .contextNotFound(let count):
      let field = quote.prefix.isEmpty ? "link.quote.suffix" : "link.quote.prefix"
      throw LedgerError.invalid(
        field,
        "the passage occurs \(times(count)) in \(place.name), but never with the prefix and suffix given: "
          + "leave out --prefix and --suffix\(count > 1 ? ", and choose with --occurrence 1 to \(count)" : "")")
    case .notFound(let closest):
      throw LedgerError.invalid("link.quote.exact", notFoundMessage(closest, in: place))
    }
  }

  /// The error for a quote with nothing to look for.
  static func blankQuote() -> LedgerError {
    LedgerError.invalid(
      "link.quote.exact",
      "holds only spaces, soft hyphens or zero-width characters: quote the words of the passage")
  }

  /// "the passage does not occur in …; closest (87% similar): "…"; to quote it: gainsay link …".
  static func notFoundMessage(_ closest: ClosestPassage?, in place: QuotedText) -> String {
    let missing = "the passage does not occur in \(place.name)"
    guard let closest else {
      return "\(missing), nor does any passage sharing a word with it; see the text with \(place.showCommand)"
    }
    let passage = closest.quotable
    var command = "gainsay link \(place.linkArguments)"
    if closest.occurrence > 1 { command += " --occurrence \(closest.occurrence)" }
    if passage.count <= shownPassageLength {
      return "\(missing); closest (\(closest.percent)% similar): \"\(passage)\"; to quote it: "
        + "\(command) \(quoteOption(passage))"
    }
    return "\(missing); closest (\(closest.percent)% similar): the \(passage.count)-character passage at code "
      + "points \(closest.start) to \(closest.end), which begins \"\(passage.prefix(50))…\" and ends "
      + "\"…\(passage.suffix(50))\" (too long to show whole here; \(place.showCommand) has it); to quote it: "
      + "\(command) --quote '…that passage whole…'"
  }

  /// `--quote 'passage'`, single-quoted for a POSIX shell (an apostrophe as `'\''`), and written
  /// `--quote='-…'` when the passage starts with a dash, so it is not read as an option.
  static func quoteOption(_ passage: String) -> String {
    let quoted = "'" + passage.replacingOccurrences(of: "'", with: "'\\''") + "'"
    return passage.hasPrefix("-") ? "--quote=\(quoted)" : "--quote \(quoted)"
  }

  private static func times(_ count: Int) -> String {
    count == 1 ? "once" : "\(count) times"
  }
}
