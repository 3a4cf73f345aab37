import GRDB

extension AppDatabase {
    /// Migration 28 (issue 31): the outbox holds every notice to a pensioner, not only reminders,
    /// each with its kind, language and delivery state (docs/notices.md): `pending` (waiting for
    /// its first try), `sending` (claimed by `claimed_by` until `lease_until`), `failed` (a try
    /// failed; tried again from `next_attempt_at`), `delivered` (the gateway took it: its message
    /// id in `gateway_id`, or marked sent by hand) and `dead` (given up: the gateway said the
    /// recipient is invalid, or `max_attempts` tries failed). A person with no WeChat and no phone
    /// gets a `community` row: their community's staff deliver it by hand (recipient: the unit).
    /// The person's language (`zh` or `en`) and each unit's kiosk sites and office phone, which
    /// the notices state.
    static func registerMigration28(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v28-notices") { db in
            try db.execute(
                sql: """
                    CREATE TABLE outbox_v28 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused (a pruned row's id): the gateway's idempotency key
                        person_id TEXT NOT NULL REFERENCES person(id),
                        kind TEXT NOT NULL,  -- NoticeKind
                        notice_key TEXT NOT NULL,  -- once per person, kind and key (a reminder's: deadline)
                        channel TEXT NOT NULL CHECK (channel IN ('wechat', 'sms', 'community')),
                        recipient TEXT NOT NULL,
                        language TEXT NOT NULL DEFAULT 'zh' CHECK (language IN ('zh', 'en')),
                        message TEXT NOT NULL,
                        deadline TEXT,  -- reminders: the deadline they state
                        round INTEGER NOT NULL DEFAULT 1,  -- reminders: 1 at the warning, 2 when the field check opens
                        created_on TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'delivered', 'failed', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at TEXT,
                        last_error TEXT,
                        sent_at TEXT,  -- when it was delivered
                        claimed_by TEXT,  -- the sender holding it while `sending`
                        lease_until TEXT,  -- ...until then: past it, another sender may take it over
                        gateway_id TEXT,  -- the gateway's message id (its delivery receipt)
                        UNIQUE (person_id, kind, notice_key)
                    );
                    INSERT INTO outbox_v28 (id, person_id, kind, notice_key, channel, recipient, message, deadline, round, created_on,
                        state, sent_at)
                    SELECT id, person_id, CASE round WHEN 1 THEN 'reminder' ELSE 'field_check_reminder' END, deadline, channel,
                        recipient, message, deadline, round, created_on, CASE WHEN sent_at IS NULL THEN 'pending' ELSE 'delivered' END,
                        sent_at
                    FROM outbox;
                    DROP TABLE outbox;
                    ALTER TABLE outbox_v28 RENAME TO outbox;
                    CREATE INDEX outbox_unsent ON outbox(sent_at, id);
                    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
                    CREATE INDEX outbox_person ON outbox(person_id);
                    ALTER TABLE person ADD COLUMN language TEXT NOT NULL DEFAULT 'zh' CHECK (language IN ('zh', 'en'));
                    ALTER TABLE unit ADD COLUMN kiosk_sites TEXT;  -- the community's kiosk sites, nearest first, ';' between
                    ALTER TABLE unit ADD COLUMN office_phone TEXT;  -- the unit's office phone number
                    """)
        }
    }
}
