import Foundation
import GRDB
import Ledger

/// The ledger's SQLite database over any GRDB `DatabaseWriter`: in production one `DatabasePool`
/// per process on a file (WAL, so the CLI and the server can read while one of them writes),
/// `synchronous=FULL`, a busy timeout; in tests a `DatabaseQueue` in memory will do. Named
/// migrations never change once shipped; opening migrates.
public struct AppDatabase: Sendable {
    let writer: any DatabaseWriter

    /// `fastcert_may_move(status, last_certified, deadline, service_period_months, observed_day)`:
    /// ``DeferralRules/mayMove(_:on:)`` for SQL, so the batch import's filter and the rule are one.
    /// A value that cannot be read answers true (the row is then applied in Swift, which decides).
    static let mayMove = DatabaseFunction("fastcert_may_move", argumentCount: 5, pure: true) { values in
        guard let status = String.fromDatabaseValue(values[0]).flatMap(PersonLedger.Status.init(rawValue:)),
            let deadline = String.fromDatabaseValue(values[2]).flatMap(Day.init), let period = Int.fromDatabaseValue(values[3]),
            let observed = String.fromDatabaseValue(values[4]).flatMap(Day.init)
        else { return true }
        let ledger = PersonLedger(
            status: status, servicePeriodMonths: period, lastCertified: String.fromDatabaseValue(values[1]).flatMap(Day.init),
            deadline: deadline, suspendedOn: nil, deathDay: nil)
        return DeferralRules.mayMove(ledger, on: observed)
    }

    /// Opens (creating if needed) and migrates the database file at `path`, as one `DatabasePool`.
    public init(path: String) throws {
        // Created 0600 before SQLite opens it (its -wal and -shm files take the same mode).
        try PrivateFile.createEmptyIfMissing(path, what: "the database file")
        try self.init(try DatabasePool(path: path, configuration: Self.makeConfiguration()))
    }

