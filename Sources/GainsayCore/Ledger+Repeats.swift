import Foundation
public import GainsayProto

/// Repeats: the claims that resemble a new claim. CreateClaim reports the exact repeats (the same speaker,
/// the same normalised text) from the text-hash index; the near ones are searched for after it answered,
/// in the background, and recorded as a REPEATS_FOUND audit event about the new claim, which `Watch`
/// carries and ``listClaimRepeats(_:caller:)`` reads.
///
/// The search works through the audit log after a mark the store keeps (``LedgerStore/repeatSearchMark()``)
/// and moves the mark in the transaction that records what it found, so a crash between a claim's
/// commit and its search loses nothing: the search resumes from the mark.
extension Ledger {
  static let createClaimMethod = "gainsay.v1.Ledger/CreateClaim"

  /// The most claims searched between two moves of the mark.
  static let repeatSearchBatch = 256

  /// Searches for repeats at once (claims a crash left unsearched), then whenever a claim is created
  /// here and, with `poll`, that often (the claims other daemons of a shared ledger create), until
  /// cancelled. After a failure it tries again within ``repeatRetryDelay`` even if no claim arrives.
  public func searchRepeats(poll: Duration?, report: @escaping @Sendable (String) -> Void) async {
    let repeats = self.repeats
    let ticker = Task {
      guard let poll else { return }
      while !Task.isCancelled {
        try? await Task.sleep(for: poll)
        repeats.ring()
      }
    }
    defer { ticker.cancel() }
    // A daemon of its own store publishes each write's events after its commit: the search looks only at
    // events already published (and those from before it started), so its own events never overtake a
    // CREATE on Watch. A shared store's feed follows the audit log in order anyway.
    let shared = store is any SharedLedgerStore
    let startedAt = (try? await store.lastSequence()) ?? 0
    var failing = false
    await withTaskCancellationHandler {
      repeats.ring()
      for await _ in repeats.waitForRings {
        do {
          while try await searchPendingRepeats(
            visibleThrough: shared ? nil : max(startedAt, feed.publishedThrough), report: report)
          {
            try Task.checkCancellation()
          }
          if failing { report("the search for repeats works again") }
          failing = false
        } catch is CancellationError {
          return
        } catch {
          if !failing { report("cannot search for repeats (will try again): \(error)") }
          failing = true
          Task {
            try? await Task.sleep(for: Self.repeatRetryDelay)
            repeats.ring()
          }
        }
      }
    } onCancel: {
      repeats.stop()
    }
  }

  /// How soon a failed search is tried again.
  static let repeatRetryDelay = Duration.seconds(5)

  /// Searches the claims created after the mark (up to `visibleThrough`, if set), at most
  /// ``repeatSearchBatch`` audit events of them, records what it found and moves the mark; returns
  /// whether more events wait. A claim whose search fails is reported and left without repeats, so that
  /// one claim cannot hold up the others.
  @discardableResult
  public func searchPendingRepeats(
    visibleThrough: Int64? = nil, report: (String) -> Void = { _ in }
  ) async throws -> Bool {
    let mark = try await store.repeatSearchMark()
    let read = try await store.auditEvents(AuditQuery(afterSequence: mark, limit: Self.repeatSearchBatch))
    let events = read.filter { $0.sequence <= visibleThrough ?? .max }
    guard let through = events.last?.sequence else { return false }
    var found: [(claimID: String, audit: AuditDraft)] = []
    for event in events where event.action == .create && event.method == Self.createClaimMethod {
      guard case .claim(let claim)? = event.after?.kind, let actor = event.actor else { continue }
      let repeats: [ClaimRepeat]
      do {
        repeats = try await repeatsOf(claim)
      } catch is CancellationError {
        throw CancellationError()
      } catch {
        report("cannot search claim \(claim.id) for repeats; left without: \(error)")
        continue
      }
      guard !repeats.isEmpty else { continue }
      var audit = AuditDraft(actor: actor, method: Self.createClaimMethod, action: .repeatsFound, time: timestamp)
      audit.repeats = repeats
      audit.relatedIDs = repeats.map(\.claimID)
      found.append((claim.id, audit))
    }
    if let recorded = try await store.recordRepeats(found, searched: mark, through: through) {
      published(recorded)
    }
    return events.count == Self.repeatSearchBatch
  }

  /// Claims (of any speaker) recorded before `claim` whose normalised text matches or nearly matches its
  /// text, best first, at most five. Later claims are left out: their own search finds this one.
  func repeatsOf(_ claim: Claim) async throws -> [ClaimRepeat] {
    let fingerprint = Similarity.Fingerprint(claim.text)
    var found: [ClaimRepeat] = []
    let candidates = try await store.claimCandidates(similarTo: claim.text, limit: 25, recordedBefore: claim.id)
    for candidate in candidates {
      let score = Similarity.score(fingerprint, Similarity.Fingerprint(candidate.text))
      guard score >= Self.similarityThreshold else { continue }
      var entry = ClaimRepeat()
      entry.claimID = candidate.id
      entry.similarity = score
      found.append(entry)
    }
    return Array(found.sorted { $0.similarity > $1.similarity }.prefix(5))
  }

  /// The exact repeats of a new claim: active claims of its speaker with the same normalised text.
  func exactRepeats(of claim: Claim) async throws -> [SimilarClaim] {
    try await store.claims(matching: [(claim.speakerID, claim.text)]).map { existing in
      var entry = SimilarClaim()
      entry.claim = existing
      entry.similarity = 1
      return entry
    }
  }

  /// The longest ListClaimRepeats waits for the search.
  static let longestRepeatWait = 2_000

  public func listClaimRepeats(
    _ request: ListClaimRepeatsRequest, caller: CallerIdentity
  ) async throws -> ListClaimRepeatsResponse {
    try require(.reader, caller, to: "reading claims")
    let id = try Validate.id(request.claimID, field: "claim_id")
    guard request.waitMs >= 0, request.waitMs <= Self.longestRepeatWait else {
      throw LedgerError.invalid("wait_ms", "must be between 0 and \(Self.longestRepeatWait)")
    }
    _ = try await storedClaim(id)
    // Its first event: only claims made with CreateClaim are searched.
    var ofClaim = AuditQuery(limit: 1)
    ofClaim.resourceID = id
    var response = ListClaimRepeatsResponse()
    guard let created = try await store.auditEvents(ofClaim).first, created.action == .create,
      created.method == Self.createClaimMethod
    else { return response }
    let deadline = ContinuousClock.now + .milliseconds(Int(request.waitMs))
    var mark = try await store.repeatSearchMark()
    while mark < created.sequence, ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(5))
      mark = try await store.repeatSearchMark()
    }
    response.searched = mark >= created.sequence
    // The search has run: its event, if it found any, is in the claim's history by now.
    guard response.searched else { return response }
    ofClaim.afterSequence = created.sequence
    ofClaim.limit = nil
    guard let found = try await store.auditEvents(ofClaim).last(where: { $0.action == .repeatsFound }) else {
      return response
    }
    for entry in found.repeats {
      guard let claim = try await store.get(Claim.self, id: entry.claimID) else { continue }
      var similar = SimilarClaim()
      similar.claim = claim
      similar.similarity = entry.similarity
      response.similarClaims.append(similar)
    }
    return response
  }
}
