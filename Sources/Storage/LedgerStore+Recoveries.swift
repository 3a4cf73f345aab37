import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// On a death recorded for `person` on `death`: one case claiming every month stored runs paid
    /// after the month of death that no other live case claims. A month paid 0 yuan (a person whose
    /// amount is 0) was not overpaid and is not claimed. Called by ``record(_:person:evidence:actor:at:_:)``,
    /// in the transaction that records the death.
    static func claimPaidAfterDeath(_ person: String, death: Day, actor: String, at now: String, _ db: Database) throws {
        let lines = try Row.fetchAll(
            db,
            sql: """
                SELECT l.id, l.run_month, l.for_month, l.amount_fen FROM payroll_line l
                WHERE l.person_id = ? AND l.for_month > ? AND l.amount_fen > 0
                  AND NOT EXISTS (SELECT 1 FROM recovery_line c JOIN recovery r ON r.id = c.recovery_id
                                  WHERE c.line_id = l.id AND r.status != 'cancelled')
                ORDER BY l.for_month
                """, arguments: [person, Month(death).description])
        guard !lines.isEmpty else { return }
        let months = lines.map { $0["for_month"] as String }
        let runs = Set(lines.map { $0["run_month"] as String }).sorted()
        let amount = lines.reduce(0) { $0 + ($1["amount_fen"] as Int) }
        try db.execute(
            sql: """
                INSERT INTO recovery (person_id, unit_code, death_day, months, runs, amount_fen, cause, status, opened_at, opened_by)
                SELECT id, unit_code, ?, ?, ?, ?, ?, 'open', ?, ? FROM person WHERE id = ?
                """,
            arguments: [
                death.description, months.joined(separator: ","), runs.joined(separator: ","), amount,
                "death on \(death) recorded; \(months.count) month(s) after it were paid by the run(s) of \(runs.joined(separator: ", "))",
                now, actor, person,
            ])
        let id = db.lastInsertedRowID
        for line in lines {
            try db.execute(sql: "INSERT INTO recovery_line (recovery_id, line_id) VALUES (?, ?)", arguments: [id, line["id"] as Int64])
        }
    }

    /// On a reversed death: the person's open cases are cancelled (nothing was overpaid).
    static func cancelRecoveries(_ person: String, on day: Day, actor: String, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE recovery SET status = 'cancelled', closed_on = ?, closed_by = ?,
                  close_reason = 'the death was reversed by two operators: the months were owed'
                WHERE person_id = ? AND status = 'open'
                """, arguments: [day.description, actor, person])
    }

    /// Recovery cases of the persons who live in the unit's subtree now (a case goes with its
    /// person; `unit_code` keeps the unit they had when it opened), of one status or all, oldest first.
    public func recoveries(unit: String, status: Recovery.Status? = nil) async throws -> [Recovery] {
        try await recoveries(unit: unit, status: status, after: 0, limit: nil)
    }

    /// The same, a page at a time by case id: the cases with an id after `after`, at most `limit`
    /// (all when nil). A download pages through them (each page its own read).
    public func recoveries(unit: String, status: Recovery.Status? = nil, after: Int64, limit: Int?) async throws -> [Recovery] {
        try await read(lean: limit != nil) { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            var sql = """
                SELECT r.*, p.name FROM recovery r JOIN person p ON p.id = r.person_id
                WHERE p.unit_code IN (SELECT code FROM unit WHERE substr(path, 1, length(?)) = ?)
                """
            var arguments: StatementArguments = [path, path, after]
            sql += " AND r.id > ?"
            if let status {
                sql += " AND r.status = ?"
                arguments += [status.rawValue]
            }
            sql += " ORDER BY r.id"
            if let limit {
                sql += " LIMIT ?"
                arguments += [limit]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.recovery)
        }
    }

    /// One case, or nil.
    public func recovery(_ id: Int64) async throws -> Recovery? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT r.*, p.name FROM recovery r JOIN person p ON p.id = r.person_id WHERE r.id = ?", arguments: [id]
            )
            .map(Self.recovery)
        }
    }

    /// Closes an open case as `recovered` or `waived` on `day`, by `actor`, with a reason; within
    /// `scope` (a unit path prefix) when given, by the person's unit now.
    @discardableResult
    public func closeRecovery(_ id: Int64, as status: Recovery.Status, reason: String, by actor: String, on day: Day, scope: String? = nil)
        async throws -> Recovery
    {
        guard status == .recovered || status == .waived else {
            throw LedgerError(.invalidDecision, "a case is closed as recovered or waived (a reversed death cancels it)")
        }
        let reason = try DeferralRules.reason(reason)
        try ActorID.requireNamed(actor, to: "close a recovery case")
        return try await write { db in
            try Self.checkUnchanged("recovery", key: id, db)
            guard
                let row = try Row.fetchOne(
                    db,
                    sql:
                        "SELECT r.*, p.name, u.path FROM recovery r JOIN person p ON p.id = r.person_id JOIN unit u ON u.code = p.unit_code WHERE r.id = ?",
                    arguments: [id]),
                scope.map({ (row["path"] as String).hasPrefix($0) }) ?? true
            else { throw LedgerError(.unknownRecovery, "no recovery case \(id) in your unit") }
            guard row["status"] as String == Recovery.Status.open.rawValue else {
                throw LedgerError(
                    .recoveryClosed, "recovery case \(id) is already \(row["status"] as String) (\(row["close_reason"] as String? ?? ""))")
            }
            try db.execute(
                sql: "UPDATE recovery SET status = ?, closed_on = ?, closed_by = ?, close_reason = ? WHERE id = ?",
                arguments: [status.rawValue, day.description, actor, reason, id])
            var closed = Self.recovery(row)
            closed.status = status
            closed.closedOn = day
            closed.closedBy = actor
            closed.closeReason = reason
            return closed
        }
    }

    /// Totals by status over the persons who live in the unit's subtree now.
    static func recoveryTotals(path: String, _ db: Database) throws -> RecoveryTotals {
        var totals = RecoveryTotals()
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT r.status, COUNT(*) AS n, SUM(r.amount_fen) AS fen FROM recovery r JOIN person p ON p.id = r.person_id
                WHERE p.unit_code IN (SELECT code FROM unit WHERE substr(path, 1, length(?)) = ?) GROUP BY r.status
                """, arguments: [path, path])
        {
            let n: Int = row["n"], fen: Int = row["fen"]
            switch Recovery.Status(rawValue: row["status"]) {
            case .open: (totals.open, totals.openFen) = (n, fen)
            case .recovered: (totals.recovered, totals.recoveredFen) = (n, fen)
            case .waived: (totals.waived, totals.waivedFen) = (n, fen)
            case .cancelled, nil: break
            }
        }
        return totals
    }

    static func recovery(_ row: Row) -> Recovery {
        func months(_ text: String) -> [Month] { text.split(separator: ",").compactMap { Month(String($0)) } }
        return Recovery(
            id: row["id"], personID: row["person_id"], name: row["name"], unitCode: row["unit_code"],
            deathDay: Day(row["death_day"] as String)!, months: months(row["months"]), runs: months(row["runs"]),
            amountFen: row["amount_fen"], cause: row["cause"], status: Recovery.Status(rawValue: row["status"]) ?? .open,
            openedAt: row["opened_at"], openedBy: row["opened_by"], closedOn: (row["closed_on"] as String?).flatMap(Day.init),
            closedBy: row["closed_by"], closeReason: row["close_reason"])
    }
}
