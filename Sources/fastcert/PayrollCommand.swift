import ArgumentParser
import Foundation
import Ledger
import Storage

/// `fastcert payroll --month YYYY-MM [--unit CODE]`
struct PayrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payroll", abstract: "The month's payroll as CSV: who is payable, who is suspended, back pay owed.")

    @Option(help: ArgumentHelp("The month.", valueName: "YYYY-MM")) var month: String
    @Option(help: "Only this unit's subtree.") var unit: String?
    @OptionGroup var ledger: LedgerOptions

    func run() async throws {
        try await reportingFailures {
            guard let month = Month(month) else { throw ValidationError("--month must be YYYY-MM") }
            print("resident_id,name,unit_code,status,payable,monthly_amount,back_pay_months,total")
            try await ledger.open().payroll(month: month, unit: unit) { l in
                print(
                    "\(l.personID),\(csvField(l.name)),\(l.unitCode),\(l.status.rawValue),\(l.payable ? "yes" : "no"),\(Yuan.text(fen: l.monthlyAmountFen)),\(l.backPayMonths),\(Yuan.text(fen: l.totalFen))"
                )
            }
        }
    }
}

/// Quotes a CSV field when it needs it.
func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
