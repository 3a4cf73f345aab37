import Crypto
import Foundation
import GRDB
import Ledger

extension AppDatabase {
    /// Migration 22: the rules are kept and versioned in the database, and every ledger event and
    /// decision records the version it was made under. Shipped: never edited.
    static func registerMigrations22(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v22-rules-versions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE rules_version (  -- the rules, each version a four-eyes decision
                        id INTEGER PRIMARY KEY,  -- the proposal's number
                        version INTEGER UNIQUE,  -- given when it comes into force: 1, 2, ...; null while pending or rejected
                        rules_json TEXT NOT NULL,  -- canonical JSON (keys sorted, no whitespace)
                        sha256 TEXT NOT NULL,  -- of rules_json, lower-case hex
                        -- pending -> in_force | rejected; in_force -> superseded when the next version comes into force
                        status TEXT NOT NULL CHECK (status IN ('pending', 'in_force', 'superseded', 'rejected')),
                        reason TEXT NOT NULL,
                        requested_by TEXT NOT NULL,  -- who loaded them: the proposing operator, or system (version 1)
                        requested_at TEXT NOT NULL,
                        decided_by TEXT,  -- the second operator who approved or rejected them
                        decided_at TEXT,
                        decision_reason TEXT,
                        CHECK ((version IS NULL) = (status IN ('pending', 'rejected')))
                    );
                    -- one version in force, one proposal pending at a time
                    CREATE UNIQUE INDEX rules_version_open ON rules_version(status) WHERE status IN ('pending', 'in_force');
                    ALTER TABLE ledger_event ADD COLUMN rules_version INTEGER;  -- null: recorded before the rules were versioned
                    ALTER TABLE decision ADD COLUMN rules_version INTEGER;
                    """)
            // A new database (and one from before this migration) starts on the rules shipped with
            // the program, taken by the system: version 1.
            let json = try String(decoding: LedgerRules.shipped().canonicalJSON(), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO rules_version (version, rules_json, sha256, status, reason, requested_by, requested_at, decided_by, decided_at)
                    VALUES (1, ?, ?, 'in_force', 'the rules shipped with the program, taken when the database was first opened', 'system', ?, 'system', ?)
                    """,
                arguments: [json, rulesHash(json), LedgerStore.timestamp(), LedgerStore.timestamp()])
        }
    }

    /// SHA-256 of canonical rules JSON, lower-case hex.
    static func rulesHash(_ json: String) -> String {
        Data(SHA256.hash(data: Data(json.utf8))).hexString
    }
}
