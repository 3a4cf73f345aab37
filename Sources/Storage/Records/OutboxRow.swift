import GRDB

/// A row of `outbox`: a reminder waiting to be sent (once per person, deadline and round).
struct OutboxRow: TableRow, Equatable, MutablePersistableRecord {
    static let databaseTableName = "outbox"

    var id: Int64?
    var personId: String
    /// wechat or sms
    var channel: String
    var recipient: String
    var message: String
    var deadline: String
    /// 1 at the warning, 2 when the field check opens
    var round: Int = 1
    var createdOn: String
    var sentAt: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension OutboxRow: FastInsertable {
    /// Once per person, deadline and round: a repeated one is skipped.
    static let insertSQL = """
        INSERT INTO outbox (person_id, channel, recipient, message, deadline, round, created_on, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(person_id, deadline, round) DO NOTHING
        """

    var insertArguments: StatementArguments {
        [personId, channel, recipient, message, deadline, round, createdOn, sentAt]
    }
}
