import Foundation
import GRDB
import Ledger
import Synchronization

extension LedgerStore {
    /// Runs the payroll of `month` on `day`: every owed month not yet paid in a stored run
    /// (``Payroll``), read from the ledger as it stands, stored with the run in one transaction.
    /// Refused for a month already run, a month not yet begun, or a month before the latest run
    /// (its unpaid months are the next run's back pay): ``Payroll/admit(run:on:after:)``; and
    /// while the latest check of the audit chain found tampering (``checkChainUntampered(_:)``).
    public func runPayroll(month: Month, on day: Day, by actor: String) async throws -> PayrollRun {
        let now = Self.timestamp()
        return try await write { db in
            let marks = try ChainSeal.marks(db)
            try Self.checkChainUntampered(db)
            let done = try Row.fetchOne(db, sql: "SELECT run_on, actor FROM payroll_run WHERE month = ?", arguments: [month.description])
            let bounds = try Row.fetchOne(db, sql: "SELECT MIN(month) AS first, MAX(month) AS last FROM payroll_run")
            let epoch = try Payroll.admit(
                run: month, on: day,
                after: Payroll.RunHistory(
                    first: (bounds?["first"] as String?).flatMap(Month.init), latest: (bounds?["last"] as String?).flatMap(Month.init),
                    sameMonth: done.map { Payroll.RunHistory.StoredRun(runOn: Day($0["run_on"] as String)!, actor: $0["actor"]) }))
            var run = PayrollRun(month: month, runOn: day, actor: actor, at: now, lines: 0, persons: 0, totalFen: 0, backPayLines: 0)
            try self.payLines(run: month, epoch: epoch, db) { payment, fen in
                run.lines += 1
                run.totalFen += fen
                if payment.kind == .backPay { run.backPayLines += 1 }
            } person: {
                run.persons += 1
            }
            // The head the run records covers its own lines: they are sealed first.
            try ChainSeal.seal(db, since: marks)
            let head = try Self.chainHead(db)
            run.chainHead = head
            try db.execute(
                sql: """
                    INSERT INTO payroll_run (month, run_on, actor, at, lines, persons, total_fen, back_pay_lines, chain_seq, chain_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    month.description, day.description, actor, now, run.lines, run.persons, run.totalFen, run.backPayLines, head.seq,
                    head.hash,
                ])
            return run
        }
    }

    /// Walks every person not deceased with the months stored runs paid them and inserts the
    /// lines ``Payroll/payments(_:run:paid:)`` owes them, each at the amount in force for its month
    /// (``BenefitAmounts/inForce(_:_:)``).
    private func payLines(
        run: Month, epoch: Month, _ db: Database, line: (Payroll.Payment, Int) -> Void, person: () -> Void
    ) throws {
        // The amount histories of the persons whose amount was ever changed (few: a row a decision);
        // everyone else is paid the one amount on their record.
        let histories = try Self.amountHistories(db)
        var held: [String: Day] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT person_id, requested_on FROM decision WHERE kind = 'hold' AND status = 'in_force'") {
            held[row["person_id"]] = Day(row["requested_on"] as String)
        }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO payroll_line (run_month, person_id, unit_code, for_month, kind, amount_fen, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT p.id, p.unit_code, p.monthly_amount_fen, p.enrolled_on, \(Self.ledgerColumns(of: "p")),
                  (SELECT group_concat(l.for_month) FROM payroll_line l WHERE l.person_id = p.id) AS paid
                FROM person p WHERE p.status != 'deceased' ORDER BY p.id
                """)
        while let row = try rows.next() {
            let id: String = row[0]
            let ledger = Self.ledger(row, at: 4)
            let enrolled = Day(row[3] as String) ?? run.firstDay
            let standing = Payroll.Standing(
                status: ledger.status, suspendedOn: ledger.suspendedOn, deathDay: ledger.deathDay, heldSince: held[id],
                firstMonth: max(epoch, Month(enrolled)))
            let paid = Set(((row["paid"] as String?) ?? "").split(separator: ",").compactMap { Month(String($0)) })
            let payments = Payroll.payments(standing, run: run, paid: paid)
            guard !payments.isEmpty else { continue }
            // Each month at the amount in force for it (a change from March pays February's back
            // pay at the old amount); the record's amount only for a person with no history.
            let history = histories[id] ?? []
            for payment in payments {
                let amount = BenefitAmounts.inForce(payment.month, history) ?? (row[2] as Int)
                let reason = Payroll.reason(payment, deadline: ledger.deadline, lastCertified: ledger.lastCertified)
                try insert.execute(arguments: [
                    run.description, id, row[1] as String, payment.month.description, payment.kind.rawValue, amount, reason,
                ])
                line(payment, amount)
            }
            person()
        }
    }

    /// The stored runs, latest first.
    public func payrollRuns() async throws -> [PayrollRun] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM payroll_run ORDER BY month DESC").map(Self.run)
        }
    }

    /// One stored run, or nil.
    public func payrollRun(_ month: Month) async throws -> PayrollRun? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM payroll_run WHERE month = ?", arguments: [month.description]).map(Self.run)
        }
    }

    static func run(_ row: Row) -> PayrollRun {
        var run = PayrollRun(
            month: Month(row["month"] as String)!, runOn: Day(row["run_on"] as String)!, actor: row["actor"], at: row["at"],
            lines: row["lines"], persons: row["persons"], totalFen: row["total_fen"], backPayLines: row["back_pay_lines"])
        run.chainHead = (row["chain_seq"] as Int64?).map { AuditChain.Head(seq: $0, hash: row["chain_hash"]) }
        return run
    }

    /// The lines of the stored run of `month` in the unit's subtree (by the unit each person had
    /// when paid), in line order (a supplementary run's lines are its own: ``supplementLines(_:)``), handed to `each` in bounded memory; `after` and `limit` page.
    /// Throws `unknown_payroll_run` when the month was not run.
    public func payrollLines(
        month: Month, unit: String?, after: Int64 = 0, limit: Int? = nil, each: @escaping @Sendable (PayrollLine) -> Void
    ) async throws {
        // A page of a download reads lean (a whole run's pages would otherwise stay in the reader).
        try await read(lean: limit != nil) { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM payroll_run WHERE month = ?", arguments: [month.description]) != nil else {
                throw LedgerError(.unknownPayrollRun, "no payroll was run for \(month): `fastcert payroll list` shows the runs")
            }
            var filter = ""
            var arguments: StatementArguments = [month.description, after]
            // The whole city walks the lines in id order from `after` (a page reads its rows and
            // stops); a unit's subtree reads them through the (run, unit) index and sorts, which for
            // the city sorted the run's remaining lines on every page (a 2,000,000-line download
            // took minutes of CPU, quadratic in the pages).
            var walk = "NOT INDEXED"
            if let unit {
                guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
                filter = "AND l.unit_code IN (SELECT code FROM unit WHERE substr(path, 1, length(?)) = ?)"
                arguments += [path, path]
                if try Bool.fetchOne(db, sql: "SELECT parent_code IS NOT NULL FROM unit WHERE code = ?", arguments: [unit]) == true {
                    walk = ""
                }
            }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT l.id, l.person_id, p.name, l.unit_code, l.for_month, l.kind, l.amount_fen, l.reason
                    FROM payroll_line l \(walk) JOIN person p ON p.id = l.person_id
                    WHERE l.run_month = ? AND l.id > ? AND l.supplement_id IS NULL \(filter) ORDER BY l.id \(limit.map { "LIMIT \($0)" } ?? "")
                    """, arguments: arguments)
            while let row = try rows.next() {
                each(
                    PayrollLine(
                        id: row["id"], runMonth: month, personID: row["person_id"], name: row["name"], unitCode: row["unit_code"],
                        forMonth: Month(row["for_month"] as String)!, kind: Payroll.Payment.Kind(rawValue: row["kind"]) ?? .regular,
                        amountFen: row["amount_fen"], reason: row["reason"]))
            }
        }
    }

    /// The same, collected (tests, small units, a page of the route).
    public func payrollLines(month: Month, unit: String? = nil, after: Int64 = 0, limit: Int? = nil) async throws -> [PayrollLine] {
        let lines = Collected<PayrollLine>()
        try await payrollLines(month: month, unit: unit, after: after, limit: limit) { lines.append($0) }
        return lines.all
    }

    /// Every month a person was paid, by stored run: (month paid, run, fen), in month order.
    public func payments(of person: String) async throws -> [(forMonth: Month, run: Month, fen: Int)] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT for_month, run_month, amount_fen FROM payroll_line WHERE person_id = ? ORDER BY for_month",
                arguments: [person]
            ).map { (Month($0["for_month"] as String)!, Month($0["run_month"] as String)!, $0["amount_fen"] as Int) }
        }
    }
}

/// Collects what a streaming call hands out (for callers that want it all).
final class Collected<Element: Sendable>: Sendable {
    private let elements = Mutex<[Element]>([])
    func append(_ element: Element) { elements.withLock { $0.append(element) } }
    var all: [Element] { elements.withLock { $0 } }
}
