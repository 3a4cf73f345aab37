import Foundation
import GRDB
import Ledger

/// A row of evidence held for review (a burst beyond `corroboration.max_events_per_day`).
public struct HeldEvidence: Sendable, Equatable {
    public var id: Int64
    public var personID: String
    public var source: String
    public var externalID: String
    public var kind: String
    public var observedDay: Day
    public var receivedAt: String
    public var deliveredBy: String?
    public var reason: String
    /// held, released or discarded.
    public var status: String
    public var decidedBy: String?
    public var decisionReason: String?
}

extension LedgerStore {
    /// Evidence held for review about persons in the unit's subtree, oldest first; only those
    /// still held unless `all`.
    public func heldEvidence(unit: String, all: Bool = false, limit: Int = 1000) async throws -> [HeldEvidence] {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT r.* FROM evidence_review r JOIN person p ON p.id = r.person_id
                    WHERE p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1) \(all ? "" : "AND r.status = 'held'")
                    ORDER BY r.id LIMIT ?
                    """, arguments: [path, limit]
            ).map(Self.heldEvidence)
        }
    }

    static func heldEvidence(_ row: Row) -> HeldEvidence {
        HeldEvidence(
            id: row["id"], personID: row["person_id"], source: row["source"], externalID: row["external_id"], kind: row["kind"],
            observedDay: Day(row["observed_day"] as String)!, receivedAt: row["received_at"], deliveredBy: row["delivered_by"],
            reason: row["reason"], status: row["status"], decidedBy: row["decided_by"], decisionReason: row["decision_reason"])
    }

    /// An operator's decision on held row `id`, by name and with a reason: `release` applies it
    /// as it was delivered (stored as evidence with its deliverer, the rules applied, the person
    /// re-evaluated), otherwise it is discarded (kept here, never applied). Either way the
    /// decision is a `resolved` ledger event naming the operator (the chained record). Returns
    /// the row as decided and the ledger changes a release caused.
    public func decideHeldEvidence(_ id: Int64, release: Bool, reason: String, by actor: String, scope: String? = nil, on day: Day)
        async throws -> (row: HeldEvidence, changes: [String: Int])
    {
        let reason = try DeferralRules.reason(reason)
        try ActorID.requireNamed(actor, to: "review held evidence")
        return try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM evidence_review WHERE id = ?", arguments: [id]) else {
                throw Self.noRecord(.unknownDecision, "held evidence \(id)", scope)
            }
            var held = Self.heldEvidence(row)
            _ = try self.person(held.personID, of: .unknownDecision, "held evidence \(id)", scope: scope, db)
            guard held.status == "held" else { throw LedgerError(.decisionClosed, "held evidence \(id) was already \(held.status)") }
            var changes: [String: Int] = [:]
            if release {
                guard let kind = self.rules.kind(held.kind) else {
                    throw LedgerError(.invalidDecision, "\(held.kind) is not a kind of the rules in force: discard it instead")
                }
                let input = EvidenceInput(
                    line: 1, source: held.source, externalID: held.externalID, residentID: held.personID, kind: held.kind,
                    observedAt: row["observed_at"], payload: row["payload"])
                // Its door was checked when it was delivered: released as that sender's row.
                let delivery = EvidenceDelivery(
                    by: held.deliveredBy ?? actor, sources: nil, scope: nil, classes: Set(LedgerRules.EvidenceClass.allCases),
                    deathKinds: [kind.kind], receivedOn: day)
                let report = try self.applyOne(input, delivery: delivery, db).report
                if let problem = report.problems.first { throw LedgerError(.invalidDecision, problem.reason) }
                changes = report.changes
            }
            let status = release ? "released" : "discarded"
            try db.execute(
                sql: "UPDATE evidence_review SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ?",
                arguments: [status, actor, Self.timestamp(), reason, id])
            try Self.record(
                [
                    LedgerChange(
                        kind: .resolved, day: day,
                        cause:
                            "held evidence \(id) (\(held.kind) from \(held.source) observed \(held.observedDay), \(held.externalID)) \(status): \(reason)"
                    )
                ], person: held.personID, evidence: nil, actor: actor, at: Self.timestamp(), rules: self.rulesVersion, db)
            held.status = status
            held.decidedBy = actor
            held.decisionReason = reason
            return (held, changes)
        }
    }
}
