import GRDB

extension AppDatabase {
    /// Migrations 16-17: stored monthly statistics and frame content. Shipped: never edited.
    static func registerMigrations16to17(_ migrator: inout DatabaseMigrator) {
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
    }
}
