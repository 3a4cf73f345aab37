import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// The ledger event kinds payroll replays (the rest do not touch payment).
    static let payrollKinds = "'suspended', 'resumed', 'deceased', 'death_reversed', 'reinstated', 'held', 'released'"

    /// Who is payable for `month`, with back pay: each person's suspensions, resumptions and death
    /// (and operators' reversals, reinstatements and holds) dated before the month's first day, in
    /// the order they were recorded (a reversal recorded after a death is read after it, whatever
    /// the days of the evidence applied again with it), replayed by ``PayrollLine/apply(_:on:backPayMonths:for:)``.
    public func payroll(month: Month, unit: String? = nil) async throws -> [PayrollLine] {
        let lines = Lines()
        try await payroll(month: month, unit: unit) { lines.append($0) }
        return lines.all
    }

    /// The same, handing each line to `each` as it is computed, in bounded memory (a city's payroll
    /// is millions of lines).
    public func payroll(month: Month, unit: String? = nil, each: @escaping @Sendable (PayrollLine) -> Void) async throws {
        try await read { db in
            var filter = ""
            var arguments: StatementArguments = [month.firstDay.description]
            if let unit {
                guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
                filter = "WHERE p.unit_code IN (SELECT code FROM unit WHERE path LIKE ? || '%')"
                arguments = [month.firstDay.description, path]
            }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.id, p.name, p.unit_code, p.monthly_amount_fen, e.kind, e.day, e.back_pay_months
                    FROM person p LEFT JOIN ledger_event e ON e.person_id = p.id
                      AND e.kind IN (\(Self.payrollKinds)) AND e.day < ?
                    \(filter)
                    ORDER BY p.id, e.id
                    """, arguments: arguments)
            var line: PayrollLine?
            while let row = try rows.next() {
                let id: String = row["id"]
                if line?.personID != id {
                    if let finished = line { each(finished) }
                    line = PayrollLine(
                        personID: id, name: row["name"], unitCode: row["unit_code"], monthlyAmountFen: row["monthly_amount_fen"])
                }
                guard let kind = (row["kind"] as String?).flatMap(LedgerChange.Kind.init(rawValue:)), let day = Day(row["day"] as String)
                else { continue }
                line?.apply(kind, on: day, backPayMonths: row["back_pay_months"], for: month)
            }
            if let finished = line { each(finished) }
        }
    }
}

/// Collects payroll lines from the streaming call (for callers that want them all).
private final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [PayrollLine] = []
    func append(_ line: PayrollLine) { lock.withLock { lines.append(line) } }
    var all: [PayrollLine] { lock.withLock { lines } }
}
