import GRDB
import Ledger

/// A row of `ledger_event`: one decision of the ledger about a person, with its cause and the
/// evidence that caused it.
struct LedgerEventRow: TableRow, Equatable, MutablePersistableRecord {
    static let databaseTableName = "ledger_event"

    var id: Int64?
    var personId: String
    var kind: String
    var day: String
    var cause: String
    var deadline: String?
    var backPayMonths: Int?
    var evidenceId: Int64?
    var recordedAt: String
    /// Who made the decision: the key or operator that delivered its evidence, or `sweep`.
    var actor: String?
    /// The version of the rules it was made under (nil: recorded before the rules were versioned,
    /// or by a store on rules the database does not hold).
    var rulesVersion: Int?

    init(_ change: LedgerChange, person: String, evidence: Int64?, actor: String, at now: String, rules version: Int?) {
        personId = person
        kind = change.kind.rawValue
        day = change.day.description
        cause = change.cause
        deadline = change.deadline?.description
        backPayMonths = change.backPayMonths
        evidenceId = evidence
        recordedAt = now
        self.actor = actor
        rulesVersion = version
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension LedgerEventRow: FastInsertable {
    static let insertSQL = """
        INSERT INTO ledger_event (person_id, kind, day, cause, deadline, back_pay_months, evidence_id, recorded_at, actor, rules_version)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    var insertArguments: StatementArguments {
        [personId, kind, day, cause, deadline, backPayMonths, evidenceId, recordedAt, actor, rulesVersion]
    }
}
