import GRDB

extension AppDatabase {
    /// Migration 25: who entered each person into the ledger, and when. Shipped: never edited.
    static func registerMigration25(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v25-person-entry") { db in
            // A person enters the payroll with an amount: the entry is a money decision, so it names
            // its actor (ActorID: `holder via fc_...`, or the system account of a command run without
            // a key) and the moment. One row per act (a whole import, one POST /v1/persons), which
            // each person it entered points to: an integer a person, not a row (measured: two text
            // columns a person cost 5% of a 2,000,000-person import and 21% of the file).
            // Not an audit chain table (persons change on every sweep); persons entered before this
            // migration have no entry.
            try db.execute(
                sql: """
                    CREATE TABLE person_entry (
                        id INTEGER PRIMARY KEY,
                        actor TEXT NOT NULL,
                        at TEXT NOT NULL,  -- ISO 8601
                        door TEXT NOT NULL  -- 'persons import', 'POST /v1/persons'
                    );
                    ALTER TABLE person ADD COLUMN entry_id INTEGER REFERENCES person_entry(id);
                    """)
        }
    }
}
