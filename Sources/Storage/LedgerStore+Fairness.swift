import GRDB
import Ledger

extension LedgerStore {
    /// The unit subtree's ``Fairness`` figures for `month`, counted from the ledger now: the
    /// month's suspensions and what became of each, the appeals filed in it, the notices queued in
    /// it. `today` decides which open appeals are overdue.
    ///
    /// Each suspension's story reads the first `resumed` or `reinstated` event after it (not one on or
    /// after a death the ledger now records: a hiding family's evidence voided by a later death
    /// record is no one found alive) and the
    /// first payroll run on or after that day with a line for the person (a supplementary run's
    /// line is paid on the supplementary run's day, not its monthly run's), through the person's
    /// index on `ledger_event` and on `payroll_line`: a few lookups per suspension.
    public func fairness(unit: String, month: Month, today: Day) async throws -> Fairness {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            let first = month.firstDay.description, next = month.next.firstDay.description
            let subtree = "SELECT code FROM unit WHERE instr(path, ?) = 1"
            let stories = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.day AS suspended, r.day AS resumed,
                      (SELECT MIN(COALESCE(ps.run_on, pr.run_on)) FROM payroll_line l JOIN payroll_run pr ON pr.month = l.run_month
                        LEFT JOIN payroll_supplement ps ON ps.id = l.supplement_id
                        WHERE l.person_id = s.person_id AND r.day IS NOT NULL AND COALESCE(ps.run_on, pr.run_on) >= r.day) AS paid
                    FROM ledger_event s
                    JOIN person p ON p.id = s.person_id
                    LEFT JOIN ledger_event r ON r.id = (
                      SELECT MIN(id) FROM ledger_event WHERE person_id = s.person_id AND id > s.id AND kind IN ('resumed', 'reinstated')
                        AND (p.death_day IS NULL OR p.death_day > day))
                    WHERE s.kind = 'suspended' AND s.day >= ? AND s.day < ? AND p.unit_code IN (\(subtree))
                    """, arguments: [first, next, path]
            ).map { row in
                Fairness.Suspension(
                    suspended: Day(row["suspended"] as String)!, resumed: (row["resumed"] as String?).flatMap(Day.init),
                    paid: (row["paid"] as String?).flatMap(Day.init))
            }
            let appealRow = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS filed, COALESCE(SUM(status = 'upheld'), 0) AS upheld,
                      COALESCE(SUM((status = 'open' AND due_on < ?) OR (resolved_on IS NOT NULL AND resolved_on > due_on)), 0) AS overdue
                    FROM appeal WHERE filed_on >= ? AND filed_on < ? AND unit_code IN (\(subtree))
                    """, arguments: [today.description, first, next, path])
            let appeals = Fairness.Appeals(
                filed: appealRow?["filed"] ?? 0, upheld: appealRow?["upheld"] ?? 0, overdue: appealRow?["overdue"] ?? 0)
            var notices: [String: Fairness.Notices] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT o.channel, o.state, COUNT(*) AS n FROM outbox o JOIN person p ON p.id = o.person_id
                    WHERE o.created_on >= ? AND o.created_on < ? AND p.unit_code IN (\(subtree))
                    GROUP BY o.channel, o.state
                    """, arguments: [first, next, path])
            {
                let channel: String = row["channel"], n: Int = row["n"]
                switch row["state"] as String {
                case "delivered": notices[channel, default: .init()].delivered += n
                case "dead": notices[channel, default: .init()].failed += n
                default: notices[channel, default: .init()].pending += n
                }
            }
            return Fairness(suspensions: stories, appeals: appeals, notices: notices)
        }
    }
}
