/// A command line `gainsay` refuses before argument-parser sees it: printed as one line,
/// `gainsay: error: MESSAGE`, with exit status 64 (EX_USAGE), like argument-parser's own usage errors.
struct UsageProblem: Error, CustomStringConvertible {
  /// What is wrong and how to fix it, on one line.
  let message: String

  init(_ message: String) { self.message = message }

  var description: String { "gainsay: error: \(message)" }
}
