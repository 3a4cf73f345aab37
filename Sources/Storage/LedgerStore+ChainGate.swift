import Foundation
import GRDB
import Ledger

/// Money stops while the ledger shows tampering: the latest check of the audit chain (the daily
/// sweep's, or a recorded `audit verify`) decides, as it decides the `tampering` alert.
extension LedgerStore {
    /// A full walk of the chain (``verifyChain()``), recorded in `audit_check` as the latest check.
    /// A clean walk covers every entry up to its head, so the next daily check starts after it.
    public func recordVerification(_ report: AuditReport, by actor: String) async throws {
        try await write { db in try Self.recordCheck(report, from: 0, day: nil, by: actor, db) }
    }

    public func checkRunLines(_ month: Month) async throws -> AuditChain.Finding? {
        try await read { db in
            guard let table = AuditChain.table("payroll_line"),
                let bounds = try Row.fetchOne(
                    db, sql: "SELECT min(id) AS first, max(id) AS last FROM payroll_line WHERE run_month = ?",
                    arguments: [month.description]),
                let first = bounds["first"] as Int64?, let last = bounds["last"] as Int64?
            else { return nil }
            func finding(_ problem: AuditChain.Finding.Problem, _ key: String, _ seq: Int64?, _ detail: String) -> AuditChain.Finding {
                AuditChain.Finding(problem: problem, table: "payroll_line", key: key, seq: seq, detail: detail)
            }
            let batches = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, row_key, last_key, row_count, content_sha256 FROM audit_chain
                    WHERE table_name = 'payroll_line' AND op = 'B' AND row_key <= ? AND last_key >= ? ORDER BY row_key
                    """, arguments: [last, first])
            // Lines outside every batch: a run made before migration 24 chained each line by an
            // insert entry of its own, which the line must still match.
            let unbatched = try db.makeStatement(
                sql: """
                    SELECT l.id FROM payroll_line l WHERE l.run_month = ? AND l.id BETWEEN ? AND ?
                      AND NOT EXISTS (SELECT 1 FROM audit_chain a WHERE a.table_name = 'payroll_line' AND a.row_key = +l.id AND a.op = 'I'
                        AND a.content_sha256 = \(try AppDatabase.auditContent("payroll_line", "l", db)))
                    ORDER BY l.id LIMIT 1
                    """)
            func loose(_ low: Int64, _ high: Int64) throws -> AuditChain.Finding? {
                guard low <= high, let id = try Int64.fetchOne(unbatched, arguments: [month.description, low, high]) else { return nil }
                return finding(.contentChanged, String(id), nil, "the run's line does not match any chain entry")
            }
            var covered = first - 1
            for entry in batches {
                let (seq, start, end, count): (Int64, Int64, Int64, Int) = (entry[0], entry[1], entry[2], entry[3])
                if let gap = try loose(covered + 1, start - 1) { return gap }
                var batch = AuditChain.Batch()
                try ChainSeal.digests(of: table, after: start - 1, through: end, db) { id, digest in batch.append(id: id, digest: digest) }
                if batch.count != count || batch.content() != (entry[4] as Data) {
                    return finding(
                        .contentChanged, "\(start)..\(end)", seq,
                        "the run's lines are not what chain entry \(seq) sealed (`fastcert audit verify` names the line)")
                }
                covered = max(covered, end)
            }
            return try loose(covered + 1, last)
        }
    }

    /// Throws `chain_tampered` when the row of `table` keyed `key` is not what its latest chain
    /// entry recorded: a decision, recovery case or rules proposal edited behind the service is not
    /// approved or closed, and so not paid before the next check finds it (a rejection, which
    /// changes no money, is still allowed).
    static func checkUnchanged(_ table: String, key: some DatabaseValueConvertible & CustomStringConvertible, _ db: Database) throws {
        let rowKey = AppDatabase.auditKey(table, "t")
        let matches = try Bool.fetchOne(
            db,
            sql: """
                SELECT (SELECT a.content_sha256 FROM audit_chain a WHERE a.table_name = '\(table)' AND a.row_key = +\(rowKey) AND a.op != 'B'
                  ORDER BY a.seq DESC LIMIT 1) IS \(try AppDatabase.auditContent(table, "t", db))
                FROM \(table) t WHERE \(rowKey) = ?
                """, arguments: [key])
        // No row: the caller's own lookup refuses it.
        guard matches == false else { return }
        throw LedgerError(
            .chainTampered,
            "\(table) \(key) was changed behind the service: it is not what the audit chain recorded. Nothing was done; run `fastcert audit verify` (docs/audit.md)"
        )
    }

    /// Throws `chain_tampered` when the latest recorded check of the chain found a problem: paying
    /// from a ledger whose rows may have been edited behind the service would pay what the edit
    /// says. Lifted by a later clean check, the same rule that keeps the `tampering` alert shown.
    static func checkChainUntampered(_ db: Database) throws {
        // A check removed behind the service (its entry is there, its row is not) may have been the finding.
        if let removed = try Int64.fetchOne(
            db,
            sql: """
                SELECT a.row_key FROM audit_chain a WHERE a.table_name = 'audit_check' AND a.op = 'I'
                  AND NOT EXISTS (SELECT 1 FROM audit_check c WHERE c.id = a.row_key) LIMIT 1
                """)
        {
            throw LedgerError(
                .chainTampered,
                "no payroll is run while the audit chain shows tampering: the check of the chain \(removed) was removed behind the service. Restore the database from a backup that verifies, then run `fastcert audit verify` (docs/audit.md)"
            )
        }
        guard
            let check = try Row.fetchOne(
                db,
                sql: """
                    SELECT checked_at, actor, day, problem, table_name, CAST(row_key AS TEXT) AS row_key, detail FROM audit_check
                    WHERE id = (SELECT max(id) FROM (\(try trustedChecks(db))))
                    """),
            let problem = check["problem"] as String?
        else { return }
        let by = (check["day"] as String?).map { "the daily check of \($0)" } ?? "audit verify"
        throw LedgerError(
            .chainTampered,
            """
            no payroll is run while the audit chain shows tampering: \(by) (\(check["checked_at"] as String), by \
            \(check["actor"] as String)) found \(check["table_name"] as String? ?? "?") row \(check["row_key"] as String? ?? "?") \
            [\(problem)]: \(check["detail"] as String? ?? ""). Investigate it (`fastcert alerts --unit CITY --kind tampering` \
            and `fastcert audit verify` name the row), restore the row (a backup that verifies), then run `fastcert audit verify`: \
            a clean verification lifts this (docs/audit.md)
            """)
    }
}
