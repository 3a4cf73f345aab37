import GRDB

extension AppDatabase {
    /// Migration 30 (issue 31): help at home. A `staff` key role (a community worker's device,
    /// bound to the worker and their community); tasks with a due day, a visit code and their
    /// escalation; attempts that say who helped (an assisted verification's worker, a relative's
    /// phone).
    static func registerMigration30(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v30-home-help") { db in
            // A new key role, `staff`: the role's CHECK is part of the table, so `api_key` is
            // rebuilt with its rows and columns as they are (as in v27-sightings).
            try db.execute(
                sql: """
                    CREATE TABLE api_key_v30 (
                        id TEXT PRIMARY KEY NOT NULL,  -- the key's public part, before the dot
                        name TEXT NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('kiosk', 'mobile', 'operator', 'feed', 'auditor', 'camera', 'staff')),
                        unit_code TEXT NOT NULL REFERENCES unit(code),  -- a staff key: its community
                        secret_sha256 BLOB NOT NULL,  -- only a hash of the secret is kept
                        require_signature INTEGER NOT NULL DEFAULT 0,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT,
                        sources TEXT,
                        signing_public_key BLOB,
                        holder TEXT,  -- a staff key: the worker it is issued to (required)
                        created_by TEXT
                    );
                    INSERT INTO api_key_v30 SELECT id, name, role, unit_code, secret_sha256, require_signature, created_at, revoked_at,
                        sources, signing_public_key, holder, created_by FROM api_key;
                    DROP TABLE api_key;
                    ALTER TABLE api_key_v30 RENAME TO api_key;
                    """)
            // Tasks: the day each is due (home_help.due_days after it opened; open tasks of before
            // get theirs from the next sweep), the visit code sent to the person (6 digits, kept as
            // shown: it is shown to the community's staff key, and is worth nothing without the
            // person's face), the wrong codes given for it, and the day it was last escalated.
            try db.execute(
                sql: """
                    ALTER TABLE task ADD COLUMN due_on TEXT;
                    ALTER TABLE task ADD COLUMN visit_code TEXT;
                    ALTER TABLE task ADD COLUMN code_failures INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE task ADD COLUMN escalated_on TEXT;
                    CREATE INDEX task_due ON task(status, due_on);
                    """)
            // Attempts: how the session ran when it was not the person alone (`assisted`: a
            // community worker's staff key, named in assisted_by, on the visit task it answered;
            // `by_relative`: a relative's phone through the app, the relative as they gave it).
            try db.execute(
                sql: """
                    ALTER TABLE verification_attempt ADD COLUMN mode TEXT CHECK (mode IN ('assisted', 'by_relative'));
                    ALTER TABLE verification_attempt ADD COLUMN assisted_by TEXT;
                    ALTER TABLE verification_attempt ADD COLUMN relative TEXT;
                    ALTER TABLE verification_attempt ADD COLUMN visit_task_id INTEGER REFERENCES task(id);
                    """)
        }
    }
}
