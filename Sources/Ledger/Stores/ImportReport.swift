/// What an import did: rows taken, rows skipped as already present, and every refused row with
/// its line and a reason a person can act on.
public struct ImportReport: Sendable, Equatable {
    /// A refused row.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        /// A code for the kind of refusal, where a sender must act on it in a specific way
        /// (`external_id_conflict`); nil for the others, whose reason says what to do.
        public var code: String?
        public var description: String { "line \(line): \(reason)" }

        public init(line: Int, reason: String, code: String? = nil) {
            self.line = line
            self.reason = reason
            self.code = code
        }
    }

    public var imported = 0
    /// Rows already in the ledger (re-delivered batches, re-run imports): nothing changed.
    public var alreadyPresent = 0
    public var problems: [Problem] = []
    /// False when `--strict` refused the whole file because of a bad row.
    public var committed = true
    /// Ledger changes the import caused (certifications, deaths, conflicts...), by kind.
    public var changes: [String: Int] = [:]
    /// Rows stored held for an operator's review, not applied (a burst beyond the rules'
    /// `corroboration.max_events_per_day`), and why, one line per person, source and day.
    public var held = 0
    public var heldWhy: [String] = []

    public init() {}

    public mutating func refuse(_ line: Int, _ reason: String, code: String? = nil) {
        problems.append(Problem(line: line, reason: reason, code: code))
    }

    /// Adds what one committed batch did.
    public mutating func absorb(_ batch: ImportReport) {
        imported += batch.imported
        alreadyPresent += batch.alreadyPresent
        problems += batch.problems
        changes.merge(batch.changes, uniquingKeysWith: +)
        held += batch.held
        heldWhy += batch.heldWhy
    }
}
