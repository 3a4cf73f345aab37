import Foundation
import GRDB
import GRDBSQLite
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
        for table in AuditChain.tables where table.batched {
            marks[table.name] = try Int64.fetchOne(db, sql: "SELECT max(\(table.batchKey)) FROM \(table.name)") ?? 0
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
        for table in AuditChain.tables where table.batched {
            let (name, key) = (table.name, table.batchKey)
            let sealed = try Int64.fetchOne(
                db, sql: "SELECT max(last_key) FROM audit_chain WHERE table_name = ? AND op = 'B'", arguments: [name])
            let from = max(marks[name] ?? 0, sealed ?? 0)
            guard let last = try Int64.fetchOne(db, sql: "SELECT max(\(key)) FROM \(name)"), last > from else { continue }
            var batch = AuditChain.Batch(keepingDigests: table.keepsDigests)
            try digests(of: table, after: from, db) { id, digest in
                batch.append(id: id, digest: digest)
                if batch.count == AuditChain.Batch.limit {
                    try append(batch, of: name, db)
                    batch = AuditChain.Batch(keepingDigests: table.keepsDigests)
                }
            }
            if batch.count > 0 { try append(batch, of: name, db) }
        }
    }

    /// Each row of `table` past `from`, in key order, with its content digest
    /// (``AuditChain/contentDigest(_:)`` of its chained columns), hashed here from the values
    /// where SQLite holds them: through a SQL function and GRDB's rows, a payroll run's 1,165,793
    /// lines took seconds more (each digest and row a heap copy).
    static func digests(
        of table: AuditChain.Table, after from: Int64, through last: Int64 = .max, _ db: Database,
        _ each: (Int64, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let columns = try table.columns ?? db.columns(in: table.name).map(\.name)
        let statement = try db.makeStatement(
            sql: """
                SELECT \(table.batchKey), \(columns.map { "t.\($0)" }.joined(separator: ", ")) FROM \(table.name) t
                WHERE \(table.batchKey) > ? AND \(table.batchKey) <= ? ORDER BY \(table.batchKey)
                """)
        let raw = statement.sqliteStatement
        sqlite3_reset(raw)
        sqlite3_bind_int64(raw, 1, from)
        sqlite3_bind_int64(raw, 2, last)
        defer { sqlite3_reset(raw) }
        let count = Int32(columns.count) + 1
        while true {
            let code = sqlite3_step(raw)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            // Trailing NULLs are not part of a row's content.
            var last = count
            while last > 1 && sqlite3_column_type(raw, last - 1) == SQLITE_NULL { last -= 1 }
            var hasher = AuditChain.Hasher()
            for index in 1..<last { AuditChainFunctions.append(sqlite3_column_value(raw, index), to: &hasher) }
            let id = sqlite3_column_int64(raw, 0)
            try hasher.finalize { try each(id, $0) }
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
