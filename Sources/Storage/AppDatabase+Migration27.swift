import GRDB

extension AppDatabase {
    /// Migration 27 (issue 30): cameras' sightings. Shipped: never edited.
    static func registerMigration27(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v27-sightings") { db in
            // A new key role, `camera`: the role's CHECK is part of the table, so `api_key` is
            // rebuilt with its rows and columns as they are (nothing references it).
            try db.execute(
                sql: """
                    CREATE TABLE api_key_v27 (
                        id TEXT PRIMARY KEY NOT NULL,  -- the key's public part, before the dot
                        name TEXT NOT NULL,  -- a camera key: its site
                        role TEXT NOT NULL CHECK (role IN ('kiosk', 'mobile', 'operator', 'feed', 'auditor', 'camera')),
                        unit_code TEXT NOT NULL REFERENCES unit(code),
                        secret_sha256 BLOB NOT NULL,  -- only a hash of the secret is kept
                        require_signature INTEGER NOT NULL DEFAULT 0,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT,
                        sources TEXT,
                        signing_public_key BLOB,
                        holder TEXT,
                        created_by TEXT
                    );
                    INSERT INTO api_key_v27 SELECT id, name, role, unit_code, secret_sha256, require_signature, created_at, revoked_at,
                        sources, signing_public_key, holder, created_by FROM api_key;
                    DROP TABLE api_key;
                    ALTER TABLE api_key_v27 RENAME TO api_key;
                    """)
            // One row per sighting a camera sent: what was decided and from what, never the still
            // (its hash only). One per site and capture id: a replay is answered from this row.
            // Chained (AuditChain.tables): a `confirmed` certifies a person, an `other_face` counts
            // toward an alarm.
            try db.execute(
                sql: """
                    CREATE TABLE sighting (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        site_unit TEXT NOT NULL REFERENCES unit(code),
                        site TEXT NOT NULL,
                        capture_id TEXT NOT NULL,
                        captured_at TEXT NOT NULL,  -- ISO 8601 with the camera's offset, as sent
                        captured_day TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        stills_sha256 BLOB NOT NULL,  -- SHA-256 over each still's SHA-256, in order
                        stills INTEGER NOT NULL,
                        still_sha256s BLOB NOT NULL,  -- each still's SHA-256, 32 bytes each, in order
                        outcome TEXT NOT NULL CHECK (outcome IN ('confirmed', 'other_face', 'no_decision')),
                        reason TEXT NOT NULL,
                        distance REAL,
                        passive_real REAL,
                        quality TEXT,
                        confirm_threshold REAL NOT NULL,
                        other_face_threshold REAL NOT NULL,
                        evidence_id INTEGER REFERENCES evidence(id),  -- a confirmed sighting's evidence
                        alarm_task_id INTEGER REFERENCES task(id),  -- the attention task a second other face opened
                        recorded_at TEXT NOT NULL,
                        UNIQUE (site_unit, site, capture_id)
                    );
                    CREATE INDEX sighting_person ON sighting(person_id, outcome, captured_day);
                    CREATE INDEX sighting_unit ON sighting(site_unit, captured_day);
                    """)
            try installAuditChain(db, tables: ["sighting"])
        }
    }
}
