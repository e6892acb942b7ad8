import Foundation
import GainsayClaimReview
import GainsayProto
import GainsayRPC

/// `gainsay report --format claimreview --check`: the findings of ``ClaimReviewCheck`` for each claim,
/// as text or (with --json) one object per claim, and exit 73 (FAILED_PRECONDITION) when a review lacks a
/// required field.
enum ClaimReviewCheckOutput {
  static func run(_ bytes: [UInt8], session: Session) async throws {
    guard case .array(let reviews) = try JSONValue.parse(String(decoding: bytes, as: UTF8.self)) else {
      throw CLIError(code: .internal, message: "the daemon's ClaimReview output is not a JSON array")
    }
    let scale = try await session.call(LedgerService.getRatingScale, GetRatingScaleRequest())
    let results = ClaimReviewCheck.check(reviews, scale: scale)
    if session.options.json {
      for result in results { Output.jsonLine(result.jsonValue.serialized()) }
    } else {
      show(results)
    }
    let failing = results.filter { !$0.passes }.count
    if failing > 0 {
      throw CLIError(
        code: .failedPrecondition,
        message: "\(failing) of \(results.count) ClaimReview\(results.count == 1 ? "" : "s") "
          + "lack\(failing == 1 ? "s" : "") required fields (listed above)")
    }
  }

  /// Per claim: a line naming it and whether it passes, then one line per finding with its fix.
  static func show(_ results: [ClaimReviewCheck.Review]) {
    for result in results {
      let verdict =
        result.passes
        ? (result.findings.isEmpty ? Output.green("passes") : "passes, with recommendations")
        : Output.red("lacks required fields")
      Output.line("\(Output.bold(result.name)) “\(Output.short(result.claimReviewed, 50))”: \(verdict)")
      for finding in result.findings {
        let level = finding.level == .required ? Output.red("required") : "recommended"
        Output.line("  \(level) \(finding.field): \(finding.problem)")
        Output.line("    fix: \(finding.fix)")
      }
    }
    let required = results.reduce(0) { $0 + $1.findings.filter { $0.level == .required }.count }
    let recommended = results.reduce(0) { $0 + $1.findings.filter { $0.level == .recommended }.count }
    let passing = results.filter(\.passes).count
    Output.line(
      "\(results.count) ClaimReview\(results.count == 1 ? "" : "s"): \(passing) pass; "
        + "\(required) required and \(recommended) recommended field\(recommended == 1 ? "" : "s") to fix")
  }
}
