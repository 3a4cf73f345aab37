import GRDB

/// A row of `task`: work for community staff (a field check before a deadline, a health-attention
/// visit), open until done or closed.
struct TaskRow: TableRow, Equatable, MutablePersistableRecord {
    static let databaseTableName = "task"

    var id: Int64?
    var personId: String
    var unitCode: String
    /// field_check, attention, home_visit or phone_call
    var kind: String
    /// the deadline (field checks) or the inpatient day (attention) it is for
    var keyDay: String
    var reason: String
    /// open, done or closed
    var status: String = "open"
    var outcome: String?
    var createdOn: String
    var closedOn: String?
    /// What staff wrote when closing it.
    var note: String?
    /// The key (or `cli:<user>`) that closed it.
    var closedBy: String?
    /// The unit an unanswered field check was escalated to (the street office), while open.
    var escalatedTo: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension TaskRow: FastInsertable {
    /// Once per person, kind and key day: a second one is skipped.
    static let insertSQL = """
        INSERT INTO task (person_id, unit_code, kind, key_day, reason, status, outcome, created_on, closed_on, note, closed_by,
            escalated_to)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(person_id, kind, key_day) DO NOTHING
        """

    var insertArguments: StatementArguments {
        [personId, unitCode, kind, keyDay, reason, status, outcome, createdOn, closedOn, note, closedBy, escalatedTo]
    }
}
