import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// Deletes what `retention` no longer keeps, as of `now`, in bounded transactions of at most
    /// `batch` rows each (a prune never holds the write lock for long: verifications go on).
    public func prune(_ retention: Retention, now: Date, batch: Int) async throws -> PruneReport {
        var report = PruneReport()
        let sessionCutoff = Int(now.timeIntervalSince1970) - retention.sessionDays * 86_400
        while true {
            let (sessions, frames) = try await write { db -> (Int, Int) in
                let ids = try String.fetchAll(
                    db, sql: "SELECT id FROM liveness_session WHERE expires_at < ? ORDER BY expires_at LIMIT ?",
                    arguments: [sessionCutoff, batch])
                guard !ids.isEmpty else { return (0, 0) }
                let marks = ids.map { _ in "?" }.joined(separator: ",")
                try db.execute(sql: "DELETE FROM liveness_frame WHERE session_id IN (\(marks))", arguments: StatementArguments(ids))
                let frames = db.changesCount
                try db.execute(
                    sql: "DELETE FROM liveness_frame_content WHERE session_id IN (\(marks))", arguments: StatementArguments(ids))
                try db.execute(sql: "DELETE FROM liveness_session WHERE id IN (\(marks))", arguments: StatementArguments(ids))
                return (db.changesCount, frames)
            }
            report.sessions += sessions
            report.frames += frames
            if sessions < batch { break }
        }
        let idempotencyCutoff = now.addingTimeInterval(-Double(retention.idempotencyDays) * 86_400).formatted(.iso8601)
        report.idempotentResponses = try await deleteInBatches(
            """
            DELETE FROM idempotent_response WHERE (key_id, idempotency_key) IN
              (SELECT key_id, idempotency_key FROM idempotent_response WHERE created_at < ? LIMIT ?)
            """,
            idempotencyCutoff, batch: batch)
        report.nonces = try await deleteInBatches(
            "DELETE FROM request_nonce WHERE (key_id, nonce) IN (SELECT key_id, nonce FROM request_nonce WHERE at < ? LIMIT ?)",
            Int(now.timeIntervalSince1970) - retention.nonceHours * 3600, batch: batch)
        // What is kept for good loses its personal parts; rows are never deleted (attempts and
        // evidence are what decisions rest on, and neither table is in the audit chain, whose
        // rows a prune must never touch: `AuditChain.tables`).
        let today = Day(now).description
        func cutoff(_ days: Int) -> String { Day(now).adding(days: -days).description }
        report.payloads = try await deleteInBatches(
            """
            UPDATE evidence SET payload = NULL, payload_pruned_on = '\(today)' WHERE id IN
              (SELECT id FROM evidence WHERE payload IS NOT NULL AND received_at < ? LIMIT ?)
            """, cutoff(retention.evidencePayloadDays), batch: batch)
        report.attempts = try await deleteInBatches(
            """
            UPDATE verification_attempt SET device = NULL, redacted_on = '\(today)' WHERE id IN
              (SELECT id FROM verification_attempt WHERE redacted_on IS NULL AND at < ? LIMIT ?)
            """, cutoff(retention.attemptDays), batch: batch)
        report.notices = try await deleteInBatches(
            """
            UPDATE outbox SET message = '', recipient = '', last_error = NULL WHERE id IN
              (SELECT id FROM outbox WHERE message != '' AND state IN ('delivered', 'dead') AND created_on < ? LIMIT ?)
            """, cutoff(retention.noticeDays), batch: batch)
        // Faces no longer needed: a death final for `template_retention_days` (rules in force).
        report.templates = try await eraseTemplatesOfFinalDeaths(on: Day(now), by: "retention", batch: batch).count
        return report
    }

    /// Runs `sql` (a delete or a redaction of at most `batch` rows older than `cutoff`) until it
    /// changes fewer.
    func deleteInBatches(_ sql: String, _ cutoff: some DatabaseValueConvertible & Sendable, batch: Int) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await write { db -> Int in
                try db.execute(sql: sql, arguments: [cutoff, batch])
                return db.changesCount
            }
            total += deleted
            if deleted < batch { return total }
        }
    }
}
