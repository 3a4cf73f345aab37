import Foundation
import GRDB
import Ledger

/// Chains the rows a write transaction inserted into the batched tables (``AuditChain/batchedTables``),
/// before it commits: one `B` entry for each run of up to ``AuditChain/Batch/limit`` rows, whose content
/// covers every row's digest (``AuditChain/Batch``). Every write of the ledger goes through
/// ``write(_:_:)``, which takes the tables' last ids before the work and seals what the work added.
///
/// Rows that were already there when the transaction began but are not chained (written behind the
/// service, with the sqlite3 shell or with a trigger dropped) are never sealed by a later write:
/// they stay outside every batch, and `audit verify` and the daily check name them.
enum ChainSeal {
    /// Each batched table's largest id, taken when a write begins.
    typealias Marks = [String: Int64]

    static func marks(_ db: Database) throws -> Marks {
        var marks: Marks = [:]
        for table in AuditChain.batchedTables {
            marks[table] = try Int64.fetchOne(db, sql: "SELECT max(id) FROM \(table)") ?? 0
        }
        return marks
    }

    /// Runs `body` in a write transaction of `writer` and seals what it inserted before the commit.
    static func write<T: Sendable>(_ writer: any DatabaseWriter, _ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await writer.write { db in
            let marks = try marks(db)
            let result = try body(db)
            try seal(db, since: marks)
            return result
        }
    }

    /// Seals each batched table's rows with ids past both `marks` and the last batch already
    /// sealed (a write may seal part of its work early: a payroll run seals its lines before it
    /// records the chain's head).
    static func seal(_ db: Database, since marks: Marks) throws {
        for table in AuditChain.batchedTables.sorted() {
            let sealed = try Int64.fetchOne(
                db, sql: "SELECT max(last_key) FROM audit_chain WHERE table_name = ? AND op = 'B'", arguments: [table])
            let from = max(marks[table] ?? 0, sealed ?? 0)
            guard let last = try Int64.fetchOne(db, sql: "SELECT max(id) FROM \(table)"), last > from else { continue }
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id, \(try AppDatabase.auditContent(table, "t", db)) FROM \(table) t WHERE id > ? ORDER BY id",
                arguments: [from])
            var batch = AuditChain.Batch()
            while let row = try rows.next() {
                batch.append(id: row[0], digest: row[1])
                if batch.count == AuditChain.Batch.limit {
                    try append(batch, of: table, db)
                    batch = AuditChain.Batch()
                }
            }
            if batch.count > 0 { try append(batch, of: table, db) }
        }
    }

    /// Appends one batch entry, linked to the chain's head.
    private static func append(_ batch: AuditChain.Batch, of table: String, _ db: Database) throws {
        guard let first = batch.first, let last = batch.last else { return }
        let previous = try Data.fetchOne(db, sql: "SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
        let at = Int64(Date().timeIntervalSince1970)
        let content = batch.content()
        let hash = AuditChain.link(previous: previous, table: table, key: .integer(first), operation: .batch, at: at, content: content)
        try db.execute(
            sql: """
                INSERT INTO audit_chain (table_name, row_key, op, at, content_sha256, hash, last_key, row_count, row_marks)
                VALUES (?, ?, 'B', ?, ?, ?, ?, ?, ?)
                """,
            arguments: [table, first, at, content, hash, last, batch.count, batch.marks])
    }
}
