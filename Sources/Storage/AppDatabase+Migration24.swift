import Foundation
import GRDB
import Ledger

extension AppDatabase {
    /// Migration 24: the inserts of the tables written by the million (``AuditChain/batchedTables``:
    /// ledger events, payroll lines, and persons, newly chained on their money and identity
    /// columns) are chained a transaction at a time (``ChainSeal``), one entry
    /// (`op` `B`) for up to ``AuditChain/Batch/limit`` rows, instead of an entry per row written by a
    /// trigger. Shipped: never edited.
    ///
    /// Updates and deletes from now on also record the row's digest before the change
    /// (`prior_sha256`): an edit behind the triggers followed by a change through the service is
    /// found at that change, not chained as the edit left it.
    ///
    /// The chain table is rebuilt to admit the new operation and its columns; its entries are copied
    /// as they are (their hashes do not change). The chain's triggers are dropped first (they name
    /// the table) and installed again without the batched tables' insert triggers.
    static func registerMigration24(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v24-audit-batches") { db in
            let triggers = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit\\_chain\\_%' ESCAPE '\\'")
            for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger)") }
            try db.execute(
                sql: """
                    CREATE TABLE audit_chain_v24 (  -- one entry per change of a covered row, or per batch of inserted rows
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- a seq cut from the end is never given again
                        table_name TEXT NOT NULL,
                        row_key NOT NULL,  -- the row's id (a batch: its first id); a payroll run's month; a recovery line's 'recovery_id:line_id'
                        op TEXT NOT NULL CHECK (op IN ('I', 'U', 'D', 'B')),
                        at INTEGER NOT NULL,  -- unix seconds
                        content_sha256 BLOB NOT NULL,  -- of the row after the change (a tombstone: of nothing; a batch: AuditChain.Batch)
                        hash BLOB NOT NULL,  -- of the previous entry's hash and this entry's columns
                        last_key INTEGER,  -- a batch: its last id
                        row_count INTEGER,  -- a batch: its rows
                        row_marks BLOB,  -- a batch: the first bytes of each row's digest, in id order (names a changed row)
                        prior_sha256 BLOB,  -- an update or delete: the row's digest before it (its previous entry's content)
                        CHECK ((op = 'B') = (last_key IS NOT NULL AND row_count IS NOT NULL AND row_marks IS NOT NULL))
                    );
                    INSERT INTO audit_chain_v24 (seq, table_name, row_key, op, at, content_sha256, hash)
                      SELECT seq, table_name, row_key, op, at, content_sha256, hash FROM audit_chain ORDER BY seq;
                    DROP TABLE audit_chain;
                    ALTER TABLE audit_chain_v24 RENAME TO audit_chain;
                    CREATE INDEX audit_chain_row ON audit_chain(table_name, row_key);
                    -- The head each check reached: a head no longer in the chain shows a cut or a rewrite.
                    ALTER TABLE audit_check ADD COLUMN head_hash BLOB;
                    CREATE INDEX audit_chain_batch ON audit_chain(table_name, last_key) WHERE op = 'B';
                    CREATE TRIGGER audit_chain_immutable BEFORE UPDATE ON audit_chain
                    BEGIN SELECT RAISE(ABORT, 'the audit chain is never edited'); END;
                    CREATE TRIGGER audit_chain_kept BEFORE DELETE ON audit_chain
                    BEGIN SELECT RAISE(ABORT, 'the audit chain is never deleted'); END;
                    """)
            try installAuditChain(db, batched: AuditChain.batchedTables)
            // The checks already recorded, chained as inserts in id order.
            let checks = try Row.fetchAll(
                db, sql: "SELECT id, \(try auditContent("audit_check", "t", db)) FROM audit_check t ORDER BY id")
            for check in checks {
                let previous = try Data.fetchOne(db, sql: "SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
                let at = Int64(Date().timeIntervalSince1970)
                let (id, content): (Int64, Data) = (check[0], check[1])
                let hash = AuditChain.link(
                    previous: previous, table: "audit_check", key: .integer(id), operation: .insert, at: at, content: content)
                try db.execute(
                    sql:
                        "INSERT INTO audit_chain (table_name, row_key, op, at, content_sha256, hash) VALUES ('audit_check', ?, 'I', ?, ?, ?)",
                    arguments: [id, at, content, hash])
            }
            // The persons already there, chained as they are (their money and identity columns);
            // the events and payroll lines already there keep their entries of a row each.
            var marks = try ChainSeal.marks(db)
            marks["person"] = 0
            try ChainSeal.seal(db, since: marks)
        }
    }
}
