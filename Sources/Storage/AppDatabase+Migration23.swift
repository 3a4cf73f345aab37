import GRDB

extension AppDatabase {
    /// Migration 23: keys carry the person they were issued to, and who made them. Shipped: never
    /// edited.
    static func registerMigration23(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v23-operators") { db in
            // Four eyes compares holders, not keys (ActorID): one person's second key is still the
            // same pair of eyes. Keys made before this have none and are never one of the four eyes.
            try db.execute(sql: "ALTER TABLE api_key ADD COLUMN holder TEXT")
            // The key or system account that made the key (null before this migration).
            try db.execute(sql: "ALTER TABLE api_key ADD COLUMN created_by TEXT")
        }
    }
}
