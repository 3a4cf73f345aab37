import Foundation
import GRDB
import Ledger

extension AppDatabase {
    /// Migration 20: the audit chain (``AuditChain``). Shipped: never edited.
    ///
    /// Every insert, update and delete of a covered table (``AuditChain/tables``) appends an entry
    /// to `audit_chain` from a trigger, in the writing statement's own transaction, whatever code
    /// path wrote the row. The triggers are built from the tables' columns by ``installAuditChain(_:)``:
    /// **a later migration that adds a column to a covered table adds it NULL by default (NULLs at
    /// the end of a row are not part of its content, so the rows before keep their hashes) and
    /// calls `installAuditChain(db)` again**, or the new column is not chained and `audit verify`
    /// reports every row that has a value in it as changed. Each payroll run records the chain's
    /// head (`chain_seq`, `chain_hash`) as it was once its lines were written.
    static func registerMigration20(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v20-audit-chain") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_chain (  -- one entry per change of a covered row, appended by triggers
                        seq INTEGER PRIMARY KEY,
                        table_name TEXT NOT NULL,
                        row_key NOT NULL,  -- the row's id; a payroll run's month; a recovery line's 'recovery_id:line_id'
                        op TEXT NOT NULL CHECK (op IN ('I', 'U', 'D')),
                        at INTEGER NOT NULL,  -- unix seconds
                        content_sha256 BLOB NOT NULL,  -- of the row after the change (of nothing: a tombstone)
                        hash BLOB NOT NULL  -- of the previous entry's hash and this entry's columns
                    );
                    CREATE INDEX audit_chain_row ON audit_chain(table_name, row_key);
                    CREATE TRIGGER audit_chain_immutable BEFORE UPDATE ON audit_chain
                    BEGIN SELECT RAISE(ABORT, 'the audit chain is never edited'); END;
                    CREATE TRIGGER audit_chain_kept BEFORE DELETE ON audit_chain
                    BEGIN SELECT RAISE(ABORT, 'the audit chain is never deleted'); END;
                    CREATE TABLE audit_check (  -- each check of the chain: the daily sweep's and audit verify's
                        id INTEGER PRIMARY KEY,
                        checked_at TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        day TEXT,  -- the sweep's day
                        from_seq INTEGER NOT NULL,  -- the entries after it were walked...
                        to_seq INTEGER NOT NULL,  -- ...up to this one
                        problem TEXT,  -- NULL: everything matched; else the first finding
                        table_name TEXT,
                        row_key,
                        seq INTEGER,
                        person_id TEXT,  -- the row's person, when it has one (the alert is shown in their unit)
                        detail TEXT
                    );
                    ALTER TABLE payroll_run ADD COLUMN chain_seq INTEGER;
                    ALTER TABLE payroll_run ADD COLUMN chain_hash BLOB;
                    """)
            try installAuditChain(db, tables: migration20Tables, priors: false)
            try chainExistingRows(db)
        }
    }

    /// The tables migration 20 chained (migration 24 added `person`).
    static let migration20Tables = [
        "ledger_event", "decision", "payroll_run", "payroll_line", "recovery", "recovery_line", "benefit_amount", "refund",
        "rules_version",
    ]

    /// The SQL that names a covered row's key, on the table's alias `alias` (`NEW`, `OLD`, `t`).
    static func auditKey(_ table: String, _ alias: String) -> String {
        switch table {
        case "payroll_run": "\(alias).month"
        case "recovery_line": "\(alias).recovery_id || ':' || \(alias).line_id"
        default: "\(alias).id"
        }
    }

    /// `fastcert_row_sha256(v1, v2, ...)` over the table's columns, in their order, on `alias`.
    static func auditContent(_ table: String, _ alias: String, _ db: Database) throws -> String {
        let names = try AuditChain.table(table)?.columns ?? db.columns(in: table).map(\.name)
        let columns = names.map { "\(alias).\($0)" }
        return "fastcert_row_sha256(\(columns.joined(separator: ", ")))"
    }

    /// (Re)creates the chain's triggers on every covered table from its current columns: an
    /// insert and an update append the row's content; a delete appends a tombstone. Idempotent;
    /// a migration that changes a covered table's columns calls it again (see
    /// ``registerMigration20(_:)``). The triggers call the chain's SQL functions, which every
    /// connection ``makeConfiguration()`` makes registers: a connection without them (the sqlite3
    /// shell) cannot write a covered table at all.
    ///
    /// `batched`: the tables whose inserts are chained a transaction at a time (``ChainSeal``):
    /// they get no insert trigger. Migration 20 chained every table row by row (none batched);
    /// from migration 24 on, callers pass ``AuditChain/batchedTables``.
    ///
    /// `priors`: updates and deletes record the row's digest before the change (`prior_sha256`,
    /// ``AuditChain/link(previous:table:key:operation:at:content:prior:)``); from migration 24 on.
    static func installAuditChain(
        _ db: Database, tables: [String] = AuditChain.tables.map(\.name), batched: Set<String> = [], priors: Bool = true
    ) throws {
        // A table a later migration creates is not there yet when an earlier one installs the
        // chain: that later migration installs its triggers (migration 27: `sighting`).
        for table in tables where try db.tableExists(table) {
            for (suffix, event, op) in [("insert", "INSERT", "I"), ("update", "UPDATE", "U"), ("delete", "DELETE", "D")] {
                if op == "I" && batched.contains(table) {
                    try db.execute(sql: "DROP TRIGGER IF EXISTS audit_chain_\(table)_\(suffix)")
                    continue
                }
                let alias = op == "D" ? "OLD" : "NEW"
                let content = op == "D" ? "X'\(AuditChain.tombstone.hexString)'" : try auditContent(table, alias, db)
                let prior = priors && op != "I" ? try auditContent(table, "OLD", db) : "NULL"
                let (column, argument) = priors ? (", prior_sha256", ", p") : ("", "")
                // The row's values go through a subquery that is never flattened (OFFSET 0), so the
                // content is hashed once and used twice.
                try db.execute(
                    sql: """
                        DROP TRIGGER IF EXISTS audit_chain_\(table)_\(suffix);
                        CREATE TRIGGER audit_chain_\(table)_\(suffix) AFTER \(event)\(watched(table, op)) ON \(table) BEGIN
                            INSERT INTO audit_chain (table_name, row_key, op, at, content_sha256, hash\(column))
                            SELECT '\(table)', k, '\(op)', t, c,
                              fastcert_chain_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), '\(table)', k, '\(op)', t, c\(argument))\(argument)
                            FROM (SELECT \(auditKey(table, alias)) AS k, fastcert_now() AS t, \(content) AS c, \(prior) AS p
                                  LIMIT -1 OFFSET 0);
                        END;
                        """)
            }
        }
    }

    /// ` OF c1, c2` for an update of a table chained on some of its columns: the others change
    /// without an entry.
    private static func watched(_ table: String, _ op: String) -> String {
        guard op == "U", let columns = AuditChain.table(table)?.columns else { return "" }
        return " OF " + columns.joined(separator: ", ")
    }

    /// Chains the rows a ledger held before migration 20, table by table in key order, as inserts.
    private static func chainExistingRows(_ db: Database) throws {
        for table in migration20Tables {
            try db.execute(
                sql: """
                    INSERT INTO audit_chain (table_name, row_key, op, at, content_sha256, hash)
                    SELECT '\(table)', \(auditKey(table, "t")), 'I', fastcert_now(), \(try auditContent(table, "t", db)),
                      X'' FROM \(table) t ORDER BY \(auditKey(table, "t"))
                    """)
        }
        // The hashes, linked in seq order (a statement cannot read the entry it just wrote); the
        // chain's own triggers are set aside for this one pass.
        try db.execute(sql: "DROP TRIGGER audit_chain_immutable")
        var previous: Data?
        let entries = try Row.fetchCursor(
            db, sql: "SELECT seq, table_name, row_key, at, content_sha256 FROM audit_chain ORDER BY seq")
        let update = try db.makeStatement(sql: "UPDATE audit_chain SET hash = ? WHERE seq = ?")
        var links: [(Int64, Data)] = []
        while let row = try entries.next() {
            let hash = AuditChain.link(
                previous: previous, table: row["table_name"], key: auditValue(row["row_key"]), operation: .insert, at: row["at"],
                content: row["content_sha256"])
            links.append((row["seq"], hash))
            previous = hash
        }
        for (seq, hash) in links { try update.execute(arguments: [hash, seq]) }
        try db.execute(
            sql: """
                CREATE TRIGGER audit_chain_immutable BEFORE UPDATE ON audit_chain
                BEGIN SELECT RAISE(ABORT, 'the audit chain is never edited'); END;
                """)
    }

    /// A stored value as the chain hashes it.
    static func auditValue(_ value: DatabaseValue) -> AuditChain.Value {
        switch value.storage {
        case .null: .null
        case .int64(let v): .integer(v)
        case .double(let v): .real(v)
        case .string(let s): .text(s)
        case .blob(let d): .blob(d)
        }
    }
}
