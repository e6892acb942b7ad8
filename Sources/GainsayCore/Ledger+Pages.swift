public import GainsayProto

/// List pages that always fit one response.
extension Ledger {
  /// Bytes a response holds besides its items: the next page token and the field tags.
  static let pageOverhead = 256

  /// `page` cut short, if its items would encode to more than ``LedgerConfiguration/maximumResponseBytes``:
  /// items are dropped from its end (one is always kept) and the next page token then points at the
  /// first one dropped. A store's page budget (``PageBudget``) is an estimate from stored records; items
  /// gain fields when read (a claim's speaker name and rating, a verdict's signature) and a server may
  /// have a frame limit below the budget, so the page is measured here, as it will be sent.
  func fitted<Item: ProtoMessage>(_ page: Page<Item>, pageToken: String) throws -> Page<Item> {
    let limit = configuration.maximumResponseBytes - Self.pageOverhead
    var bytes = 0
    for (index, item) in page.items.enumerated() {
      let size = item.serializedSize
      // The item's field tag and its length's varint.
      bytes += size + 1 + (size < 128 ? 1 : size < 16_384 ? 2 : size < 2_097_152 ? 3 : 4)
      if bytes > limit && index > 0 {
        let next = PageToken.make(offset: try PageToken.offset(pageToken) + index)
        return Page(items: Array(page.items[..<index]), nextPageToken: next)
      }
    }
    return page
  }
}
