import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// One person's line in a month's payroll.
    public struct PayrollLine: Sendable, Equatable {
        public var personID: String
        public var name: String
        public var unitCode: String
        /// Status on the first day of the month, from the recorded changes.
        public var status: PersonLedger.Status
        public var payable: Bool
        public var monthlyAmountFen: Int
        /// Months owed from a suspension that ended with a certification, paid this month.
        public var backPayMonths: Int
        public var totalFen: Int { (payable ? monthlyAmountFen : 0) + backPayMonths * monthlyAmountFen }
    }

    /// Who is payable for `month`, with back pay: replays each person's suspensions, resumptions and
    /// death recorded before the month's first day. A suspension stops payment from the next month's
    /// payroll; a resumption restarts it from the month after, paying the owed months with it.
    public func payroll(month: Month, unit: String? = nil) async throws(LedgerError) -> [PayrollLine] {
        let lines = Lines()
        try await payroll(month: month, unit: unit) { lines.append($0) }
        return lines.all
    }

    /// The same, handing each line to `each` as it is computed, in bounded memory (a city's payroll
    /// is millions of lines).
    public func payroll(month: Month, unit: String? = nil, each: @escaping @Sendable (PayrollLine) -> Void) async throws(LedgerError) {
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
                      AND e.kind IN ('suspended', 'resumed', 'deceased') AND e.day < ?
                    \(filter)
                    ORDER BY p.id, e.day, e.id
                    """, arguments: arguments)
            var line: PayrollLine?
            func emit() {
                guard var finished = line else { return }
                finished.payable = finished.status == .active
                each(finished)
            }
            while let row = try rows.next() {
                let id: String = row["id"]
                if line?.personID != id {
                    emit()
                    line = PayrollLine(
                        personID: id, name: row["name"], unitCode: row["unit_code"], status: .active, payable: true,
                        monthlyAmountFen: row["monthly_amount_fen"], backPayMonths: 0)
                }
                guard let kind = row["kind"] as String?, let day = Day(row["day"] as String) else { continue }
                switch kind {
                case "suspended": line?.status = .suspended
                case "deceased": line?.status = .deceased
                case "resumed":
                    line?.status = .active
                    // Paid again from the month after the resumption, with the owed months.
                    line?.backPayMonths = Month(day).next == month ? (row["back_pay_months"] as Int? ?? 0) : 0
                default: break
                }
            }
            emit()
        }
    }
}

/// Collects payroll lines from the streaming call (for callers that want them all).
private final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [LedgerStore.PayrollLine] = []
    func append(_ line: LedgerStore.PayrollLine) { lock.withLock { lines.append(line) } }
    var all: [LedgerStore.PayrollLine] { lock.withLock { lines } }
}
