import GRDB

extension AppDatabase {
    /// Migration 26: evidence held for review, and field checks escalated to the street office
    /// (issue 30). Shipped: never edited.
    static func registerMigration26(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v26-evidence-review") { db in
            // A delivery of more rows about one person from one source on one observed day than the
            // rules' corroboration.max_events_per_day: the rows beyond it wait here, not applied and
            // not in `evidence` (so no rule, window or figure reads them), until an operator releases
            // them (applied then, as delivered) or discards them, by name and with a reason (the
            // decision is also a chained ledger event). Unique like evidence: a re-delivery is present.
            //
            // A field check answered unreachable twice with no person-to-person check between stays
            // open with the unit it was escalated to (the parent of the person's community).
            try db.execute(
                sql: """
                    CREATE TABLE evidence_review (
                        id INTEGER PRIMARY KEY,
                        source TEXT NOT NULL,
                        external_id TEXT NOT NULL,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        kind TEXT NOT NULL,
                        class TEXT NOT NULL,
                        observed_day TEXT NOT NULL,
                        observed_at TEXT NOT NULL,
                        payload TEXT,
                        received_at TEXT NOT NULL,
                        delivered_by TEXT,
                        reason TEXT NOT NULL,
                        status TEXT NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'released', 'discarded')),
                        decided_by TEXT,
                        decided_at TEXT,
                        decision_reason TEXT,
                        UNIQUE (source, external_id, person_id)
                    );
                    CREATE INDEX evidence_review_status ON evidence_review(status, person_id);
                    ALTER TABLE task ADD COLUMN escalated_to TEXT REFERENCES unit(code);
                    """)
        }
    }
}
