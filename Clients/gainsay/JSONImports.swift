import ArgumentParser
import Foundation
import GainsayProto
import GainsayRPC

/// JSON Lines in the export format: one LedgerRecord per line.
enum JSONLinesImport {
  /// The file's records; with `leavingOutHistory`, without an export's revisions and audit events (counted
  /// in ``ParsedImport/leftOutHistory``): an import brings records, a restore their history too.
  static func parse(_ data: Data, leavingOutHistory: Bool = false) -> ParsedImport {
    var parsed = ParsedImport()
    var number: Int64 = 0
    for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      number += 1
      guard let text = String(validating: line, as: UTF8.self) else {
        parsed.errors.append((number, "not valid UTF-8 text"))
        continue
      }
      if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      do {
        var record = ImportRecord()
        record.line = number
        record.record = try LedgerRecord(jsonText: text)
        switch record.record?.record {
        case .claimRevision?, .auditEvent?:
          if leavingOutHistory {
            parsed.leftOutHistory += 1
            continue
          }
        default: break
        }
        parsed.records.append(record)
      } catch {
        parsed.errors.append((number, "not a LedgerRecord: \(error)"))
      }
    }
    return parsed
  }
}

/// schema.org ClaimReview JSON-LD: one object, an array, or a DataFeed of them.
enum ClaimReviewImport {
  /// The feed's reviews as claims with ratings, each given by `reviewer`, else by the review's author.
  static func parse(_ data: Data, ratingMap: [String: String], reviewer: String?) throws -> ParsedImport {
    guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("the file is not UTF-8 text") }
    let root: JSONValue
    do { root = try JSONValue.parse(text) } catch { throw ValidationError("not JSON: \(error)") }
    var reviews: [JSONValue] = []
    func collect(_ value: JSONValue) {
      switch value {
      case .array(let items): items.forEach(collect)
      case .object(let fields):
        let type = fields.first { $0.0 == "@type" }?.1
        if case .string("ClaimReview") = type {
          reviews.append(value)
        } else if let elements = fields.first(where: { $0.0 == "dataFeedElement" })?.1 {
          collect(elements)
        } else if let item = fields.first(where: { $0.0 == "item" })?.1 {
          collect(item)
        }
      default: break
      }
    }
    collect(root)
    var parsed = ParsedImport()
    for (index, review) in reviews.enumerated() {
      let line = Int64(index + 1)
      func string(_ value: JSONValue?, _ keys: String...) -> String {
        var current = value
        for key in keys {
          guard case .object(let fields)? = current else { return "" }
          current = fields.first { $0.0 == key }?.1
        }
        if case .string(let text)? = current { return text }
        return ""
      }
      var claim = Claim()
      claim.text = string(review, "claimReviewed")
      let said = string(review, "itemReviewed", "datePublished")
      let dateOnly = String(said.prefix(10))
      claim.saidOn =
        PartialDate(iso: dateOnly) ?? PartialDate(iso: String(said.prefix(7))) ?? PartialDate(
          iso: String(said.prefix(4)))
        ?? PartialDate(iso: String(string(review, "datePublished").prefix(10)))
      let appearance = string(review, "itemReviewed", "firstAppearance", "url")
      if !appearance.isEmpty { claim.appearanceUrls = [appearance] }
      let speaker = string(review, "itemReviewed", "author", "name")
      guard !claim.text.isEmpty, !speaker.isEmpty, claim.saidOn != nil else {
        parsed.errors.append(
          (line, "ClaimReview #\(index + 1) lacks claimReviewed, itemReviewed.author.name or a date"))
        continue
      }
      var record = ImportRecord()
      record.line = line
      record.speakerName = speaker
      let label = string(review, "reviewRating", "alternateName")
      record.rating = ratingMap[label.lowercased()] ?? label
      if !record.rating.isEmpty {
        record.reviewer = reviewer ?? string(review, "author", "name")
        record.ratingExplanation = string(review, "reviewRating", "ratingExplanation")
        record.reviewURL = string(review, "url")
        parsed.labels[record.rating, default: []].append(line)
      }
      var details = Speaker()
      details.role = string(review, "itemReviewed", "author", "jobTitle")
      if let range = string(review, "itemReviewed", "author", "sameAs").range(of: "wikidata.org/wiki/") {
        details.wikidataID = String(string(review, "itemReviewed", "author", "sameAs")[range.upperBound...])
      }
      switch string(review, "itemReviewed", "author", "@type") {
      case "Organization": details.kind = .organisation
      case "Person": details.kind = .person
      default: break
      }
      if details != Speaker() { record.speakerDetails = details }
      var ledgerRecord = LedgerRecord()
      ledgerRecord.record = .claim(claim)
      record.record = ledgerRecord
      parsed.records.append(record)
    }
    return parsed
  }
}
