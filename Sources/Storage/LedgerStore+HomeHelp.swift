import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// The actor an overdue task's escalation is recorded by.
    static let overdueActor = "rule:task_overdue"

    /// The sweep's escalation of overdue tasks on `day` (``LedgerRules/HomeHelp``): an open task
    /// `escalate_street_after_days` past its due day goes to the street office over the person's
    /// community, and `escalate_district_after_days` after that (or after an unanswered field
    /// check's escalation to the street) to the district: `escalated_to` and `escalated_on` say
    /// where and since when, the worklists of the street and district show it (their subtree's
    /// tasks) and so does `alerts` (kind `overdue`). Each step is recorded as an `escalated`
    /// ledger event with the cause, the rules version and the actor `rule:task_overdue`. Open
    /// tasks opened before due days get theirs first. Returns how many steps were taken.
    func escalateOverdueTasks(on day: Day, now: String, _ db: Database) throws -> Int {
        let help = rules.home_help
        // Open tasks of before v30 get their due day from when they opened.
        for row in try Row.fetchAll(db, sql: "SELECT id, kind, created_on FROM task WHERE status = 'open' AND due_on IS NULL") {
            guard let opened = Day(row["created_on"] as String) else { continue }
            try db.execute(
                sql: "UPDATE task SET due_on = ? WHERE id = ?",
                arguments: [opened.adding(days: help.dueDays(row["kind"])).description, row["id"] as Int64])
        }
        let streetBy = day.adding(days: -help.escalate_street_after_days).description
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT t.id, t.person_id, t.kind, t.due_on, t.escalated_to, t.escalated_on, u.level AS level,
                    c.parent_code AS street, s.parent_code AS district
                FROM task t JOIN person p ON p.id = t.person_id
                    JOIN unit c ON c.code = p.unit_code LEFT JOIN unit s ON s.code = c.parent_code
                    LEFT JOIN unit u ON u.code = t.escalated_to
                WHERE t.status = 'open' AND t.due_on <= ? ORDER BY t.id
                """, arguments: [streetBy])
        var steps = 0
        for row in rows {
            let id: Int64 = row["id"], kind: String = row["kind"], due = Day(row["due_on"] as String)!
            let escalatedTo: String? = row["escalated_to"], level: String? = row["level"]
            let target: (unit: String, level: String)
            if escalatedTo == nil, let street: String = row["street"] {
                target = (street, "street")
            } else if escalatedTo != nil, level == "street", let district: String = row["district"] {
                // From the street, `escalate_district_after_days` after it got there (an unanswered
                // field check's escalation has no day: counted from when the street's turn came).
                let since =
                    (row["escalated_on"] as String?).flatMap(Day.init) ?? due.adding(days: help.escalate_street_after_days)
                guard since.adding(days: help.escalate_district_after_days) <= day else { continue }
                target = (district, "district")
            } else {
                continue
            }
            try db.execute(
                sql: "UPDATE task SET escalated_to = ?, escalated_on = ? WHERE id = ?", arguments: [target.unit, day.description, id])
            let cause =
                "\(kind) task \(id) due \(due) still open \(due.days(to: day)) days later: escalated to the \(target.level) \(target.unit)"
            try Self.record(
                [LedgerChange(kind: .escalated, day: day, cause: cause)], person: row["person_id"], evidence: nil, actor: Self.overdueActor,
                at: now, rules: self.rulesVersion, db)
            steps += 1
        }
        return steps
    }
}
