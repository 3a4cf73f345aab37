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
                        filed_by TEXT NOT NULL,  -- who filed it: the actor (key and holder)
                        relative_name TEXT,  -- a relative's appeal: the relative's name and relation as they gave them
                        relation TEXT,
                        grounds TEXT NOT NULL,
                        filed_on TEXT NOT NULL,
                        due_on TEXT NOT NULL,  -- appeal_days working days after filed_on
                        -- moot: closed without a decision on it, the person resumed (or their death reversed) another way
                        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'rejected', 'moot')),
                        escalated_to TEXT,  -- the district, once overdue
                        resolved_on TEXT,
                        resolved_by TEXT,  -- the operator who decided it (an upholding: the one who asked; the decision names the approver)
                        reason TEXT,  -- the resolution's reason
                        decision_id INTEGER REFERENCES decision(id),  -- upholding: the four-eyes request (reinstate, reverse_death); upheld once approved
                        rules_version INTEGER  -- the rules version the resolution was made under
                    );
                    CREATE INDEX appeal_person ON appeal(person_id);
                    CREATE INDEX appeal_open ON appeal(status, due_on);
                    CREATE INDEX appeal_unit ON appeal(unit_code, status);
                    CREATE INDEX appeal_decision ON appeal(decision_id);
                    -- one open appeal per person
                    CREATE UNIQUE INDEX appeal_one_open ON appeal(person_id) WHERE status = 'open';
                    """)
        }
    }
}
