public import Foundation
public import GainsayProto

// What every store does the same way, whatever its engine: page tokens and the page byte budget, a
// link's identifying columns, a claim's text hash, and the refusals a store's constraint checks throw.
// Defined once here so that the SQLite and the PostgreSQL store cannot drift apart.

/// Opaque page tokens: an offset, base64-encoded so clients do not build them. Tokens of one store are
/// tokens of the other.
public enum PageToken {
  /// The token of the page that starts `offset` items into a list.
  public static func make(offset: Int) -> String {
    Data("o:\(offset)".utf8).base64EncodedString()
  }

  /// The offset a token names; the empty token is the first page.
  public static func offset(_ token: String) throws -> Int {
    guard !token.isEmpty else { return 0 }
    guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8), text.hasPrefix("o:"),
      let offset = Int(text.dropFirst(2)), offset >= 0
    else {
      throw LedgerError.invalid("page_token", "is not a token from a previous response")
    }
    return offset
  }
}

/// How many bytes a page of a list may hold, so that a list of large items (claims of 10,000 characters,
/// sources with long titles) always fits in a response frame (4 MiB) instead of failing.
public enum PageBudget {
  /// The most bytes of encoded items a page holds: a page stops short of it, with a token for the rest.
  public static let bytes = 2 * 1024 * 1024
  /// What an item may encode to beyond its stored record: a claim's evidence counts and latest rating.
  public static let itemAllowance = 128

  /// What an item whose stored record is `recordBytes` long adds to a page: the record, the allowance,
  /// its field tag and its length.
  public static func itemSize(recordBytes: Int) -> Int { recordBytes + itemAllowance + 1 + 5 }
}

/// The columns a link is found by: what it points at, and the passage it quotes.
public struct LinkColumns: Sendable {
  public var sourceID: String?
  public var targetClaimID: String?
  public var quote: String
  /// Where the passage starts: the same passage quoted at another place is another link.
  public var quoteStart: Int64

  public init(_ link: Link) {
    switch link.target {
    case .sourceID(let id)?: sourceID = id
    case .targetClaimID(let id)?: targetClaimID = id
    case nil: break
    }
    quote = link.quote?.exact ?? ""
    quoteStart = link.quote?.start ?? 0
  }
}

/// The key exact repeats are found by: FNV-1a (64-bit) of a claim's speaker id and normalised text. Stored in
/// both stores (`claim.text_hash`), so it must never change.
public enum ClaimTextHash {
  public static func of(speakerID: String, textKey: String) -> Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func add(_ byte: UInt8) {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    for byte in speakerID.utf8 { add(byte) }
    add(0)
    for byte in textKey.utf8 { add(byte) }
    return Int64(bitPattern: hash)
  }
}

/// The refusals a store's checks throw, with the codes and messages both stores share.
public enum StoreRefusal {
  /// A speaker's name or alias that already belongs to speaker `owner`.
  public static func nameTaken(_ name: String, index: Int, owner: String) -> LedgerError {
    let field = index == 0 ? "speaker.name" : "speaker.aliases[\(index - 1)]"
    return LedgerError(
      .alreadyExists, "\(field): \"\(name)\" is already a name or alias of speaker \(owner)", field: field,
      resource: owner)
  }

  /// Refuses a claim whose speaker is missing (`mergedInto` nil) or was merged into another.
  public static func checkSpeaker(of claim: Claim, mergedInto: String?) throws {
    guard let mergedInto else { throw LedgerError.notFound("speaker", claim.speakerID, field: "claim.speaker_id") }
    guard mergedInto.isEmpty else {
      throw LedgerError(
        .failedPrecondition,
        "claim.speaker_id: speaker \(claim.speakerID) was merged into \(mergedInto); use \(mergedInto)",
        field: "claim.speaker_id", resource: mergedInto)
    }
  }

  /// A claim's new text that no longer holds the words links `ids` quote from it.
  public static func quotedWordsGone(_ ids: [String], from claimID: String) -> LedgerError {
    LedgerError(
      .failedPrecondition,
      "claim.text: the evidence of \(listed(ids)) quotes words of \(claimID) that the new text no longer "
        + "holds; withdraw \(ids.count == 1 ? "that link" : "those links") first (gainsay link withdraw LINK "
        + "--reason …)",
      field: "claim.text", resource: claimID)
  }

  /// A new link whose passage left source `sourceID`'s archived text after it was checked.
  public static func passageGone(from sourceID: String) -> LedgerError {
    LedgerError(
      .failedPrecondition,
      "link.quote.exact: the passage no longer occurs in the archived text of \(sourceID), which changed meanwhile",
      field: "link.quote.exact", resource: sourceID)
  }

  /// A new link identical to the active link `existing`.
  public static func duplicateLink(_ existing: String) -> LedgerError {
    LedgerError(.alreadyExists, "link: the same link already exists as \(existing)", field: "link", resource: existing)
  }

  /// The refusal of a new text for source `id` that no longer holds the passages of links `ids`.
  public static func brokenEvidence(_ ids: [String], in id: String) -> LedgerError {
    LedgerError(
      .failedPrecondition,
      "source.archived_text: the evidence of \(listed(ids)) is anchored in the archived text of "
        + "\(id) and would no longer occur in it; fix the new text, or withdraw those links with it "
        + "(--withdraw-broken-links; UpdateSourceRequest.withdraw_broken_links)",
      field: "source.archived_text", resource: id)
  }

  /// Refuses an import's change of a record it read at revision `read` (a speaker it filled with details)
  /// when the record is now at `current`: it changed while the import ran. Stores call it in the import's
  /// write transaction, so a concurrent edit is never written over.
  public static func checkImportBase(_ type: ResourceType, _ id: String, current: Int32, read: Int32) throws {
    guard current != read else { return }
    throw LedgerError(
      .failedPrecondition,
      "\(type.noun) \(id) changed while the import ran (it is at revision \(current); the import read revision "
        + "\(read)); nothing of these records was written: send them again",
      resource: id)
  }

  /// Up to five ids, then how many more: "lnk_1, lnk_2 and 3 more".
  public static func listed(_ ids: [String]) -> String {
    ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? " and \(ids.count - 5) more" : "")
  }
}

/// SQL both stores run alike (their dialects agree on it).
public enum SharedSQL {
  /// A claim (`claim c`) with its active links counted by relation (contradicting, supporting, context,
  /// repeats), its latest active verdict's rating and its speaker's name: the columns a claim is read
  /// with. `insertionOrder` is the column that orders rows as inserted (`rowid`, `seq`), the tie-break
  /// between verdicts given at the same time.
  public static func claimWithCounts(insertionOrder: String) -> String {
    """
    SELECT c.record,
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 1),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 2),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 3),
      (SELECT count(*) FROM link l WHERE l.claim_id = c.id AND l.state = 1 AND l.relation = 4),
      (SELECT v.rating FROM verdict v WHERE v.claim_id = c.id AND v.state = 1
        ORDER BY v.create_time DESC, v.\(insertionOrder) DESC LIMIT 1),
      (SELECT s.name FROM speaker s WHERE s.id = c.speaker_id)
    FROM claim c
    """
  }
}

extension Resource {
  /// The revision of a record that counts them (speakers, claims, sources); nil for links and verdicts.
  public var countedRevision: Int32? {
    switch kind {
    case .speaker(let speaker): speaker.revision
    case .claim(let claim): claim.revision
    case .source(let source): source.revision
    default: nil
    }
  }
}
