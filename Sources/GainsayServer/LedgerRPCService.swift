public import GainsayCore
import GainsayProto
public import GainsayRPC
import Synchronization

/// The ledger's methods on the wire: each handler identifies the caller from the socket, runs the
/// ledger operation and turns ``LedgerError`` into a precise RPC status.
public struct LedgerRPCService: RPCService {
  public let serviceName = LedgerService.name
  let ledger: Ledger
  let policy: AccessPolicy
  private let identities = IdentityCache()

  public init(ledger: Ledger, policy: AccessPolicy) {
    self.ledger = ledger
    self.policy = policy
  }

  public func registerMethods(with router: inout RPCRouter) {
    let ledger = self.ledger
    unary(&router, LedgerService.getCaller) { _, caller in ledger.caller(caller) }
    unary(&router, LedgerService.createSpeaker) { try await ledger.createSpeaker($0, caller: $1) }
    unary(&router, LedgerService.getSpeaker) { try await ledger.getSpeaker($0, caller: $1) }
    unary(&router, LedgerService.listSpeakers) { try await ledger.listSpeakers($0, caller: $1) }
    unary(&router, LedgerService.updateSpeaker) { try await ledger.updateSpeaker($0, caller: $1) }
    unary(&router, LedgerService.addSpeakerAlias) { try await ledger.addSpeakerAlias($0, caller: $1) }
    unary(&router, LedgerService.removeSpeakerAlias) { try await ledger.removeSpeakerAlias($0, caller: $1) }
    unary(&router, LedgerService.mergeSpeakers) { try await ledger.mergeSpeakers($0, caller: $1) }
    unary(&router, LedgerService.createClaim) { try await ledger.createClaim($0, caller: $1) }
    unary(&router, LedgerService.getClaim) { try await ledger.getClaim($0, caller: $1) }
    unary(&router, LedgerService.listClaims) { try await ledger.listClaims($0, caller: $1) }
    unary(&router, LedgerService.updateClaim) { try await ledger.updateClaim($0, caller: $1) }
    unary(&router, LedgerService.retractClaim) { try await ledger.retractClaim($0, caller: $1) }
    unary(&router, LedgerService.listClaimRevisions) { try await ledger.listClaimRevisions($0, caller: $1) }
    unary(&router, LedgerService.listClaimRepeats) { try await ledger.listClaimRepeats($0, caller: $1) }
    unary(&router, LedgerService.createSource) { try await ledger.createSource($0, caller: $1) }
    unary(&router, LedgerService.getSource) { try await ledger.getSource($0, caller: $1) }
    unary(&router, LedgerService.listSources) { try await ledger.listSources($0, caller: $1) }
    unary(&router, LedgerService.updateSource) { try await ledger.updateSource($0, caller: $1) }
    unary(&router, LedgerService.createLink) { try await ledger.createLink($0, caller: $1) }
    unary(&router, LedgerService.getLink) { try await ledger.getLink($0, caller: $1) }
    unary(&router, LedgerService.listLinks) { try await ledger.listLinks($0, caller: $1) }
    unary(&router, LedgerService.withdrawLink) { try await ledger.withdrawLink($0, caller: $1) }
    unary(&router, LedgerService.createVerdict) { try await ledger.createVerdict($0, caller: $1) }
    unary(&router, LedgerService.listVerdicts) { try await ledger.listVerdicts($0, caller: $1) }
    unary(&router, LedgerService.withdrawVerdict) { try await ledger.withdrawVerdict($0, caller: $1) }
    unary(&router, LedgerService.getRatingScale) { _, caller in try ledger.ratingScale(caller: caller) }
    streaming(&router, LedgerService.search) { request, caller, writer in
      for hit in try await ledger.search(request, caller: caller) { try await writer.write(hit) }
    }
    streaming(&router, LedgerService.listAuditEvents) { request, caller, writer in
      for event in try await ledger.auditEvents(request, caller: caller) { try await writer.write(event) }
    }
    unary(&router, LedgerService.checkIntegrity) { request, caller in
      try await ledger.checkIntegrity(request, caller: caller)
    }
    streaming(&router, LedgerService.backup) { request, caller, writer in
      try await ledger.backup(request, caller: caller) { try await writer.write($0) }
    }
    unary(&router, LedgerService.beginImport) { try await ledger.beginImport($0, caller: $1) }
    unary(&router, LedgerService.importRecords) { try await ledger.importRecords($0, caller: $1) }
    unary(&router, LedgerService.finishImport) { try await ledger.finishImport($0, caller: $1) }
    streaming(&router, LedgerService.export) { request, caller, writer in
      try await ledger.export(request, caller: caller) { try await writer.write($0) }
    }
    unary(&router, LedgerService.suggestSearch) { try await ledger.suggestSearch($0, caller: $1) }
    streaming(&router, LedgerService.suggestEvidence) { request, caller, writer in
      for suggestion in try await ledger.suggestEvidence(request, caller: caller) { try await writer.write(suggestion) }
    }
    streaming(&router, LedgerService.generateReport) { request, caller, writer in
      // Streamed as it is built: each chunk is sent as soon as it is rendered.
      try await ledger.generateReport(request, caller: caller) { try await writer.write($0) }
    }
    streaming(&router, LedgerService.watch, endsWhenDraining: true) { request, caller, writer in
      try await ledger.watch(request, caller: caller) { try await writer.write($0) }
    }
  }

