import Foundation
import GRDB
import Ledger

/// Each unit's monthly figures, stored: a month is computed for every unit at once (a few grouped
/// scans, then summed up the unit tree), by the daily sweep, and read back by primary key. The
/// live ``stats(unit:month:)`` (a dozen counts over one subtree, seconds for a city) stays the
/// reference they must equal.
///
/// History can change a month after it is over (a death reported months late, late evidence, a
/// person moved to another unit): triggers of migration v16 raise the `version` of every stored
/// month such a write can touch, and figures computed at an older version are stale. The next
/// sweep recomputes them; until then they are served, flagged `stale`, for at most
/// ``staleFiguresKept``, after which a read recomputes them.
extension LedgerStore {
    /// Stale figures are served as they are for this long (seconds) after they were computed;
    /// past it, a read recomputes the month. Bounds both how old a figure can be and how often
    /// writes can make reads recompute.
    public static let staleFiguresKept: TimeInterval = 600

    /// The stored figures of `units` for `months` (in that order), with today's recovery totals.
    /// A month never computed, or stale for longer than ``staleFiguresKept``, is computed first
    /// (every unit at once) and stored. An unknown unit is ``LedgerError/Code/unknownUnit``.
    public func monthlyStats(units: [String], months: [Month], now: Date = Date()) async throws -> [String: [MonthlyStats]] {
        let keys = months.map(\.description)
        let due = try await read { db in
            var due: [String] = []
            for key in Set(keys) {
                let state = try Row.fetchOne(
                    db, sql: "SELECT version, computed_version, computed_at FROM unit_month_stats_state WHERE month = ?", arguments: [key])
                guard let state, let computed = state["computed_version"] as Int?, let at = state["computed_at"] as String? else {
                    due.append(key)
                    continue
                }
                let age = now.timeIntervalSince(ISO8601DateFormatter().date(from: at) ?? .distantPast)
                if computed != state["version"] as Int, age > Self.staleFiguresKept { due.append(key) }
            }
            return due
        }
        try await refreshMonthlyStats(due.sorted().compactMap(Month.init), now: now)
        if let stored = try await storedStats(units: units, keys: keys) { return stored }
        // A unit added since the figures were computed: its months are stale, and computed now.
        try await refreshMonthlyStats(Set(keys).subtracting(due).sorted().compactMap(Month.init), now: now)
        guard let stored = try await storedStats(units: units, keys: keys) else {
            throw StorageError(.databaseFault, "monthly figures missing after they were computed")
        }
        return stored
    }

    /// The stored rows, nil when a unit has none for one of the months.
    private func storedStats(units: [String], keys: [String]) async throws -> [String: [MonthlyStats]]? {
        try await read { db in
            var result: [String: [MonthlyStats]] = [:]
            for unit in units {
                guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
                let recoveries = try Self.recoveryTotals(path: path, db)
                var series: [MonthlyStats] = []
                for key in keys {
                    guard
                        let row = try Row.fetchOne(
                            db,
                            sql: """
                                SELECT s.*, t.version, t.computed_version, t.computed_at FROM unit_month_stats s
                                JOIN unit_month_stats_state t ON t.month = s.month WHERE s.month = ? AND s.unit_code = ?
                                """, arguments: [key, unit])
                    else { return nil }
                    let byClass = try JSONDecoder().decode([String: Int].self, from: Data((row["certified_by_class"] as String).utf8))
                    let counts = MonthCounts(
                        persons: row["persons"], silent: row["silent"], reminded: row["reminded"], fieldChecks: row["field_checks"],
                        suspensions: row["suspensions"], strong: row["strong"], certifiedByClass: byClass)
                    series.append(
                        MonthlyStats(
                            stats: UnitStats(unit: unit, month: Month(key)!, counts: counts, recoveries: recoveries),
                            computedAt: row["computed_at"], stale: row["version"] as Int != row["computed_version"] as Int))
                }
                result[unit] = series
            }
            return result
        }
    }

    /// Computes `month` for every unit and stores it. The month's version is read in the same
    /// snapshot as the history it is computed from, so a write that lands meanwhile leaves the
    /// stored figures stale (to be recomputed) rather than wrongly current; an older computation
    /// finishing after a newer one stores nothing.
    public func refreshMonthlyStats(_ month: Month, now: Date = Date()) async throws {
        try await refreshMonthlyStats([month], now: now)
    }

