import GRDB

extension AppDatabase {
    /// Migration 28 (issue 31): the outbox holds every notice to a pensioner, not only reminders,
    /// each with its kind, language and delivery state.
    static func registerMigration28(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v28-notices") { db in
            try db.execute(
                sql: """
                    CREATE TABLE outbox_v28 (
                        id INTEGER PRIMARY KEY,
                        person_id TEXT NOT NULL REFERENCES person(id),
                        kind TEXT NOT NULL,  -- NoticeKind
                        notice_key TEXT NOT NULL,  -- once per person, kind and key (a reminder's: deadline)
                        channel TEXT NOT NULL CHECK (channel IN ('wechat', 'sms')),
                        recipient TEXT NOT NULL,
                        language TEXT NOT NULL DEFAULT 'zh',
                        message TEXT NOT NULL,
                        deadline TEXT,  -- reminders: the deadline they state
                        round INTEGER NOT NULL DEFAULT 1,  -- reminders: 1 at the warning, 2 when the field check opens
                        created_on TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'delivered', 'failed', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at TEXT,
                        last_error TEXT,
                        sent_at TEXT,  -- when it was delivered
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
                    """)
        }
    }
}
