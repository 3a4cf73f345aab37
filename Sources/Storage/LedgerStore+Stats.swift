import GRDB
import Ledger

extension LedgerStore {
    /// The figures computed from the ledger now, by a dozen counts over the unit's subtree
    /// (seconds for a city): the reference for ``monthlyStats(units:months:now:)``, which serves
    /// them stored. `fastcert stats --live` and the tests call it.
    public func stats(unit: String, month: Month) async throws -> UnitStats {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            let first = month.firstDay.description, next = month.next.firstDay.description
            let yearStart = month.firstDay.adding(months: -(ThreeForms.windowMonths - 1)).description
            let contactEvents = ThreeForms.contactEvents.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            let contactTasks = ThreeForms.contactTasks.map { "'\($0)'" }.joined(separator: ", ")
            let within = "person_id IN (SELECT id FROM person WHERE unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1))"
            let persons =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM person WHERE unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1)
                        AND enrolled_on < ? AND (death_day IS NULL OR death_day >= ?)
                        """, arguments: [path, next, next]) ?? 0
            func count(_ sql: String, _ arguments: StatementArguments) throws -> Int {
                try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
            }
            // Silent (``ThreeForms``, the simulator's definition too): certified in the twelve months,
            // with no reminder, no field check, no visit or call, and no suspension in them.
            let silent = try count(
                """
                SELECT COUNT(*) FROM person p WHERE p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1)
                  AND p.enrolled_on < ? AND (p.death_day IS NULL OR p.death_day >= ?)
                  AND EXISTS (SELECT 1 FROM ledger_event e WHERE e.person_id = p.id AND e.kind = 'certified' AND e.day >= ? AND e.day < ?)
                  AND NOT EXISTS (SELECT 1 FROM ledger_event e WHERE e.person_id = p.id
                                    AND e.kind IN (\(contactEvents)) AND e.day >= ? AND e.day < ?)
                  AND NOT EXISTS (SELECT 1 FROM task t WHERE t.person_id = p.id
                                    AND t.kind IN (\(contactTasks)) AND t.created_on >= ? AND t.created_on < ?)
                """, [path, next, next, yearStart, next, yearStart, next, yearStart, next])
            let reminded = try count(
                "SELECT COUNT(DISTINCT person_id) FROM ledger_event WHERE kind = 'warning' AND day >= ? AND day < ? AND \(within)",
                [first, next, path])
            let fieldChecks = try count(
                "SELECT COUNT(*) FROM task WHERE kind = 'field_check' AND created_on >= ? AND created_on < ? AND \(within)",
                [first, next, path])
            let suspensions = try count(
                "SELECT COUNT(*) FROM ledger_event WHERE kind = 'suspended' AND day >= ? AND day < ? AND \(within)", [first, next, path])
            let byClass = try Self.certificationsByClass(path: path, from: month.firstDay, until: month.next.firstDay, db)
            let recoveries = try Self.recoveryTotals(path: path, db)
            let strong = try count(
                """
                SELECT COUNT(*) FROM person p
                JOIN ledger_event e ON e.id = (SELECT MAX(id) FROM ledger_event WHERE person_id = p.id AND kind = 'certified' AND day < ?)
                JOIN evidence v ON v.id = e.evidence_id
                WHERE p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1)
                  AND p.enrolled_on < ? AND (p.death_day IS NULL OR p.death_day >= ?)
                  AND v.class = 'strong'
                """, [next, path, next, next])
            return UnitStats(
                unit: unit, month: month,
                counts: MonthCounts(
                    persons: persons, silent: silent, reminded: reminded, fieldChecks: fieldChecks, suspensions: suspensions,
                    strong: strong, certifiedByClass: byClass), recoveries: recoveries)
        }
    }

    /// Certifications from `from` up to (not including) `until` in the unit's subtree, by the class
    /// of the evidence behind each (`reference` covers the behaviour model).
    public func certificationsByClass(unit: String, from: Day, until: Day) async throws -> [String: Int] {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            return try Self.certificationsByClass(path: path, from: from, until: until, db)
        }
    }

    static func certificationsByClass(path: String, from: Day, until: Day, _ db: Database) throws -> [String: Int] {
        var byClass: [String: Int] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT COALESCE(v.class, 'unknown') AS class, COUNT(*) AS n FROM ledger_event e LEFT JOIN evidence v ON v.id = e.evidence_id
                WHERE e.kind = 'certified' AND e.day >= ? AND e.day < ?
                  AND e.person_id IN (SELECT id FROM person WHERE unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1))
                GROUP BY 1
                """, arguments: [from.description, until.description, path])
        {
            byClass[row["class"]] = row["n"]
        }
        return byClass
    }
}
