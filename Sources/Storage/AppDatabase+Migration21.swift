import GRDB

extension AppDatabase {
    /// Migration 21: money changes are decisions (issue 29, part 4). Shipped: never edited.
    ///
    /// - `decision` gains the kinds `change_benefit` (a benefit amount or level from an effective
    ///   month) and `correct_person` (a name or birth date corrected), both four-eyes requests, and
    ///   the columns holding what they ask. A CHECK cannot be altered in SQLite: the table is
    ///   rebuilt with its rows and indexes.
    /// - `benefit_amount` keeps the amount history of every person whose amount was changed: the
    ///   amount they entered with (from their entry month, written with their first approved
    ///   change) and each approved change from its effective month. A person with no rows has one
    ///   amount, `person.monthly_amount_fen`, since entry. Payroll pays each month at the amount in
    ///   force for it (``BenefitAmounts``). Written only with a change: a row per person at import
    ///   cost the 2,000,000-person import 38.6 s to 55.0 s, and the payroll run 24.2 s to 33.8 s.
    /// - `refund` holds what a person is owed back: a death reversed after its recovery case was
    ///   closed `recovered` opens one for what was claimed.
    static func registerMigration21(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v21-money-decisions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE decision_v21 (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        kind TEXT NOT NULL CHECK (kind IN (
                            'resolve_conflict', 'reverse_death', 'reinstate', 'extend', 'hold', 'change_benefit', 'correct_person')),
                        conflict_id INTEGER REFERENCES ledger_event(id),
                        outcome TEXT,
                        until TEXT,
                        reason TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'in_force', 'ended', 'done')),
                        requested_by TEXT NOT NULL,
                        requested_on TEXT NOT NULL,
                        decided_by TEXT,
                        decided_on TEXT,
                        decision_reason TEXT,
                        benefit_level TEXT,  -- change_benefit: the new level, or null when it stays
                        amount_fen INTEGER CHECK (amount_fen >= 0),  -- change_benefit: the new amount, or null when it stays
                        effective_month TEXT,  -- change_benefit: YYYY-MM, the first month at the new amount
                        name TEXT,  -- correct_person: the corrected name, or null when it stays
                        birth_date TEXT  -- correct_person: the corrected birth date, or null when it stays
                    );
                    INSERT INTO decision_v21 (id, person_id, kind, conflict_id, outcome, until, reason, status, requested_by, requested_on,
                        decided_by, decided_on, decision_reason)
                    SELECT id, person_id, kind, conflict_id, outcome, until, reason, status, requested_by, requested_on,
                        decided_by, decided_on, decision_reason FROM decision;
                    DROP TABLE decision;
                    ALTER TABLE decision_v21 RENAME TO decision;
                    CREATE UNIQUE INDEX decision_conflict ON decision(conflict_id) WHERE kind = 'resolve_conflict';
                    CREATE UNIQUE INDEX decision_open ON decision(person_id, kind) WHERE status IN ('pending', 'in_force');
                    CREATE INDEX decision_status ON decision(status, kind);

                    CREATE TABLE benefit_amount (  -- a person's amount from a month on; never edited
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        from_month TEXT NOT NULL,  -- YYYY-MM
                        amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
                        decision_id INTEGER REFERENCES decision(id)  -- null: the amount the person entered with (written with the first change)
                    );
                    CREATE INDEX benefit_amount_person ON benefit_amount(person_id, from_month, id);
                    CREATE TRIGGER benefit_amount_immutable BEFORE UPDATE ON benefit_amount
                    BEGIN SELECT RAISE(ABORT, 'amount history is never edited: a change is a decision'); END;
                    CREATE TRIGGER benefit_amount_kept BEFORE DELETE ON benefit_amount
                    BEGIN SELECT RAISE(ABORT, 'amount history is never deleted'); END;

                    CREATE TABLE refund (  -- money recovered from a person whose death was then reversed, owed back
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        unit_code TEXT NOT NULL,  -- the person's unit when it opened
                        recovery_id INTEGER NOT NULL UNIQUE REFERENCES recovery(id),  -- the recovered case it pays back
                        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
                        cause TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('open', 'paid')),
                        opened_at TEXT NOT NULL,
                        opened_by TEXT NOT NULL,  -- the operator who approved the reversal
                        closed_on TEXT,
                        closed_by TEXT,
                        close_reason TEXT
                    );
                    CREATE INDEX refund_person ON refund(person_id);
                    """)
        }
    }
}