  private func identify(_ context: RPCContext) -> CallerIdentity {
    let peer = context.peer
    return identities.identity(uid: peer.uid, gid: peer.gid) {
      CallerIdentity(
        uid: peer.uid, gid: peer.gid, userName: UnixAccounts.userName(uid: peer.uid) ?? "uid \(peer.uid)",
        role: policy.role(uid: peer.uid, gid: peer.gid))
    }
  }

  private func unary<Request, Response>(
    _ router: inout RPCRouter,
    _ method: MethodDescriptor<Request, Response>,
    _ body: @escaping @Sendable (Request, CallerIdentity) async throws -> Response
  ) {
    router.register(method) { request, context in
      do {
        return try await body(request, identify(context))
      } catch let error as LedgerError {
        throw error.rpcError
      }
    }
  }

  private func streaming<Request, Response>(
    _ router: inout RPCRouter,
    _ method: MethodDescriptor<Request, Response>,
    endsWhenDraining: Bool = false,
    _ body: @escaping @Sendable (Request, CallerIdentity, RPCStreamWriter<Response>) async throws -> Void
  ) {
    router.register(method, endsWhenDraining: endsWhenDraining) { request, context, writer in
      do {
        try await body(request, identify(context), writer)
      } catch let error as LedgerError {
        throw error.rpcError
      }
    }
  }
}

extension LedgerError {
  /// The RPC status with the same meaning, naming the field at fault.
  var rpcError: RPCError {
    let code: RPCStatusCode =
      switch self.code {
      case .invalidArgument: .invalidArgument
      case .notFound: .notFound
      case .alreadyExists: .alreadyExists
      case .failedPrecondition: .failedPrecondition
      case .permissionDenied: .permissionDenied
      case .resourceExhausted: .resourceExhausted
      case .unavailable: .unavailable
      case .internal: .internal
      }
    var violations: [FieldViolation] = []
    if !field.isEmpty {
      var violation = FieldViolation()
      violation.field = field
      violation.description = message
      violations.append(violation)
    }
    return RPCError(code: code, message: message, reason: reason, fieldViolations: violations, resource: resource)
  }
}

/// Callers' identities for a few seconds: reading the account database (`/etc/passwd`, `/etc/group`)
/// on every call would cost more than most calls. A change of group membership counts within
/// ``IdentityCache/lifetime``.
final class IdentityCache: Sendable {
  static let lifetime = Duration.seconds(5)

  private struct Key: Hashable {
    let uid: UInt32
    let gid: UInt32
  }

  private let entries = Mutex<[Key: (identity: CallerIdentity, expires: ContinuousClock.Instant)]>([:])

  func identity(uid: UInt32, gid: UInt32, resolve: () -> CallerIdentity) -> CallerIdentity {
    let key = Key(uid: uid, gid: gid)
    let now = ContinuousClock.now
    if let entry = entries.withLock({ $0[key] }), entry.expires > now { return entry.identity }
    let identity = resolve()
    entries.withLock { entries in
      // Bounded: peers are local users, but expired entries still go.
      if entries.count > 1_000 { entries = entries.filter { $0.value.expires > now } }
      entries[key] = (identity, now + Self.lifetime)
    }
    return identity
  }
}
