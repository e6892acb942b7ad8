extension TextAnalysis {
  /// Analyses texts word by word, each distinct word once: a text repeating its words (a 256 KiB source
  /// text) costs little more than scanning it. Keep one for the texts of one task; its memory grows with
  /// the distinct words seen.
  struct Analyzer {
    struct Analysis {
      let folded: String
      let stem: String
      let isNegation: Bool
    }

    /// Analyses by the text of a word (between apostrophes, unfolded).
    private var byText: [Substring: Analysis] = [:]
    /// Analyses by folded word.
    private var byFolded: [String: Analysis] = [:]

    init() {}

    /// The words of `text`, as ``TextAnalysis/words(of:)``.
    mutating func words(of text: String) -> [AnalyzedWord] {
      var words: [AnalyzedWord] = []
      for run in runs(of: text) { appendWords(of: run, in: text, to: &words) }
      return words
    }

    mutating func analysis(folded: String) -> Analysis {
      if let known = byFolded[folded] { return known }
      let analysis = Analysis(folded: folded, stem: stemFolded(folded), isNegation: isNegationFolded(folded))
      byFolded[folded] = analysis
      return analysis
    }

    mutating func analysis(of word: Substring) -> Analysis {
      if let known = byText[word] { return known }
      let analysis = analysis(folded: TextAnalysis.folded(String(word)))
      byText[word] = analysis
      return analysis
    }

    /// One part of a run between apostrophes: its range in the text and its analysis.
    private struct Part {
      var range: Range<String.Index>
      let analysis: Analysis
      var folded: String { analysis.folded }
    }

    /// Appends the words of one run of word characters, split at its apostrophes as the tokenizer splits them.
    private mutating func appendWords(
      of run: Range<String.Index>, in text: String, to words: inout [AnalyzedWord]
    ) {
      let scalars = text.unicodeScalars
      var parts: [Part] = []
      var start = run.lowerBound
      var index = run.lowerBound
      while true {
        if index == run.upperBound || isApostrophe(scalars[index]) {
          let analysis = analysis(of: text[start..<index])
          if !analysis.folded.isEmpty { parts.append(Part(range: start..<index, analysis: analysis)) }
          if index == run.upperBound { break }
          start = scalars.index(after: index)
        }
        index = scalars.index(after: index)
      }
      if parts.count >= 2 && parts[parts.count - 1].folded == "s" {
        // A possessive: the "'s" joins its word.
        let possessive = parts.removeLast()
        parts[parts.count - 1].range = parts[parts.count - 1].range.lowerBound..<possessive.range.upperBound
      }
      var negation: (verb: Part, t: Part)?
      if parts.count >= 2, parts[parts.count - 1].folded == "t" {
        let verb = parts[parts.count - 2]
        let last = scalars[scalars.index(before: verb.range.upperBound)]
        if verb.folded.utf8.count >= 2 && verb.folded.hasSuffix("n") && (last == "n" || last == "N") {
          negation = (verb, parts[parts.count - 1])
          parts.removeLast(2)
        }
      }
      for part in parts {
        if part.folded == "cannot" && text.utf8[part.range].count == 6 {
          let middle = text.utf8.index(part.range.lowerBound, offsetBy: 3)
          words.append(word(part.range.lowerBound..<middle, analysis(folded: "can")))
          words.append(word(middle..<part.range.upperBound, analysis(folded: "not")))
        } else {
          words.append(word(part.range, part.analysis))
        }
      }
      guard let (verb, t) = negation else { return }
      let notStart = scalars.index(before: verb.range.upperBound)
      var head = String(verb.folded.dropLast())
      switch head {
      case "ca": head = "can"
      case "wo": head = "will"
      case "sha": head = "shall"
      default: break
      }
      words.append(word(verb.range.lowerBound..<notStart, analysis(folded: head)))
      words.append(word(notStart..<t.range.upperBound, analysis(folded: "not")))
    }

    private func word(_ range: Range<String.Index>, _ analysis: Analysis) -> AnalyzedWord {
      AnalyzedWord(range: range, folded: analysis.folded, stem: analysis.stem, isNegation: analysis.isNegation)
    }
  }
}
