import GRDB

extension AppDatabase {
    /// Migrations 11-15: lockouts, signing, task notes, attempt rules and evidence per person. Shipped: never edited.
    static func registerMigrations11to15(_ migrator: inout DatabaseMigrator) {
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
    }
}
