import GRDB

extension AppDatabase {
    /// Migration 19: claims of work done once across processes (a day's sweep). Shipped: never edited.
    static func registerMigrations19(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v19-coordination") { db in
            // A job is claimed before it starts (so a second process skips it rather than doing it
            // again) and finished when done; a claim never finished within its lease is taken over.
            try db.execute(
                sql: """
                    CREATE TABLE coordination_claim (
                        job TEXT PRIMARY KEY NOT NULL,
                        owner TEXT NOT NULL,
                        claimed_at INTEGER NOT NULL,  -- unix seconds
                        lease_seconds INTEGER NOT NULL CHECK (lease_seconds > 0),
                        finished_at INTEGER  -- unix seconds; null while the work runs
                    ) WITHOUT ROWID;
                    """)
        }
    }
}
