import GRDB

extension AppDatabase {
    /// Migration 25: who entered each person into the ledger, and when. Shipped: never edited.
    static func registerMigration25(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v25-person-entry") { db in
            // A person enters the payroll with an amount: the entry is a money decision, so it names
            // its actor (ActorID: `holder via fc_...`, or the system account of a command run without
            // a key) and the moment (ISO 8601). Null for persons entered before this migration.
            // Not an audit chain table (persons change on every sweep); added NULL, so nothing else moves.
            try db.execute(sql: "ALTER TABLE person ADD COLUMN entered_by TEXT")
            try db.execute(sql: "ALTER TABLE person ADD COLUMN entered_at TEXT")
        }
    }
}
