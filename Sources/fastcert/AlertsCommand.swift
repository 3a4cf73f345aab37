import ArgumentParser
import Ledger

/// `fastcert alerts --unit CODE [--kind warning|field-check|suspended|conflict|attention|tampering|other-face|overdue|deadline-held]`
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "What a unit's staff must act on, across its whole subtree.")

    @Option(help: "The unit (city, district, street or community code).") var unit: String
    @Option(
        help:
            "Only this kind: warning, field-check, suspended, conflict, attention, tampering, other-face, back-pay, overdue, deadline-held, appeal or appeal-overdue."
    )
    var kind: Alert.Kind?
    @OptionGroup var ledger: LedgerOptions

    func run() async throws {
        try await reportingFailures {
            let alerts = try await ledger.open().queries.alerts(unit: unit, kind: kind)
            for alert in alerts {
                print(
                    "\(alert.kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0))  \(alert.personID)  \(alert.name)  \(alert.unitCode)  \(alert.day)  \(alert.detail)"
                )
            }
            print("\(alerts.count) alert(s) under \(unit)")
        }
    }
}

extension Alert.Kind: ExpressibleByArgument {}
