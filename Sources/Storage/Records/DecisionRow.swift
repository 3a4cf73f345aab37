import GRDB
import Ledger

/// A row of `decision`: an operator's decision beyond the data (a conflict resolved, a death
/// reversed or a suspension lifted with a second operator's approval, an extension, a hold), with
/// its reason and the actors who asked and decided.
struct DecisionRow: TableRow, Equatable, MutablePersistableRecord {
    static let databaseTableName = "decision"

    var id: Int64?
    var personId: String
    /// resolve_conflict, reverse_death, reinstate, extend or hold
    var kind: String
    var conflictId: Int64?
    var outcome: String?
    var until: String?
    var reason: String
    /// pending, approved, rejected, in_force, ended or done
    var status: String
    var requestedBy: String
    var requestedOn: String
    var decidedBy: String?
    var decidedOn: String?
    var decisionReason: String?
    /// The version of the rules it was made under (``LedgerStore/rulesVersion``; nil before the
    /// rules were versioned).
    var rulesVersion: Int?
    /// change_benefit: the new level and amount (nil: unchanged) and the first month at them
    var benefitLevel: String?
    var amountFen: Int?
    var effectiveMonth: String?
    /// correct_person: the corrected name and birth date (nil: unchanged)
    var name: String?
    var birthDate: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Closes a request or a hold: its final `status` (approved, rejected, ended), who decided,
    /// when and why, written at once.
    mutating func close(_ status: String, by actor: String, on day: Day, reason: String?, _ db: Database) throws {
        self.status = status
        decidedBy = actor
        decidedOn = day.description
        decisionReason = reason
        try update(db)
    }
}
