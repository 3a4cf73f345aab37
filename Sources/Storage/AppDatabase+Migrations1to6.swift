import GRDB

extension AppDatabase {
    /// Migrations 1-6: the ledger, the service, liveness, enrollment, provenance and the sweep's days. Shipped: never edited.
    static func registerMigrations1to6(_ migrator: inout DatabaseMigrator) {
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
    }
}
