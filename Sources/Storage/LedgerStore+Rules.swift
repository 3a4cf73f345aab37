import Foundation
import GRDB
import Ledger

/// The rules kept in the database (`rules_version`): the version in force is what the ledger
/// applies, and a change is a proposal a second operator approves.
extension LedgerStore: RulesStore {
    /// The store on the rules in force in `database`: what the command line and the service open
    /// (a new database's are the shipped rules, version 1). The stored JSON is checked against its
    /// hash and validated again: rules edited behind the service's back are refused, not applied.
    public static func inForce(database: AppDatabase) throws -> LedgerStore {
        let (version, rules) = try database.writer.read { db in try Self.rulesInForce(db) }
        return LedgerStore(database: database, rules: rules, version: version.version)
    }

    /// The stored version whose canonical JSON is exactly `rules`', or nil (see ``init(database:rules:)``).
    static func storedVersion(of rules: LedgerRules, in database: AppDatabase) -> Int? {
        guard let json = try? rulesJSON(rules) else { return nil }
        return try? database.writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT version FROM rules_version WHERE sha256 = ? AND version IS NOT NULL ORDER BY version DESC LIMIT 1",
                arguments: [AppDatabase.rulesHash(json)])
        }
    }

    static func rulesJSON(_ rules: LedgerRules) throws(LedgerError) -> String {
        String(decoding: try rules.canonicalJSON(), as: UTF8.self)
    }

    static func rulesInForce(_ db: Database) throws -> (RulesVersion, LedgerRules) {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM rules_version WHERE status = 'in_force'") else {
            throw LedgerError(.rulesMissing, "the database holds no rules in force (table rules_version)")
        }
        let version = rulesVersion(row)
        let json: String = row["rules_json"]
        guard AppDatabase.rulesHash(json) == version.sha256 else {
            throw LedgerError(
                .rulesInvalid,
                "the stored rules of version \(version.version ?? 0) do not match their SHA-256: they were changed outside fastcert")
        }
        return (version, try LedgerRules.decode(Data(json.utf8), from: "the stored rules of version \(version.version ?? 0)"))
    }

    static func rulesVersion(_ row: Row) -> RulesVersion {
        RulesVersion(
            id: row["id"], version: row["version"], sha256: row["sha256"],
            status: RulesVersion.Status(rawValue: row["status"]) ?? .rejected,
            reason: row["reason"], requestedBy: row["requested_by"], requestedAt: row["requested_at"], decidedBy: row["decided_by"],
            decidedAt: row["decided_at"], decisionReason: row["decision_reason"])
    }

    /// The rules version `id`, as ``DecisionRules`` reads a four-eyes request.
    static func recorded(_ version: RulesVersion) -> DecisionRules.Recorded {
        DecisionRules.Recorded(
            id: version.id, status: version.status.rawValue, requestedBy: version.requestedBy, requestedOn: version.requestedAt,
            decidedBy: version.decidedBy, decidedOn: version.decidedAt)
    }

    public func rulesInForce() async throws -> (version: RulesVersion, rules: LedgerRules) {
        try await read { db in try Self.rulesInForce(db) }
    }

    public func rulesVersions() async throws -> [RulesVersion] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM rules_version ORDER BY id DESC").map(Self.rulesVersion) }
    }

    /// Proposes `rules` (validated, then checked against the shipped catalogue: a kind whose
    /// class, source or proof changed needs its own reason) for a second operator to approve.
    public func proposeRules(_ rules: LedgerRules, reason: String, by actor: String) async throws -> RulesVersion {
        let reason = try DeferralRules.reason(reason)
        try DecisionRules.checkRequester(actor)
        try rules.validate()
        try rules.validateChange(from: try LedgerRules.shipped())
        let json = try Self.rulesJSON(rules)
        let hash = AppDatabase.rulesHash(json)
        return try await write { db in
            let (current, _) = try Self.rulesInForce(db)
            guard current.sha256 != hash else {
                throw LedgerError(.invalidDecision, "these rules are already in force: version \(current.version ?? 0)")
            }
            if let open = try Row.fetchOne(db, sql: "SELECT * FROM rules_version WHERE status = 'pending'").map(Self.rulesVersion) {
                throw LedgerError(
                    .invalidDecision,
                    "rules proposal \(open.id) is already pending (asked by \(open.requestedBy) at \(open.requestedAt)): approve or reject it first"
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO rules_version (rules_json, sha256, status, reason, requested_by, requested_at)
                    VALUES (?, ?, 'pending', ?, ?, ?)
                    """, arguments: [json, hash, reason, actor, Self.timestamp()])
            return try Self.rulesVersion(db.lastInsertedRowID, db)
        }
    }

    /// A second operator puts proposal `id` in force as the next version number; the version it
    /// replaces is superseded. The rules are validated again (the shipped catalogue may have
    /// changed with the program since the proposal). Stores already open keep deciding under
    /// their version; the next command, the service's next start and its next daily sweep open this one.
    public func approveRules(_ id: Int64, reason: String?, by actor: String) async throws -> RulesVersion {
        let note = try reason.map { try DeferralRules.reason($0) }
        let shipped = try LedgerRules.shipped()
        return try await write { db in
            try Self.checkUnchanged("rules_version", key: id, db)
            let (proposal, json) = try Self.pendingRules(id, db)
            try DecisionRules.checkApprover(actor, of: Self.recorded(proposal))
            let rules = try LedgerRules.decode(Data(json.utf8), from: "rules proposal \(id)")
            try rules.validateChange(from: shipped)
            let next = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM rules_version") ?? 0) + 1
            let now = Self.timestamp()
            try db.execute(sql: "UPDATE rules_version SET status = 'superseded' WHERE status = 'in_force'")
            try db.execute(
                sql:
                    "UPDATE rules_version SET status = 'in_force', version = ?, decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ?",
                arguments: [next, actor, now, note, id])
            return try Self.rulesVersion(id, db)
        }
    }

    /// Refuses proposal `id` (a second operator, or the proposer withdrawing it).
    public func rejectRules(_ id: Int64, reason: String, by actor: String) async throws -> RulesVersion {
        let reason = try DeferralRules.reason(reason)
        return try await write { db in
            _ = try Self.pendingRules(id, db)
            try db.execute(
                sql: "UPDATE rules_version SET status = 'rejected', decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ?",
                arguments: [actor, Self.timestamp(), reason, id])
            return try Self.rulesVersion(id, db)
        }
    }

    static func rulesVersion(_ id: Int64, _ db: Database) throws -> RulesVersion {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM rules_version WHERE id = ?", arguments: [id]) else {
            throw LedgerError(.unknownDecision, "no rules proposal \(id)")
        }
        return rulesVersion(row)
    }

    /// Proposal `id` and its JSON, refused (`decision_closed`) unless still pending.
    static func pendingRules(_ id: Int64, _ db: Database) throws -> (RulesVersion, String) {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM rules_version WHERE id = ?", arguments: [id]) else {
            throw LedgerError(.unknownDecision, "no rules proposal \(id)")
        }
        let proposal = rulesVersion(row)
        guard proposal.status == .pending else {
            throw LedgerError(
                .decisionClosed,
                "rules proposal \(id) is \(proposal.status.rawValue) (decided by \(proposal.decidedBy ?? "") at \(proposal.decidedAt ?? ""))"
            )
        }
        return (proposal, row["rules_json"])
    }
}
