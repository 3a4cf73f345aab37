import Foundation
import GRDB
import Ledger

/// The ``Coordinator`` of a SQLite ledger: locks held in this process only (one service enrolls and
/// verifies on a database file; a second process, such as a local `fastcert enroll` beside a
/// running service, is not excluded by them), and once-only work claimed in `coordination_claim`,
/// which every process on the file sees.
public struct SQLiteCoordinator: LocallyLocking, LedgerBacked {
    let ledger: LedgerStore
    public let locks: LocalLocks

    public init(ledger: LedgerStore, locks: LocalLocks = LocalLocks()) {
        self.ledger = ledger
        self.locks = locks
    }

    public func claim(_ job: CoordinationJob, by owner: String, lease seconds: Int, at now: Date) async throws -> Bool {
        let at = Int(now.timeIntervalSince1970)
        return try await write { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT owner, claimed_at, lease_seconds, finished_at FROM coordination_claim WHERE job = ?",
                arguments: [job.name])
            if let row {
                if row["finished_at"] as Int? != nil { return false }
                let expired = (row["claimed_at"] as Int) + (row["lease_seconds"] as Int) <= at
                guard row["owner"] as String == owner || expired else { return false }
            }
            try db.execute(
                sql: """
                    INSERT INTO coordination_claim (job, owner, claimed_at, lease_seconds) VALUES (?, ?, ?, ?)
                    ON CONFLICT(job) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at,
                        lease_seconds = excluded.lease_seconds
                    """, arguments: [job.name, owner, at, max(seconds, 1)])
            return true
        }
    }

    public func finish(_ job: CoordinationJob, by owner: String, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE coordination_claim SET finished_at = ? WHERE job = ? AND owner = ?",
                arguments: [Int(now.timeIntervalSince1970), job.name, owner])
        }
    }

    public func abandon(_ job: CoordinationJob, by owner: String) async throws {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM coordination_claim WHERE job = ? AND owner = ? AND finished_at IS NULL", arguments: [job.name, owner])
        }
    }

    public func enrollmentChanges(after: Int64) async throws -> (last: Int64, persons: [ResidentID]) {
        try await TemplateStore(ledger: ledger, vault: nil).enrollmentChanges(after: after)
    }
}