    /// Migrates and wraps a writer made with ``makeConfiguration()`` (which registers the SQL
    /// functions the stores use).
    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// The connection settings every writer of this database needs.
    public static func makeConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(15)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            db.add(function: Self.mayMove)
            // FULL: a committed batch survives a power cut. A 64 MiB page cache and 256 MiB of memory-mapped
            // reads keep a city's ledger (millions of rows) from being read page by page.
            try db.execute(
                sql: "PRAGMA synchronous = FULL; PRAGMA cache_size = -262144; PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY")
        }
        return configuration
    }

    /// The migrations applied to this file, in order.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Rows per table, for `fastcert db status`.
    public func tableCounts() throws -> [(table: String, rows: Int)] {
        try writer.read { db in
            try [
                "unit", "person", "evidence", "ledger_event", "task", "outbox", "api_key", "face_template", "enrollment_event",
                "verification_attempt", "payroll_line", "recovery",
            ].map {
                table in
                (table, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0)
            }
        }
    }

    /// Every migration, by name. Never edit a shipped one: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-ledger") { db in
            try db.execute(
                sql: """
                    CREATE TABLE unit (
                        code TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        level TEXT NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
                        parent_code TEXT REFERENCES unit(code),
                        path TEXT NOT NULL UNIQUE  -- '/city/district/street/community/': a subtree is a prefix
                    );
                    CREATE TABLE person (
                        id TEXT PRIMARY KEY NOT NULL,  -- resident ID, checksum-validated
                        name TEXT NOT NULL,
                        birth_date TEXT NOT NULL,
                        unit_code TEXT NOT NULL REFERENCES unit(code),
                        benefit_level TEXT NOT NULL,
                        monthly_amount_fen INTEGER NOT NULL CHECK (monthly_amount_fen >= 0),
                        phone TEXT,
                        wechat_id TEXT,
                        lives_alone INTEGER NOT NULL DEFAULT 0,
                        immobile INTEGER NOT NULL DEFAULT 0,
                        status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'deceased')),
                        service_period_months INTEGER NOT NULL,
                        enrolled_on TEXT NOT NULL,
                        last_certified TEXT,
                        deadline TEXT NOT NULL,
                        suspended_on TEXT,
                        death_day TEXT
                    );
                    CREATE INDEX person_unit ON person(unit_code);
                    CREATE INDEX person_deadline ON person(status, deadline);
                    CREATE TABLE evidence (
                        id INTEGER PRIMARY KEY,
                        source TEXT NOT NULL,
                        external_id TEXT NOT NULL,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        kind TEXT NOT NULL,
                        class TEXT NOT NULL,
                        observed_day TEXT NOT NULL,
                        observed_at TEXT NOT NULL,
                        received_at TEXT NOT NULL,
                        payload TEXT,
                        UNIQUE (source, external_id)
                    );
                    CREATE INDEX evidence_person ON evidence(person_id, class, observed_day);
                    CREATE TABLE ledger_event (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        kind TEXT NOT NULL,
                        day TEXT NOT NULL,
                        cause TEXT NOT NULL,
                        deadline TEXT,
                        back_pay_months INTEGER,
                        evidence_id INTEGER REFERENCES evidence(id),
                        recorded_at TEXT NOT NULL
                    );
                    CREATE INDEX ledger_event_person ON ledger_event(person_id, id);
                    CREATE INDEX ledger_event_kind ON ledger_event(kind, day);
                    CREATE TABLE task (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        unit_code TEXT NOT NULL REFERENCES unit(code),
                        kind TEXT NOT NULL CHECK (kind IN ('field_check', 'attention')),
                        key_day TEXT NOT NULL,  -- the deadline (field checks) or the inpatient day (attention) it is for
                        reason TEXT NOT NULL,
                        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'closed')),
                        outcome TEXT,
                        created_on TEXT NOT NULL,
                        closed_on TEXT,
                        UNIQUE (person_id, kind, key_day)
                    );
                    CREATE INDEX task_unit ON task(unit_code, status);
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        channel TEXT NOT NULL CHECK (channel IN ('wechat', 'sms')),
                        recipient TEXT NOT NULL,
                        message TEXT NOT NULL,
                        deadline TEXT NOT NULL,
                        created_on TEXT NOT NULL,
                        sent_at TEXT,
                        UNIQUE (person_id, deadline)
                    );
                    CREATE INDEX outbox_unsent ON outbox(sent_at, id);
                    """)
        }
        migrator.registerMigration("v2-service") { db in
            try db.execute(
                sql: """
                    CREATE TABLE api_key (
                        id TEXT PRIMARY KEY NOT NULL,  -- the key's public part, before the dot
                        name TEXT NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('kiosk', 'mobile', 'operator', 'feed', 'auditor')),
                        unit_code TEXT NOT NULL REFERENCES unit(code),
                        secret_sha256 BLOB NOT NULL,  -- only a hash of the secret is kept
                        require_signature INTEGER NOT NULL DEFAULT 0,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT
                    );
                    CREATE TABLE face_template (
                        person_id TEXT PRIMARY KEY NOT NULL REFERENCES person(id),
                        sealed BLOB NOT NULL,  -- the embeddings, sealed with the template key (AES-GCM)
                        photos INTEGER NOT NULL,
                        enrolled_at TEXT NOT NULL,
                        enrolled_by TEXT NOT NULL
                    );
                    CREATE TABLE verification_attempt (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        decision TEXT NOT NULL CHECK (decision IN ('verified', 'not_verified', 'retry', 'locked')),
                        distance REAL,
                        reasons TEXT,
                        evidence_id INTEGER REFERENCES evidence(id),
                        at TEXT NOT NULL
                    );
                    CREATE INDEX verification_attempt_person ON verification_attempt(person_id, id);
                    CREATE INDEX verification_attempt_key ON verification_attempt(key_id, id);
                    CREATE TABLE idempotent_response (
                        key_id TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        request_sha256 BLOB NOT NULL,
                        status INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        created_at TEXT NOT NULL,
                        PRIMARY KEY (key_id, idempotency_key)
                    ) WITHOUT ROWID;
                    CREATE TABLE request_nonce (
                        key_id TEXT NOT NULL,
                        nonce TEXT NOT NULL,
                        at INTEGER NOT NULL,  -- unix seconds
                        PRIMARY KEY (key_id, nonce)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v3-liveness") { db in
            try db.execute(
                sql: """
                    CREATE TABLE liveness_session (
                        id TEXT PRIMARY KEY NOT NULL,  -- 128 random bits, hex
                        key_id TEXT NOT NULL,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        challenges TEXT NOT NULL,  -- comma-separated, in order
                        created_at TEXT NOT NULL,
                        expires_at INTEGER NOT NULL,  -- unix seconds
                        used_at TEXT,
                        verdict TEXT CHECK (verdict IN ('live', 'attack', 'retry')),
                        detail TEXT  -- the checks with scores and reasons (audit; never sent to the client)
                    );
                    CREATE TABLE liveness_frame (
                        sha256 BLOB PRIMARY KEY NOT NULL,  -- every frame ever submitted, so none is accepted twice
                        session_id TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4-enrollment") { db in
            try db.execute(
                sql: """
                    CREATE TABLE enrollment_photo (  -- the photos of each person's current enrollment (never the image itself)
                        person_id TEXT NOT NULL REFERENCES person(id),
                        position INTEGER NOT NULL,  -- the photo's place in the enrollment, from 0
                        sha256 BLOB NOT NULL,  -- of the photo file, to recognise it when a batch is run again
                        accepted INTEGER NOT NULL,
                        codes TEXT NOT NULL,  -- why it was rejected: codes, comma-separated ('' when accepted)
                        reasons TEXT NOT NULL,  -- the same in words, '; '-separated
                        faces_found INTEGER,
                        inter_eye_pixels REAL,
                        sharpness REAL,
                        brightness REAL,
                        yaw REAL,
                        PRIMARY KEY (person_id, position)
                    ) WITHOUT ROWID;
                    CREATE TABLE enrollment_event (  -- every enrollment, replacement, refusal as a duplicate, and deletion
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL,
                        action TEXT NOT NULL CHECK (action IN ('enrolled', 'replaced', 'deleted', 'duplicate_refused')),
                        photos INTEGER NOT NULL,  -- reference photos in the template after the event (0 for deleted, refused)
                        actor TEXT NOT NULL,  -- the API key id, or cli:<user>
                        at TEXT NOT NULL,
                        detail TEXT  -- JSON: the other person and distance of a duplicate, the reason of a deletion
                    );
                    CREATE INDEX enrollment_event_person ON enrollment_event(person_id, id);
                    """)
        }
        migrator.registerMigration("v5-provenance") { db in
            try db.execute(
                sql: """
                    -- feed keys: the departments (comma-separated) whose kinds the key may deliver; NULL for other roles
                    ALTER TABLE api_key ADD COLUMN sources TEXT;
                    -- who delivered the row: a key id, cli:<user> for a file, or the verification's key; NULL before v5
                    ALTER TABLE evidence ADD COLUMN delivered_by TEXT;
                    -- who made the decision: the delivering key or operator, sweep, or a key's operator; NULL before v5
                    ALTER TABLE ledger_event ADD COLUMN actor TEXT;
                    """)
        }
        migrator.registerMigration("v6-sweep-run") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sweep_run (  -- each day's sweep, once: the service claims a day here in the sweep's transaction
                        day TEXT PRIMARY KEY NOT NULL,
                        actor TEXT NOT NULL,  -- 'serve' (the service's daily sweep) or cli:<user>
                        at TEXT NOT NULL,
                        changes TEXT NOT NULL  -- JSON: the changes by kind
                    ) WITHOUT ROWID;
                    """)
        }
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
        migrator.registerMigration("v11-device-lockout") { db in
            // The lockout counts per device (a kiosk's key; the mobile backend's key with the phone),
            // never per person: a person's failures open a field check instead.
            try db.execute(
                sql: """
                    ALTER TABLE verification_attempt ADD COLUMN device TEXT;
                    UPDATE verification_attempt SET device = key_id;
                    CREATE INDEX verification_attempt_device ON verification_attempt(device, id);
                    """)
        }
        migrator.registerMigration("v12-ed25519-signing") { db in
            // Signed requests are Ed25519: the key's public half is stored, the private half was shown
            // once. Signing keys made before (HMAC keyed with the stored hash) must be re-issued.
            try db.execute(sql: "ALTER TABLE api_key ADD COLUMN signing_public_key BLOB")
        }
        migrator.registerMigration("v13-task-notes") { db in
            // What staff wrote when they closed a task, and who closed it: the person's timeline shows
            // both beside the outcome.
            try db.execute(
                sql: """
                    ALTER TABLE task ADD COLUMN note TEXT;
                    ALTER TABLE task ADD COLUMN closed_by TEXT;
                    """)
        }
        migrator.registerMigration("v14-attempt-rule") { db in
            // How a compared face was decided: by distance, or by the cohort-normalized score (a
            // z-value), with the score and the threshold it was held to; a cohort decision's
            // distance stays in `distance`.
            try db.execute(
                sql: """
                    ALTER TABLE verification_attempt ADD COLUMN rule TEXT CHECK (rule IN ('distance', 'cohort'));
                    ALTER TABLE verification_attempt ADD COLUMN score REAL;
                    ALTER TABLE verification_attempt ADD COLUMN threshold REAL;
                    """)
        }
        migrator.registerMigration("v15-evidence-per-person") { db in
            // A row's identity is its department's id *for that person*: two feeds of one department
            // (a district's and the city's) may number their events independently, and a row about
            // one person must never silence a row about another. The same id for the same person with
            // other content is refused by the import, never taken as already present.
            try db.execute(
                sql: """
                    CREATE TABLE evidence_v15 (
                        id INTEGER PRIMARY KEY,
                        source TEXT NOT NULL,
                        external_id TEXT NOT NULL,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        kind TEXT NOT NULL,
                        class TEXT NOT NULL,
                        observed_day TEXT NOT NULL,
                        observed_at TEXT NOT NULL,
                        received_at TEXT NOT NULL,
                        payload TEXT,
                        delivered_by TEXT,
                        UNIQUE (source, external_id, person_id)
                    );
                    INSERT INTO evidence_v15 (id, source, external_id, person_id, kind, class, observed_day, observed_at, received_at,
                        payload, delivered_by)
                    SELECT id, source, external_id, person_id, kind, class, observed_day, observed_at, received_at, payload, delivered_by
                    FROM evidence;
                    DROP TABLE evidence;
                    ALTER TABLE evidence_v15 RENAME TO evidence;
                    CREATE INDEX evidence_person ON evidence(person_id, class, observed_day);
                    """)
            // The device a liveness session was issued to (a kiosk's key; the mobile key with the
            // phone, or the person), for its rate and open-session limits; NULL before v15.
            try db.execute(
                sql: """
                    ALTER TABLE liveness_session ADD COLUMN device TEXT;
                    CREATE INDEX liveness_session_device ON liveness_session(device, created_at);
                    CREATE INDEX liveness_session_key ON liveness_session(key_id, created_at);
                    """)
        }
        migrator.registerMigration("v16-unit-month-stats") { db in
            // Each unit's monthly figures (its subtree's counts; shares are divided on reading),
            // computed once by the daily sweep (LedgerStore+MonthlyStats.swift). A month's
            // `version` grows with every write that can change its figures (the triggers below:
            // events, tasks, persons' units, enrolment and death days, evidence classes, units);
            // its figures are current while `computed_version` equals it. A write dated in month M
            // touches M and every later month (the silent share looks back twelve months, the
            // strong share to the latest certification).
            try db.execute(
                sql: """
                    CREATE TABLE unit_month_stats (
                        month TEXT NOT NULL,
                        unit_code TEXT NOT NULL,
                        persons INTEGER NOT NULL,
                        silent INTEGER NOT NULL,
                        reminded INTEGER NOT NULL,
                        field_checks INTEGER NOT NULL,
                        suspensions INTEGER NOT NULL,
                        strong INTEGER NOT NULL,
                        certified_by_class TEXT NOT NULL,  -- JSON: {"strong": 12, ...}
                        PRIMARY KEY (month, unit_code)
                    ) WITHOUT ROWID;
                    CREATE TABLE unit_month_stats_state (
                        month TEXT PRIMARY KEY NOT NULL,
                        version INTEGER NOT NULL DEFAULT 1,
                        computed_version INTEGER,  -- the version the stored figures were computed at (NULL: none yet)
                        computed_at TEXT
                    ) WITHOUT ROWID;
                    CREATE TRIGGER unit_month_stats_event_added AFTER INSERT ON ledger_event BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1 WHERE month >= substr(NEW.day, 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_event_changed AFTER UPDATE ON ledger_event BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1 WHERE month >= substr(min(OLD.day, NEW.day), 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_event_removed AFTER DELETE ON ledger_event BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1 WHERE month >= substr(OLD.day, 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_task_added AFTER INSERT ON task BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1 WHERE month >= substr(NEW.created_on, 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_task_changed AFTER UPDATE OF kind, created_on, person_id ON task BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1
                        WHERE month >= substr(min(OLD.created_on, NEW.created_on), 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_task_removed AFTER DELETE ON task BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1 WHERE month >= substr(OLD.created_on, 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_person_added AFTER INSERT ON person BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1 WHERE month >= substr(NEW.enrolled_on, 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_person_moved AFTER UPDATE OF unit_code, enrolled_on ON person
                    WHEN OLD.unit_code IS NOT NEW.unit_code OR OLD.enrolled_on IS NOT NEW.enrolled_on BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1
                        WHERE month >= substr(min(OLD.enrolled_on, NEW.enrolled_on), 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_person_death AFTER UPDATE OF death_day ON person
                    WHEN OLD.death_day IS NOT NEW.death_day BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1
                        WHERE month >= substr(min(coalesce(OLD.death_day, '9999-12'), coalesce(NEW.death_day, '9999-12')), 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_person_removed AFTER DELETE ON person BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1 WHERE month >= substr(OLD.enrolled_on, 1, 7);
                    END;
                    CREATE TRIGGER unit_month_stats_evidence_class AFTER UPDATE OF class ON evidence WHEN OLD.class IS NOT NEW.class BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1;
                    END;
                    CREATE TRIGGER unit_month_stats_unit_added AFTER INSERT ON unit BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1;
                    END;
                    CREATE TRIGGER unit_month_stats_unit_changed AFTER UPDATE OF path, parent_code ON unit BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1;
                    END;
                    CREATE TRIGGER unit_month_stats_unit_removed AFTER DELETE ON unit BEGIN
                        UPDATE unit_month_stats_state SET version = version + 1;
                    END;
                    """)
        }
        migrator.registerMigration("v17-frame-content") { db in
            // The replay check compares pictures, not files: each submitted frame's decoded pixels
            // (an exact digest, matched across everyone's sessions) and its difference hash (matched
            // near, within the same person's earlier sessions). Pruned with the sessions.
            try db.execute(
                sql: """
                    CREATE TABLE liveness_frame_content (
                        session_id TEXT NOT NULL,
                        person_id TEXT NOT NULL,
                        position INTEGER NOT NULL,  -- the frame's place in its submission, from 0
                        pixel_digest BLOB NOT NULL,  -- of the decoded grey pixels and their size
                        difference_hash BLOB NOT NULL,  -- 256 bits, compared by Hamming distance
                        PRIMARY KEY (session_id, position)
                    ) WITHOUT ROWID;
                    CREATE INDEX liveness_frame_content_pixels ON liveness_frame_content(pixel_digest);
                    CREATE INDEX liveness_frame_content_person ON liveness_frame_content(person_id, session_id);
                    """)
        }
        return migrator
    }
}

extension AppDatabase {
    /// The single integer a read-only query returns (tests and diagnostics).
    public func count(_ sql: String) async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    /// The text column a read-only query returns, row by row (tests and diagnostics).
    public func texts(_ sql: String) async throws -> [String] {
        try await writer.read { db in try String.fetchAll(db, sql: sql) }
    }
}
