import Foundation

/// One version of the rules as the database keeps it: proposed by an operator (or, for a new
/// database's version 1, the shipped rules taken by the system), and in force once a second
/// operator approves it. The row is both the rules and the four-eyes decision that changed them.
public struct RulesVersion: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for a second operator.
        case pending
        /// The rules the ledger applies now (one version at a time).
        case inForce = "in_force"
        /// In force once, replaced by a later version.
        case superseded
        /// Refused by a second operator, or withdrawn by the one who proposed it.
        case rejected
    }

    /// The proposal's number (`fastcert rules approve ID`).
    public var id: Int64
    /// The version number, given when the rules come into force (1, 2, ...); nil while pending or
    /// when rejected.
    public var version: Int?
    /// SHA-256 of the canonical JSON (``LedgerRules/canonicalJSON()``), lower-case hex.
    public var sha256: String
    public var status: Status
    public var reason: String
    /// Who loaded the rules: the operator who proposed them, or `system` for the shipped rules.
    public var requestedBy: String
    /// When, as an ISO 8601 timestamp.
    public var requestedAt: String
    /// Who approved (or rejected) them, when and with what note.
    public var decidedBy: String?
    public var decidedAt: String?
    public var decisionReason: String?

    public init(
        id: Int64, version: Int?, sha256: String, status: Status, reason: String, requestedBy: String, requestedAt: String,
        decidedBy: String? = nil, decidedAt: String? = nil, decisionReason: String? = nil
    ) {
        self.id = id
        self.version = version
        self.sha256 = sha256
        self.status = status
        self.reason = reason
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.decisionReason = decisionReason
    }
}

/// The rules kept in the database, and how they change: a proposal (checked first:
/// ``LedgerRules/validate()`` and ``LedgerRules/validateChange(from:)``) that a second operator
/// approves (``DecisionRules/checkApprover(_:of:)``: never the one who proposed it) or rejects.
public protocol RulesStore: Sendable {
    /// The version in force and its rules.
    func rulesInForce() async throws -> (version: RulesVersion, rules: LedgerRules)
    /// Every version and proposal, newest first.
    func rulesVersions() async throws -> [RulesVersion]
    /// Proposes `rules` with a reason: refused when invalid, when the same rules are already in
    /// force, or while another proposal is pending.
    func proposeRules(_ rules: LedgerRules, reason: String, by actor: String) async throws -> RulesVersion
    /// A second operator puts pending proposal `id` in force as the next version.
    func approveRules(_ id: Int64, reason: String?, by actor: String) async throws -> RulesVersion
    /// Refuses pending proposal `id` (a second operator, or the proposer withdrawing it).
    func rejectRules(_ id: Int64, reason: String, by actor: String) async throws -> RulesVersion
}
