import GRDB

/// A row of `outbox`: a notice waiting to be sent (once per person, kind and key).
struct OutboxRow: TableRow, Equatable, MutablePersistableRecord {
    static let databaseTableName = "outbox"

    var id: Int64?
    var personId: String
    /// A ``NoticeKind``.
    var kind: String
    /// Once per person, kind and key (a reminder's: its deadline).
    var noticeKey: String
    /// wechat or sms
    var channel: String
    var recipient: String
    var language: String = "zh"
    var message: String
    var deadline: String?
    /// 1 at the warning, 2 when the field check opens
    var round: Int = 1
    var createdOn: String
    var state: String = "pending"
    var attempts: Int = 0
    var nextAttemptAt: String?
    var lastError: String?
    var sentAt: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension OutboxRow: FastInsertable {
    /// Once per person, kind and key: a repeated one is skipped.
    static let insertSQL = """
        INSERT INTO outbox (person_id, kind, notice_key, channel, recipient, language, message, deadline, round, created_on, state,
          attempts, next_attempt_at, last_error, sent_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(person_id, kind, notice_key) DO NOTHING
        """

    var insertArguments: StatementArguments {
        [
            personId, kind, noticeKey, channel, recipient, language, message, deadline, round, createdOn, state, attempts, nextAttemptAt,
            lastError, sentAt,
        ]
    }
}
