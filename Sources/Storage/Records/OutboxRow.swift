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
    /// wechat, sms or community (delivered by the community's staff: the recipient is the unit)
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
    /// The sender holding it while `sending`, until `leaseUntil`.
    var claimedBy: String?
    var leaseUntil: String?
    /// The gateway's message id (its delivery receipt).
    var gatewayId: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension OutboxRow: FastInsertable {
    /// Once per person, kind and key: a repeated one is skipped.
    static let insertSQL = """
        INSERT INTO outbox (person_id, kind, notice_key, channel, recipient, language, message, deadline, round, created_on, state,
            attempts, next_attempt_at, last_error, sent_at, claimed_by, lease_until, gateway_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, NULL, NULL, NULL, NULL, NULL, NULL)
        ON CONFLICT(person_id, kind, notice_key) DO NOTHING
        """

    var insertArguments: StatementArguments {
        [personId, kind, noticeKey, channel, recipient, language, message, deadline, round, createdOn]
    }
}
