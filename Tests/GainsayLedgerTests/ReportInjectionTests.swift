import Foundation
import GainsayProto
import Testing

@testable import GainsayCore

/// Reports of hostile ledger text: nothing a journalist (or an import) typed can become HTML, a script,
/// a link to anything but the web, a Markdown block, or a terminal control; and evidence whose quote
/// could not be checked is marked unverified in every format. Reports are built in memory here, so each
/// text can hold what the ledger's validation would refuse today (a ledger may be older than it).
@Suite("report injection and unverified evidence")
struct ReportInjectionTests {
  /// A claim that tries every way out of its place in a report.
  static let hostileClaim = """
    We never</script><script>alert(1)</script> did
    ---
    - injected item
    # Injected heading
    <img src=x onerror=alert(1)>\r
    > quoted\r    code
    ```fence *em* _u_ [link](javascript:alert(1)) ![img](x) `code` \\ | &amp; &lt;b&gt; {: onclick=x} ~~s~~
    1. ordered
    ===
    """
  static let controls = "bell\u{07} esc\u{1B}[2J cr\rover rlo\u{202E}desrever\u{202C} isolate\u{2066}x\u{2069} c1\u{9B}"
  static let scale = LedgerConfiguration().ratingScale

  static func source(_ id: String, url: String, title: String = "Honest title") -> Source {
    var source = Source()
    source.id = id
    source.outlet = "Outlet <i>x</i>\n## Outlet heading"
    source.title = title
    source.url = url
    source.publishedOn = PartialDate(iso: "2017-04-01")
    return source
  }

  static func evidence(_ source: Source, quote: String, note: String = "", unverified: Bool = false) -> Evidence {
    var link = Link()
    link.id = "lnk_" + source.id
    link.claimID = "clm_1"
    link.target = .sourceID(source.id)
    link.relation = .contradicts
    var text = TextQuote()
    text.exact = quote
    link.quote = text
    link.note = note
    link.unverified = unverified
    var item = Evidence()
    item.link = link
    item.source = source
    return item
  }

  /// One entry carrying hostile text in every field a report shows, and both kinds of evidence.
  static func report() -> Report {
    var claim = Claim()
    claim.id = "clm_1"
    claim.speakerID = "spk_1"
    claim.text = hostileClaim
    claim.saidOn = PartialDate(iso: "2017-07")
    claim.context = "context\n* item </script>"
    claim.appearanceUrls = [
      "javascript:alert(document.cookie)", "https://ok.example/a b<c>(d)\"e'`f\\g",
      "https://evil.example/x</script><script>alert(6)</script>",
    ]
    claim.state = .retracted
    claim.retractionReason = "reason\n<script>x</script>"
    var speaker = Speaker()
    speaker.id = "spk_1"
    speaker.name = "Evil <b>Name</b>\n# Name heading"
    speaker.role = "role </script><script>"
    var verdict = Verdict()
    verdict.claimID = claim.id
    verdict.rating = "false"
    verdict.ratingValue = 2
    verdict.explanation = "because\n\n- list </script><script>alert(2)</script>"
    verdict.createTime = Timestamp(date: Date(timeIntervalSince1970: 1_704_067_200))
    var entry = ReportEntry()
    entry.claim = claim
    entry.speaker = speaker
    entry.verdict = verdict
    entry.contradictedBy = [
      evidence(
        source("src_checked", url: "javascript:alert(3)", title: "Title\n***\n[x](javascript:alert(4))"),
        quote: "quote one\nquote two " + controls, note: "note\n> quoted note </script>"),
      evidence(
        source("src_unchecked", url: "https://news.example/unchecked"), quote: "an unchecked passage",
        unverified: true),
    ]
    // A flip-flop: another claim of the same speaker, as hostile, disputed, contradicts it.
    var other = Claim()
    other.id = "clm_2"
    other.speakerID = speaker.id
    other.text = "Other " + hostileClaim
    other.saidOn = PartialDate(iso: "2018")
    other.context = "ctx </script>\n# h"
    other.attribution = .disputed
    var related = RelatedClaim()
    var relatedLink = Link()
    relatedLink.id = "lnk_ff"
    relatedLink.claimID = claim.id
    relatedLink.target = .targetClaimID(other.id)
    relatedLink.relation = .contradicts
    relatedLink.note = "note </script>\n- item"
    related.link = relatedLink
    related.claim = other
    related.speaker = speaker
    entry.contradictingClaims = [related]
    var tally = ReportTally()
    tally.add(entry)
    var report = Report()
    report.title = "Title </script><script>alert(5)</script>\n# Title heading"
    report.generateTime = verdict.createTime
    report.publisher = "Publisher <script>"
    report.entries = [entry]
    report.summary = tally.summary
    return report
  }

