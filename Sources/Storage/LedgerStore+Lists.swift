import GRDB
import Ledger

extension LedgerStore {
    /// A unit's name and level, or nil for an unknown code (without counting anyone).
    public func unitName(_ code: String) async throws -> (name: String, level: String)? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT name, level FROM unit WHERE code = ?", arguments: [code]).map { ($0["name"], $0["level"]) }
        }
    }

    /// The codes of the units right under `code`, in path order (nothing counted: cheap).
    public func childUnits(of code: String) async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT code FROM unit WHERE parent_code = ? ORDER BY path", arguments: [code])
        }
    }

    /// The unit and every unit under it, parents before children, each with its persons counted.
    public func units(within code: String) async throws -> [UnitView] {
        try await read { db in
            guard let path = try self.unitPath(code, db) else { throw LedgerError(.unknownUnit, "no unit \(code)") }
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT u.path, COUNT(*) AS n FROM person p JOIN unit u ON u.code = p.unit_code
                    WHERE instr(u.path, ?) = 1 GROUP BY u.path
                    """, arguments: [path])
            {
                // Each community's persons count towards it and every unit above it within scope.
                let communityPath: String = row["path"], n: Int = row["n"]
                var prefix = communityPath
                while prefix.count >= path.count {
                    counts[prefix, default: 0] += n
                    guard let cut = prefix.dropLast().lastIndex(of: "/") else { break }
                    prefix = String(prefix[...cut])
                }
            }
            return try Row.fetchAll(
                db, sql: "SELECT code, name, level, parent_code, path FROM unit WHERE instr(path, ?) = 1 ORDER BY path", arguments: [path]
            ).map { row in
                UnitView(
                    code: row["code"], name: row["name"], level: row["level"], parentCode: row["parent_code"],
                    persons: counts[row["path"] as String] ?? 0)
            }
        }
    }

    /// The path of a unit, or nil.
    public func unitPath(_ code: String) async throws -> String? {
        try await read { db in try self.unitPath(code, db) }
    }

    /// Reads from the database (for readiness checks); throws when it cannot.
    public func ping() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM unit") }
    }

    func unitPath(_ code: String, _ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT path FROM unit WHERE code = ?", arguments: [code])
    }

    /// Alerts in the unit's whole subtree, of one kind or all: warnings for the current deadline,
    /// open field-check and attention tasks, suspensions, conflicts; a page of them (`offset`,
    /// `limit`: each kind's query reads no more than the page needs).
    public func alerts(unit: String, kind: Alert.Kind? = nil, offset: Int = 0, limit: Int = .max) async throws -> [Alert] {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            var alerts: [Alert] = []
            let within = "p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1)"
            func add(_ alertKind: Alert.Kind, _ sql: String) throws {
                let needed = offset.addingReportingOverflow(limit).overflow ? Int.max : offset + limit
                guard alerts.count < needed else { return }
                for row in try Row.fetchAll(db, sql: sql + " LIMIT ?", arguments: [path, needed - alerts.count]) {
                    alerts.append(
                        Alert(
                            kind: alertKind, personID: row["id"], name: row["name"], unitCode: row["unit_code"],
                            day: Day(row["day"] as String)!,
                            detail: row["detail"]))
                }
            }
            let kinds = kind.map { [$0] } ?? Alert.Kind.allCases
            for k in kinds {
                switch k {
                case .warning:
                    try add(
                        k,
                        """
                        SELECT p.id, p.name, p.unit_code, e.day, e.cause AS detail FROM person p JOIN ledger_event e
                          ON e.person_id = p.id AND e.kind = 'warning' AND e.deadline = p.deadline
                        WHERE p.status = 'active' AND \(within) ORDER BY p.deadline, p.id
                        """)
                case .fieldCheck, .attention:
                    try add(
                        k,
                        """
                        SELECT p.id, p.name, p.unit_code, t.created_on AS day, 'task ' || t.id || ': ' || t.reason AS detail
                        FROM task t JOIN person p ON p.id = t.person_id
                        WHERE t.kind = '\(k == .fieldCheck ? "field_check" : "attention")' AND t.status = 'open' AND \(within)
                        ORDER BY t.key_day, p.id
                        """)
                case .suspended:
                    try add(
                        k,
                        """
                        SELECT p.id, p.name, p.unit_code, p.suspended_on AS day, 'suspended since ' || p.suspended_on AS detail
                        FROM person p WHERE p.status = 'suspended' AND \(within) ORDER BY p.suspended_on, p.id
                        """)
                case .conflict:
                    try add(
                        k,
                        """
                        SELECT p.id, p.name, p.unit_code, e.day, e.cause AS detail FROM person p JOIN ledger_event e
                          ON e.person_id = p.id AND e.kind = 'conflict'
                        WHERE \(within) ORDER BY e.day, p.id
                        """)
                case .otherFace:
                    try add(
                        k,
                        """
                        SELECT p.id, p.name, p.unit_code, s.captured_day AS day, t.reason AS detail
                        FROM sighting s JOIN task t ON t.id = s.alarm_task_id JOIN person p ON p.id = s.person_id
                        WHERE t.status = 'open' AND \(within) ORDER BY s.captured_day, p.id
                        """)
                case .backPay:
                    // Past its due day the line says so first (a review: nothing told back pay was late).
                    let days = self.rules.data_retention.back_pay_days
                    let today = ServiceClock.today().description
                    try add(
                        k,
                        """
                        SELECT id, name, unit_code, day,
                          CASE WHEN date(day, '+\(days) day') < '\(today)' THEN 'OVERDUE since ' || date(day, '+\(days) day') || ': '
                            ELSE '' END
                          || 'back pay owed: months up to ' || month || ' unpaid, due within \(days) day(s) of this day; '
                          || 'run `fastcert payroll run --supplementary`' AS detail
                        FROM (
                          SELECT p.id, p.name, p.unit_code, r.month,
                            coalesce((SELECT max(e.day) FROM ledger_event e WHERE e.person_id = p.id
                              AND e.kind IN ('resumed', 'reinstated', 'released')), p.enrolled_on) AS day
                          FROM person p, (SELECT max(month) AS month FROM payroll_run) r
                          WHERE r.month IS NOT NULL AND p.status = 'active' AND substr(p.enrolled_on, 1, 7) <= r.month
                            AND NOT EXISTS (SELECT 1 FROM payroll_line l WHERE l.person_id = p.id AND l.for_month = r.month)
                            AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.person_id = p.id AND d.kind = 'hold' AND d.status = 'in_force')
                            AND \(within))
                        ORDER BY day, id
                        """)
                case .overdue:
                    try add(
                        k,
                        """
                        SELECT p.id, p.name, p.unit_code, t.escalated_on AS day,
                          'task ' || t.id || ' (' || t.kind || ') due ' || t.due_on || ', still open: escalated to '
                            || u.level || ' ' || t.escalated_to AS detail
                        FROM task t JOIN person p ON p.id = t.person_id JOIN unit u ON u.code = t.escalated_to
                        WHERE t.status = 'open' AND t.escalated_on IS NOT NULL AND \(within) ORDER BY t.escalated_on, t.id
                        """)
                case .deadlineHeld:
                    try add(
                        k,
                        """
                        SELECT p.id, p.name, p.unit_code, e.day, e.cause AS detail FROM person p JOIN ledger_event e
                          ON e.person_id = p.id AND e.kind = 'deadline_held' AND e.deadline = p.deadline
                        WHERE p.status = 'active' AND p.deadline < e.day AND \(within) ORDER BY e.day, p.id
                        """)
                case .appeal, .appealOverdue:
                    try add(
                        k,
                        """
                        SELECT p.id, p.name, p.unit_code, a.filed_on AS day,
                          'appeal ' || a.id || ' against the ' || a.subject || ' record, due ' || a.due_on
                            || coalesce(': overdue, escalated to ' || a.escalated_to, '')
                            || (CASE WHEN a.decision_id IS NULL THEN '' ELSE ', upheld, waiting for decision ' || a.decision_id END) AS detail
                        FROM appeal a JOIN person p ON p.id = a.person_id
                        WHERE a.status = 'open' AND a.escalated_to IS \(k == .appeal ? "NULL" : "NOT NULL") AND \(within)
                        ORDER BY a.due_on, p.id
                        """)
                case .tampering:
                    try add(
                        k,
                        """
                        SELECT coalesce(p.id, '') AS id, coalesce(p.name, '') AS name, coalesce(p.unit_code, '') AS unit_code,
                          coalesce(c.day, substr(c.checked_at, 1, 10)) AS day,
                          'audit chain: ' || c.table_name || ' row ' || c.row_key || ': ' || c.problem || ': ' || c.detail AS detail
                        FROM audit_check c LEFT JOIN person p ON p.id = c.person_id
                        WHERE c.id = (SELECT max(id) FROM (\(try Self.trustedChecks(db)))) AND c.problem IS NOT NULL
                          AND (c.person_id IS NULL OR \(within))
                        """)
                }
            }
            return Array(alerts.dropFirst(offset).prefix(limit))
        }
    }
}
