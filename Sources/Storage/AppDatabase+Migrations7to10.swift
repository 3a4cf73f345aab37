import GRDB

extension AppDatabase {
    /// Migrations 7-10: the service ledger, decisions, money and duplicate cases. Shipped: never edited.
    static func registerMigrations7to10(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-service-ledger") { db in
            // New task kinds (home visits, phone calls) and a second reminder per deadline: SQLite
            // changes a CHECK or a UNIQUE constraint only by rebuilding the table.
            try db.execute(
                sql: """
                    CREATE TABLE task_v7 (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        unit_code TEXT NOT NULL REFERENCES unit(code),
                        kind TEXT NOT NULL CHECK (kind IN ('field_check', 'attention', 'home_visit', 'phone_call')),
                        key_day TEXT NOT NULL,  -- the deadline (field checks, visits, calls) or the day it is about (attention)
                        reason TEXT NOT NULL,
                        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'closed')),
                        outcome TEXT,
                        created_on TEXT NOT NULL,
                        closed_on TEXT,
                        UNIQUE (person_id, kind, key_day)
                    );
                    INSERT INTO task_v7 SELECT id, person_id, unit_code, kind, key_day, reason, status, outcome, created_on, closed_on FROM task;
                    DROP TABLE task;
                    ALTER TABLE task_v7 RENAME TO task;
                    CREATE INDEX task_unit ON task(unit_code, status);
                    CREATE TABLE outbox_v7 (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        channel TEXT NOT NULL CHECK (channel IN ('wechat', 'sms')),
                        recipient TEXT NOT NULL,
                        message TEXT NOT NULL,
                        deadline TEXT NOT NULL,
                        round INTEGER NOT NULL DEFAULT 1,  -- 1 at the warning, 2 when the field check opens
                        created_on TEXT NOT NULL,
                        sent_at TEXT,
                        UNIQUE (person_id, deadline, round)
                    );
                    INSERT INTO outbox_v7 (id, person_id, channel, recipient, message, deadline, round, created_on, sent_at)
                    SELECT id, person_id, channel, recipient, message, deadline, 1, created_on, sent_at FROM outbox;
                    DROP TABLE outbox;
                    ALTER TABLE outbox_v7 RENAME TO outbox;
                    CREATE INDEX outbox_unsent ON outbox(sent_at, id);
                    """)
        }
        migrator.registerMigration("v8-decisions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE decision (  -- operators' decisions beyond the data, each with its reason and actors
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        kind TEXT NOT NULL CHECK (kind IN ('resolve_conflict', 'reverse_death', 'reinstate', 'extend', 'hold')),
                        conflict_id INTEGER REFERENCES ledger_event(id),  -- resolve_conflict: the conflict it resolves
                        outcome TEXT,  -- resolve_conflict: evidence_rejected, death_disputed or death_reversed
                        until TEXT,  -- extend: the new deadline; hold: its expiry
                        reason TEXT NOT NULL,
                        -- pending -> approved | rejected (four eyes); in_force -> ended (holds); done (the rest)
                        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'in_force', 'ended', 'done')),
                        requested_by TEXT NOT NULL,  -- the key id or cli:<user> who made or asked for it
                        requested_on TEXT NOT NULL,
                        decided_by TEXT,  -- four eyes: the second operator; holds: who released it, or sweep at expiry
                        decided_on TEXT,
                        decision_reason TEXT
                    );
                    CREATE UNIQUE INDEX decision_conflict ON decision(conflict_id) WHERE kind = 'resolve_conflict';
                    -- one open request of a kind per person, one hold in force
                    CREATE UNIQUE INDEX decision_open ON decision(person_id, kind) WHERE status IN ('pending', 'in_force');
                    CREATE INDEX decision_status ON decision(status, kind);
                    """)
        }
        migrator.registerMigration("v9-money") { db in
            try db.execute(
                sql: """
                    CREATE TABLE payroll_run (  -- one stored run a month, never run twice
                        month TEXT PRIMARY KEY NOT NULL,  -- YYYY-MM
                        run_on TEXT NOT NULL,  -- the day the ledger was read
                        actor TEXT NOT NULL,  -- the key id or cli:<user> who ran it
                        at TEXT NOT NULL,
                        lines INTEGER NOT NULL,
                        persons INTEGER NOT NULL,  -- persons paid
                        total_fen INTEGER NOT NULL,
                        back_pay_lines INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE payroll_line (  -- one person's month, paid once: a correction is a line of a later run
                        id INTEGER PRIMARY KEY,
                        run_month TEXT NOT NULL REFERENCES payroll_run(month) DEFERRABLE INITIALLY DEFERRED,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        unit_code TEXT NOT NULL,  -- the person's unit when paid
                        for_month TEXT NOT NULL,  -- the month paid: the run's (regular) or an earlier one (back_pay)
                        kind TEXT NOT NULL CHECK (kind IN ('regular', 'back_pay')),
                        amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
                        reason TEXT NOT NULL,
                        UNIQUE (person_id, for_month)
                    );
                    CREATE INDEX payroll_line_run ON payroll_line(run_month, unit_code);
                    CREATE TRIGGER payroll_line_immutable BEFORE UPDATE ON payroll_line
                    BEGIN SELECT RAISE(ABORT, 'payroll lines are never edited: a correction is a line of a later run'); END;
                    CREATE TRIGGER payroll_line_kept BEFORE DELETE ON payroll_line
                    BEGIN SELECT RAISE(ABORT, 'payroll lines are never deleted'); END;
                    CREATE TRIGGER payroll_run_immutable BEFORE UPDATE ON payroll_run
                    BEGIN SELECT RAISE(ABORT, 'payroll runs are never edited'); END;
                    CREATE TRIGGER payroll_run_kept BEFORE DELETE ON payroll_run
                    BEGIN SELECT RAISE(ABORT, 'payroll runs are never deleted'); END;
                    CREATE TABLE recovery (  -- months paid after a recorded death, claimed back
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        unit_code TEXT NOT NULL,
                        death_day TEXT NOT NULL,
                        months TEXT NOT NULL,  -- the months claimed, comma-separated
                        runs TEXT NOT NULL,  -- the runs that paid them, comma-separated
                        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
                        cause TEXT NOT NULL,
                        -- open -> recovered | waived (an operator, with a reason) | cancelled (the death was reversed)
                        status TEXT NOT NULL CHECK (status IN ('open', 'recovered', 'waived', 'cancelled')),
                        opened_at TEXT NOT NULL,
                        opened_by TEXT NOT NULL,  -- the actor who recorded the death
                        closed_on TEXT,
                        closed_by TEXT,
                        close_reason TEXT
                    );
                    CREATE INDEX recovery_person ON recovery(person_id);
                    CREATE INDEX recovery_status ON recovery(status, unit_code);
                    CREATE TABLE recovery_line (  -- the payroll lines a case claims
                        recovery_id INTEGER NOT NULL REFERENCES recovery(id),
                        line_id INTEGER NOT NULL REFERENCES payroll_line(id),
                        PRIMARY KEY (line_id, recovery_id)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v10-duplicate-cases") { db in
            // A possible duplicate identity outside the enrolling operator's unit opens a task for the
            // other unit (kind duplicate_identity) and marks their record (duplicate_suspected); a dry
            // run's search is recorded (dry_run). New CHECK values: the two tables are rebuilt.
            try db.execute(
                sql: """
                    CREATE TABLE task_v10 (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        unit_code TEXT NOT NULL REFERENCES unit(code),
                        kind TEXT NOT NULL CHECK (kind IN ('field_check', 'attention', 'home_visit', 'phone_call', 'duplicate_identity')),
                        key_day TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'closed')),
                        outcome TEXT,
                        created_on TEXT NOT NULL,
                        closed_on TEXT,
                        UNIQUE (person_id, kind, key_day)
                    );
                    INSERT INTO task_v10 SELECT id, person_id, unit_code, kind, key_day, reason, status, outcome, created_on, closed_on FROM task;
                    DROP TABLE task;
                    ALTER TABLE task_v10 RENAME TO task;
                    CREATE INDEX task_unit ON task(unit_code, status);
                    CREATE TABLE enrollment_event_v10 (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL,
                        action TEXT NOT NULL CHECK (action IN (
                            'enrolled', 'replaced', 'deleted', 'duplicate_refused', 'dry_run', 'duplicate_suspected')),
                        photos INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        at TEXT NOT NULL,
                        detail TEXT
                    );
                    INSERT INTO enrollment_event_v10 SELECT id, person_id, action, photos, actor, at, detail FROM enrollment_event;
                    DROP TABLE enrollment_event;
                    ALTER TABLE enrollment_event_v10 RENAME TO enrollment_event;
                    CREATE INDEX enrollment_event_person ON enrollment_event(person_id, id);
                    """)
        }
    }
}
