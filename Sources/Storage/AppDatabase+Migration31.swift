import GRDB
import Ledger

extension AppDatabase {
    /// Migration 31 (issue 31, "Data kept no longer than needed" and "Back pay without waiting a
    /// month"): supplementary payroll runs, consent at enrollment, the record of erased templates.
    ///
    /// - `payroll_supplement`: a run between two monthly runs that pays resumed persons the months
    ///   up to the latest monthly run (`run_month`) they were not paid. Its lines are ordinary
    ///   `payroll_line` rows (the run's month as `run_month`, so every reader of "what was paid"
    ///   — the next run, recoveries after a death, statistics — sees them, and `UNIQUE (person_id,
    ///   for_month)` still pays each month once) with `supplement_id` set. Chained like a run; a
    ///   new column of a chained table is NULL by default and the chain's triggers are rebuilt
    ///   (migration 20's rule).
    /// - `consent`: who consented to the processing of their face (the person or a guardian), when,
    ///   for what purpose and which operator recorded it; a withdrawal closes it.
    /// - `template_erasure`: each deletion of a person's face template by the retention rules
    ///   (consent withdrawn, death final), with its cause and actor.
    static func registerMigration31(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v31-retention") { db in
            try db.execute(
                sql: """
                    CREATE TABLE payroll_supplement (  -- a supplementary run: back pay before the next monthly run
                        id INTEGER PRIMARY KEY,
                        run_month TEXT NOT NULL REFERENCES payroll_run(month),  -- the latest monthly run: it pays months up to it
                        run_on TEXT NOT NULL,  -- the day the ledger was read
                        actor TEXT NOT NULL,  -- the named operator who ran it
                        at TEXT NOT NULL,
                        lines INTEGER NOT NULL,
                        persons INTEGER NOT NULL,
                        total_fen INTEGER NOT NULL,
                        chain_seq INTEGER,
                        chain_hash BLOB
                    );
                    CREATE TRIGGER payroll_supplement_immutable BEFORE UPDATE ON payroll_supplement
                    BEGIN SELECT RAISE(ABORT, 'payroll runs are never edited'); END;
                    CREATE TRIGGER payroll_supplement_kept BEFORE DELETE ON payroll_supplement
                    BEGIN SELECT RAISE(ABORT, 'payroll runs are never deleted'); END;
                    ALTER TABLE payroll_line ADD COLUMN supplement_id INTEGER
                        REFERENCES payroll_supplement(id) DEFERRABLE INITIALLY DEFERRED;  -- NULL: a line of the monthly run
                    CREATE INDEX payroll_line_supplement ON payroll_line(supplement_id) WHERE supplement_id IS NOT NULL;
                    CREATE TABLE consent (  -- consent to the processing of a person's face, recorded at enrollment
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        given_by TEXT NOT NULL CHECK (given_by IN ('person', 'guardian')),
                        guardian_name TEXT,  -- a guardian's name as they gave it
                        purpose TEXT NOT NULL,
                        given_on TEXT NOT NULL,  -- the service's day
                        recorded_by TEXT NOT NULL,  -- the operator (key and holder, or cli:<user>)
                        recorded_at TEXT NOT NULL,
                        withdrawn_on TEXT,
                        withdrawn_by TEXT,
                        withdrawal_reason TEXT,
                        CHECK (given_by = 'person' OR guardian_name IS NOT NULL)
                    );
                    CREATE INDEX consent_person ON consent(person_id, id);
                    CREATE TABLE template_erasure (  -- a face template deleted by the retention rules
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        cause TEXT NOT NULL CHECK (cause IN ('consent_withdrawn', 'death_final')),
                        erased_on TEXT NOT NULL,
                        erased_by TEXT NOT NULL,
                        detail TEXT
                    );
                    CREATE INDEX template_erasure_person ON template_erasure(person_id);
                    -- the retention cleared the payload on this day (the row, its kind and day stay: evidence for decisions)
                    ALTER TABLE evidence ADD COLUMN payload_pruned_on TEXT;
                    -- the retention cleared the attempt's device on this day (the decision, its score and evidence stay)
                    ALTER TABLE verification_attempt ADD COLUMN redacted_on TEXT;
                    """)
            try installAuditChain(db, tables: ["payroll_line", "payroll_supplement"], batched: AuditChain.batchedTables)
        }
    }
}
