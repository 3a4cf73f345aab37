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
    /// The day it is due (`home_help.due_days` after it opened); nil for tasks opened before v30.
    var dueOn: String? = nil
    /// Home visits and field checks: the 6-digit code sent to the person, which the worker states
    /// at the door and the assisted verification carries (docs/ledger.md, "Visit codes").
    var visitCode: String? = nil
    /// Wrong visit codes given for it; at `home_help.visit_code_max_failures` the code is refused for good.
    var codeFailures: Int = 0
    /// The day it was last escalated (to the street, then the district: `escalated_to`).
    var escalatedOn: String? = nil

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension TaskRow: FastInsertable {
    /// Once per person, kind and key day: a second one is skipped.
    static let insertSQL = """
        INSERT INTO task (person_id, unit_code, kind, key_day, reason, status, outcome, created_on, closed_on, note, closed_by,
            escalated_to, due_on, visit_code, code_failures, escalated_on)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(person_id, kind, key_day) DO NOTHING
        """

    var insertArguments: StatementArguments {
        [
            personId, unitCode, kind, keyDay, reason, status, outcome, createdOn, closedOn, note, closedBy, escalatedTo, dueOn, visitCode,
            codeFailures, escalatedOn,
        ]
    }
}
