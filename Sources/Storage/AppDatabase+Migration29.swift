import GRDB

extension AppDatabase {
    /// Migration 29 (issue 31): appeals against a suspension or a death record, with a clock.
    static func registerMigration29(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v29-appeals") { db in
            try db.execute(
                sql: """
                    CREATE TABLE appeal (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        unit_code TEXT NOT NULL REFERENCES unit(code),  -- the person's community when filed: whose worklist
                        subject TEXT NOT NULL CHECK (subject IN ('suspension', 'death')),
                        filed_by_role TEXT NOT NULL CHECK (filed_by_role IN ('pensioner', 'relative', 'community_worker', 'operator')),
                        filed_by TEXT NOT NULL,  -- who filed it: the actor (key and holder), and a relative's name as they gave it
                        grounds TEXT NOT NULL,
                        filed_on TEXT NOT NULL,
                        due_on TEXT NOT NULL,  -- appeal_days working days after filed_on
                        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'rejected')),
                        escalated_to TEXT,  -- the district, once overdue
                        resolved_on TEXT,
                        resolved_by TEXT,
                        reason TEXT,  -- the resolution's reason
                        decision_id INTEGER,  -- the decision that resolved it, when it is one
                        rules_version INTEGER
                    );
                    CREATE INDEX appeal_person ON appeal(person_id);
                    CREATE INDEX appeal_open ON appeal(status, due_on);
                    CREATE INDEX appeal_unit ON appeal(unit_code, status);
                    """)
        }
    }
}