  static func render(_ format: ReportFormat) async throws -> String {
    let (_, bytes) = try await ReferenceReport.render(
      report(), format: format, scale: scale, publisherURL: "https://news.example")
    return String(decoding: bytes, as: UTF8.self)
  }

  /// How the Markdown report's own lines begin: every line must begin with one of them, so no line
  /// begins with ledger text.
  static let markdownLineStarts = [
    "# ", "_Generated ", "## Contradicted by the record", "## Flip-flops", "## Not contradicted by the record",
    "_Claims that reporting", "_Claims of one speaker", "_Supported, or not yet checked", "## Summary", "### “",
    "### ", "**", "Appeared: ", "_Retracted from the record: ", "#### ", "- **", "  > ", "  _Note: ", "- “",
    "- Said ", "- Claims: ", "- Flip-flops: ", "- Sources by outlet: ", "- First contradiction: ",
  ]

  @Test("Markdown: no HTML, no link but to the web, no line begun by ledger text, controls shown")
  func markdown() async throws {
    Self.checkMarkdown(try await Self.render(.markdown))
  }

  static func checkMarkdown(_ text: String) {
    #expect(!text.lowercased().contains("<script"))
    #expect(!text.lowercased().contains("</script"))
    #expect(!text.contains("<img") && !text.contains("<b>") && !text.contains("<i>"))
    #expect(!text.contains("<javascript"), "only web addresses become links")
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      #expect(markdownLineStarts.contains { line.hasPrefix($0) }, "a line begun by ledger text: \(line)")
    }
    #expect(!text.unicodeScalars.contains { $0 == "\r" || $0 == "\u{1B}" || $0 == "\u{202E}" || $0 == "\u{9B}" })
    #expect(text.contains("esc\\\\u{1B}\\[2J"))
    #expect(text.contains("rlo\\\\u{202E}desrever"))
    // Web links only, percent-encoded so they cannot end the autolink.
    #expect(
      text.contains(
        "Appeared: javascript:alert(document.cookie), <https://ok.example/a%20b%3Cc%3E%28d%29%22e%27%60f%5Cg>"))
    #expect(text.contains("— javascript:alert(3)"))
    // The claim's words are all there, on one line.
    #expect(
      text.contains(
        "## “We never&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; did --- - injected item \\# Injected heading")
    )
  }

  @Test("Markdown rendered by Python-Markdown and markdown-it: no script, image, rule or extra block")
  func markdownRendered() async throws {
    try Self.checkMarkdownRendered(try await Self.render(.markdown))
  }

  static func checkMarkdownRendered(_ text: String) throws {
    let python = "/usr/bin/python3"
    guard FileManager.default.isExecutableFile(atPath: python),
      run(python, ["-c", "import markdown, markdown_it"]) != nil
    else {
      // Scripts/lib/ensure-dependencies.sh installs python3-markdown and python3-markdown-it for the tests.
      Issue.record("python3-markdown or python3-markdown-it is not installed")
      return
    }
    let script = """
      import sys, markdown, markdown_it
      text = sys.stdin.read()
      print(markdown.markdown(text, extensions=["extra", "tables"]))
      print("\\n=====\\n")
      print(markdown_it.MarkdownIt("commonmark").enable("table").enable("strikethrough").render(text))
      """
    let html = try #require(run(python, ["-c", script], input: text))
    for (index, rendered) in html.components(separatedBy: "\n=====\n").enumerated() {
      let lower = rendered.lowercased()
      for forbidden in [
        "<script", "<img", "<hr", "<b>", "<i>", "<code", "<pre", "<ol", "<h1>injected", "<del", "<s>", "onclick=\"",
        "onerror=\"", "href=\"javascript",
      ] {
        #expect(!lower.contains(forbidden), "renderer \(index): \(forbidden) in \(rendered)")
      }
      #expect(lower.components(separatedBy: "<h1").count == 2, "renderer \(index): one title")
      #expect(
        lower.components(separatedBy: "<h2").count == 4, "renderer \(index): its two sections and the summary")
      #expect(lower.components(separatedBy: "<blockquote").count <= 3, "renderer \(index): at most the two quotes")
      #expect(lower.contains("href=\"https://ok.example/a%20b%3cc%3e%28d%29%22e%27%60f%5cg\""), "renderer \(index)")
      #expect(
        rendered.contains("We never&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; did"), "renderer \(index)")
    }
  }

  @Test("HTML: escaped, web links only, controls shown")
  func html() async throws {
    try Self.checkHTML(try await Self.render(.html))
  }

  static func checkHTML(_ html: String) throws {
    try HTMLCheck.wellFormed(html)
    #expect(!html.lowercased().contains("<script"))
    #expect(!html.contains("href=\"javascript"))
    #expect(html.contains("<a href=\"https://ok.example/a%20b%3Cc%3E%28d%29%22e%27%60f%5Cg\">"))
    #expect(!html.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" || $0 == "\u{9B}" })
    #expect(html.contains("esc\\u{1B}[2J"))
  }

  @Test("JSON and ClaimReview: no raw <, > or &, the same values when parsed")
  func json() async throws {
    for format in [ReportFormat.json, .claimreview] {
      try Self.checkJSON(try await Self.render(format), format: format)
    }
  }

  static func checkJSON(_ text: String, format: ReportFormat) throws {
    #expect(!text.contains("<") && !text.contains(">") && !text.contains("&"), "\(format)")
    #expect(text.contains("\\u003c/script\\u003e"), "\(format)")
    let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
    let claimText: String?
    if format == .json {
      let entries = (parsed as? [String: Any])?["entries"] as? [[String: Any]]
      claimText = (entries?.first?["claim"] as? [String: Any])?["text"] as? String
    } else {
      claimText = (parsed as? [[String: Any]])?.first?["claimReviewed"] as? String
    }
    #expect(claimText == hostileClaim, "\(format)")
  }

  @Test("unverified evidence is marked in Markdown and HTML, has the field in JSON, is not cited in ClaimReview")
  func unverified() async throws {
    try Self.checkUnverified(
      markdown: try await Self.render(.markdown), html: try await Self.render(.html),
      json: try await Self.render(.json), claimReview: try await Self.render(.claimreview))
  }

  static func checkUnverified(markdown: String, html: String, json: String, claimReview: String) throws {
    let lines = markdown.split(separator: "\n").map(String.init)
    let unchecked = try #require(lines.firstIndex { $0.contains("news.example/unchecked") })
    #expect(lines[unchecked].hasSuffix(MarkdownReport.unverifiedMark))
    #expect(lines[unchecked + 1] == "  > an unchecked passage")
    #expect(lines.filter { $0.contains("**unverified**") }.count == 1, "the checked evidence is not marked")

    #expect(
      html.contains(
        "news.example/unchecked</a> \(HTMLReport.unverifiedMark)<blockquote class=\"unverified-quote\">an unchecked passage</blockquote>"
      ))
    #expect(html.components(separatedBy: "class=\"unverified\"").count == 2)

    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let evidence = try #require(((object["entries"] as? [[String: Any]])?.first?["contradictedBy"]) as? [[String: Any]])
    #expect(evidence.map { ($0["link"] as? [String: Any])?["unverified"] as? Bool } == [nil, true])

    #expect(!claimReview.contains("an unchecked passage"))
  }

  /// The standard output of a program run to its end, or nil when it fails.
  static func run(_ program: String, _ arguments: [String], input: String = "") -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try? stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: output, as: UTF8.self)
  }
}
