import GRDB
import Ledger

extension LedgerStore {
    /// What one sweep did.
    public struct SweepReport: Sendable, Equatable {
        public var examined = 0
        public var changes: [String: Int] = [:]
    }

    /// The daily sweep on `day`: warnings under `warning_months` to the deadline, field checks under
    /// `field_check_months`, suspension past it. Idempotent: a change already recorded for a person's
    /// current deadline is not raised again, so running it twice changes nothing. One transaction.
    public func sweep(on day: Day) async throws -> SweepReport {
        let horizon = day.adding(months: rules.warning_months)
        return try await writer.write { db in
            var report = SweepReport()
            let now = Self.timestamp()
            let persons = try Row.fetchAll(
                db, sql: "SELECT * FROM person WHERE status = 'active' AND deadline < ?", arguments: [horizon.description])
            let raisedStatement = try db.makeStatement(
                sql: "SELECT kind FROM ledger_event WHERE person_id = ? AND deadline = ? AND kind IN ('warning', 'field_check')")
            for person in persons {
                report.examined += 1
                let id: String = person["id"]
                var ledger = Self.ledger(person)
                let raised = Set(
                    try String.fetchAll(raisedStatement, arguments: [id, ledger.deadline.description])
                        .compactMap(LedgerChange.Kind.init(rawValue:)))
                let changes = deferral.sweep(&ledger, on: day, alreadyRaised: raised)
                guard !changes.isEmpty else { continue }
                try Self.save(ledger, person: id, db)
                try Self.record(changes, person: id, evidence: nil, at: now, db)
                for change in changes { report.changes[change.kind.rawValue, default: 0] += 1 }
            }
            return report
        }
    }
}