    /// Computes `months` for every unit, all in one snapshot (one scan of the persons serves every
    /// month: a city's first sweep computes twelve), and stores each as
    /// ``refreshMonthlyStats(_:now:)`` does.
    func refreshMonthlyStats(_ months: [Month], now: Date) async throws {
        guard !months.isEmpty else { return }
        let keys = months.map(\.description)
        try await write { db in
            for key in keys { try db.execute(sql: "INSERT OR IGNORE INTO unit_month_stats_state (month) VALUES (?)", arguments: [key]) }
        }
        let computed = try await read { db in
            let persons = try Self.personsByMonth(db)
            return try months.map { month in
                let version =
                    try Int.fetchOne(db, sql: "SELECT version FROM unit_month_stats_state WHERE month = ?", arguments: [month.description])
                    ?? 1
                return (key: month.description, version: version, counts: try Self.monthCounts(month, persons: persons, db))
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let at = ISO8601DateFormatter().string(from: now)
        for (key, version, counts) in computed {
            let rows = try counts.sorted { $0.key < $1.key }.map { unit, c in
                (unit, c, String(decoding: try encoder.encode(c.certifiedByClass), as: UTF8.self))
            }
            try await write { db in
                let stored = try Int.fetchOne(
                    db, sql: "SELECT computed_version FROM unit_month_stats_state WHERE month = ?", arguments: [key])
                if let stored, stored > version { return }
                try db.execute(sql: "DELETE FROM unit_month_stats WHERE month = ?", arguments: [key])
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO unit_month_stats (month, unit_code, persons, silent, reminded, field_checks, suspensions, strong, certified_by_class)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for (unit, c, byClass) in rows {
                    try insert.execute(arguments: [
                        key, unit, c.persons, c.silent, c.reminded, c.fieldChecks, c.suspensions, c.strong, byClass,
                    ])
                }
                try db.execute(
                    sql: "UPDATE unit_month_stats_state SET computed_version = ?, computed_at = ? WHERE month = ?",
                    arguments: [version, at, key])
            }
        }
    }

    /// After a day's sweep: recomputes every stored month up to `month` that history changed since
    /// it was computed, and computes those of the twelve months ending with `month` (the console's
    /// series) never computed yet. `month`, the sweep day's, is thus recomputed every day. Returns
    /// the months computed.
    @discardableResult
    public func refreshMonthlyStats(through month: Month, now: Date = Date()) async throws -> [Month] {
        let states = try await read { db in
            try Row.fetchAll(db, sql: "SELECT month, version, computed_version FROM unit_month_stats_state").map {
                (month: $0["month"] as String, current: ($0["computed_version"] as Int?) == ($0["version"] as Int))
            }
        }
        let current = Set(states.filter(\.current).map(\.month))
        var due = Set(states.filter { !$0.current }.compactMap { Month($0.month) }.filter { $0 <= month })
        for back in 0..<ThreeForms.windowMonths {
            let earlier = Month(month.firstDay.adding(months: -back))
            if !current.contains(earlier.description) { due.insert(earlier) }
        }
        try await refreshMonthlyStats(due.sorted(), now: now)
        return due.sorted()
    }

    /// The persons by unit, month of entry and month of death (none: nil), counted in one scan of
    /// the person table: who is on the roll in a month (entered before its end, not dead before
    /// its end) for any number of months. Days are stored `YYYY-MM-DD`, so comparing a day with a
    /// month's end is comparing its month with the month.
    static func personsByMonth(_ db: Database) throws -> [(unit: String, entered: String, died: String?, count: Int)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT unit_code, substr(enrolled_on, 1, 7), substr(death_day, 1, 7), COUNT(*)
                FROM person NOT INDEXED GROUP BY 1, 2, 3
                """
        ).map { ($0[0], $0[1], $0[2], $0[3]) }
    }

    /// `month`'s counts for every unit, over its subtree: each count grouped by the persons' own
    /// units, then added up to every unit whose path is a prefix (the subtree rule of the live
    /// computation). The definitions are ``stats(unit:month:)``'s, one for one. `persons` is
    /// ``personsByMonth(_:)`` of the same snapshot. The silent share's count is driven by the
    /// persons certified in its window (each looked up by id), not by a pass over everyone.
    static func monthCounts(
        _ month: Month, persons: [(unit: String, entered: String, died: String?, count: Int)], _ db: Database
    ) throws -> [String: MonthCounts] {
        let range: StatementArguments = [
            "first": month.firstDay.description, "next": month.next.firstDay.description,
            "yearStart": month.firstDay.adding(months: -(ThreeForms.windowMonths - 1)).description,
        ]
        let contactEvents = ThreeForms.contactEvents.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let contactTasks = ThreeForms.contactTasks.map { "'\($0)'" }.joined(separator: ", ")
        let alive = "p.enrolled_on < :next AND (p.death_day IS NULL OR p.death_day >= :next)"
        var own: [String: MonthCounts] = [:]
        func each(_ sql: String, _ apply: (inout MonthCounts, Row) -> Void) throws {
            let rows = try Row.fetchCursor(db, sql: sql, arguments: range)
            while let row = try rows.next() { apply(&own[row["unit_code"], default: MonthCounts()], row) }
        }
        let key = month.description
        for group in persons where group.entered <= key && (group.died.map { $0 > key } ?? true) {
            own[group.unit, default: MonthCounts()].persons += group.count
        }
        try each(
            """
            SELECT p.unit_code, COUNT(*) AS silent FROM person p
            WHERE p.id IN (SELECT person_id FROM ledger_event WHERE kind = 'certified' AND day >= :yearStart AND day < :next)
              AND p.id NOT IN (SELECT person_id FROM ledger_event WHERE kind IN (\(contactEvents)) AND day >= :yearStart AND day < :next
                               UNION ALL
                               SELECT person_id FROM task WHERE kind IN (\(contactTasks)) AND created_on >= :yearStart AND created_on < :next)
              AND \(alive)
            GROUP BY p.unit_code
            """
        ) { c, row in c.silent = row["silent"] }
        try each(
            """
            SELECT p.unit_code, COUNT(*) AS n
            FROM (SELECT DISTINCT person_id FROM ledger_event WHERE kind = 'warning' AND day >= :first AND day < :next) w
            JOIN person p ON p.id = w.person_id GROUP BY p.unit_code
            """
        ) { c, row in c.reminded = row["n"] }
        try each(
            """
            SELECT p.unit_code, COUNT(*) AS n FROM task t JOIN person p ON p.id = t.person_id
            WHERE t.kind = 'field_check' AND t.created_on >= :first AND t.created_on < :next GROUP BY p.unit_code
            """
        ) { c, row in c.fieldChecks = row["n"] }
        try each(
            """
            SELECT p.unit_code, COUNT(*) AS n FROM ledger_event e JOIN person p ON p.id = e.person_id
            WHERE e.kind = 'suspended' AND e.day >= :first AND e.day < :next GROUP BY p.unit_code
            """
        ) { c, row in c.suspensions = row["n"] }
        try each(
            """
            SELECT p.unit_code, COALESCE(v.class, 'unknown') AS class, COUNT(*) AS n
            FROM ledger_event e LEFT JOIN evidence v ON v.id = e.evidence_id JOIN person p ON p.id = e.person_id
            WHERE e.kind = 'certified' AND e.day >= :first AND e.day < :next GROUP BY p.unit_code, 2
            """
        ) { c, row in c.certifiedByClass[row["class"]] = row["n"] }
        try each(
            """
            SELECT p.unit_code, COUNT(*) AS n
            FROM (SELECT person_id, MAX(id) AS id FROM ledger_event WHERE kind = 'certified' AND day < :next GROUP BY person_id) latest
            JOIN ledger_event e ON e.id = latest.id JOIN evidence v ON v.id = e.evidence_id
            JOIN person p ON p.id = latest.person_id
            WHERE v.class = 'strong' AND \(alive) GROUP BY p.unit_code
            """
        ) { c, row in c.strong = row["n"] }
        // Up the tree: a unit's subtree is every unit whose path its path begins.
        var byPath: [String: String] = [:]
        var paths: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT code, path FROM unit") {
            byPath[row["path"]] = row["code"]
            paths[row["code"]] = row["path"]
        }
        var total = Dictionary(uniqueKeysWithValues: paths.keys.map { ($0, MonthCounts()) })
        for (unit, counts) in own {
            guard let path = paths[unit] else { continue }
            var prefix = ""
            for part in path.split(separator: "/", omittingEmptySubsequences: false).dropLast() {
                prefix += part + "/"
                if let code = byPath[prefix] { total[code]?.add(counts) }
            }
        }
        return total
    }
}

extension UnitStats {
    /// The shares of `counts`, divided one way for the live and the stored figures.
    init(unit: String, month: Month, counts c: MonthCounts, recoveries: RecoveryTotals) {
        let denominator = Double(max(c.persons, 1))
        self.init(
            unit: unit, month: month, persons: c.persons, silentShare: c.persons == 0 ? 0 : Double(c.silent) / denominator,
            remindedShare: Double(c.reminded) / denominator, fieldChecks: c.fieldChecks, suspensions: c.suspensions,
            certifiedByClass: c.certifiedByClass, strongShare: Double(c.strong) / denominator, recoveries: recoveries)
    }
}
