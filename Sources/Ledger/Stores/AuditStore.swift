import Foundation

/// The audit chain (``AuditChain``): what an auditor asks of the store that keeps it.
public protocol AuditStore: Sendable {
    /// Walks the whole chain and compares every covered row with its latest entry; the report
    /// names the first row or entry that does not match.
    func verifyChain() async throws -> AuditReport
    /// Records a full walk's result (``verifyChain()``, with any finding the caller added: a head
    /// kept outside that the chain no longer holds) by `actor` as the latest check of the chain: a
    /// finding raises the `tampering` alert and stops payroll runs (`chain_tampered`); a clean walk
    /// lifts both (docs/audit.md).
    func recordVerification(_ report: AuditReport, by actor: String) async throws
    /// The lines of the stored run of `month` checked against the chain entries that sealed them:
    /// the first that no longer matches (edited or replaced behind the service), or nil. An export
    /// for the bank is refused on one (`chain_tampered`): the file must be what the chain says.
    func checkRunLines(_ month: Month) async throws -> AuditChain.Finding?
    /// The chain's last entry, for an auditor to keep outside the database: a chain rewritten
    /// from its start with the file in hand no longer ends there.
    func chainHead() async throws -> AuditChain.Head
    /// Whether the chain still has `head` (kept earlier by an auditor) as one of its entries.
    func chainHolds(_ head: AuditChain.Head) async throws -> Bool
}

/// A store that keeps no chain: its report is valid and says it does not apply. The simulator's
/// `MemoryLedger` is one (its ledger lives and dies in one process, with nothing to tamper with),
/// as is any backend that has not implemented the chain yet.
public struct NoAuditChain: AuditStore {
    public init() {}

    public func verifyChain() async throws -> AuditReport {
        AuditReport(entries: 0, rows: 0, head: AuditChain.Head(seq: 0, hash: nil), finding: nil, applicable: false)
    }

    public func recordVerification(_ report: AuditReport, by actor: String) async throws {}

    public func checkRunLines(_ month: Month) async throws -> AuditChain.Finding? { nil }

    public func chainHead() async throws -> AuditChain.Head { AuditChain.Head(seq: 0, hash: nil) }

    public func chainHolds(_ head: AuditChain.Head) async throws -> Bool { head.seq == 0 }
}
