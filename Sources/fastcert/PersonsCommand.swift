import ArgumentParser
import Foundation
import Ledger

/// `fastcert persons import FILE [--strict] [--today DATE]`
struct PersonsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persons", abstract: "Pension recipients.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import persons from CSV.",
            discussion: """
                Header: resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile \
                (enrolled_on optional). Each person enters the ledger active, with the service period of their benefit level \
                counted from enrolled_on (default: today). Bad rows are reported by line and skipped; the rest are committed. \
                Each person records who entered them (the key's holder, or this machine's account without a key) and when; \
                an operator key imports only into communities of its unit.
                """)

        @Argument(help: ArgumentHelp("The CSV file.", valueName: "file")) var file: String
        @Flag(help: "All or nothing: write no row if any row is bad.") var strict = false
        @Option(help: ArgumentHelp("Enrolment day for rows without enrolled_on (default: today).", valueName: "YYYY-MM-DD"))
        var today: String?
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.open()
                let acting = try await key.acting(store, roles: [.operator], to: "import persons")
                let day = try parseDay(today, option: "--today")
                try finish(
                    try await store.registry.importPersons(
                        CSVReader(bytes: try readInput(file)), strict: strict, today: day, by: acting.actor, scope: acting.scope),
                    what: "persons")
            }
        }
    }
}

/// `fastcert person show ID [--json]`
struct PersonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person", abstract: "One person's ledger.", subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "State, deadline, and the timeline of evidence and state changes with their causes.")

        @Argument(help: ArgumentHelp("The person's resident ID.", valueName: "id")) var id: String
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let residentID: ResidentID
                do throws(LedgerError) {
                    residentID = try ResidentID(id)
                } catch {
                    throw CommandFailure.input(error.message)
                }
                guard let view = try await ledger.open().queries.person(residentID) else {
                    throw CommandFailure.input("no person \(residentID) in the ledger")
                }
                let l = view.ledger
                print(
                    "\(view.id.value)  \(view.name)  unit \(view.unitCode)  level \(view.benefitLevel)  \(String(format: "%.2f", Double(view.monthlyAmountFen) / 100)) yuan/month"
                )
                print(
                    "status \(l.status.rawValue), deadline \(l.deadline), service period \(l.servicePeriodMonths) months, last certified \(l.lastCertified?.description ?? "never")"
                )
                if let death = l.deathDay { print("died \(death)") }
                if let suspended = l.suspendedOn { print("suspended since \(suspended)") }
                print(
                    view.enteredBy.map { "entered \(view.enteredAt ?? "?") by \($0)" }
                        ?? "entered by: not recorded (entered before v25-person-entry)")
                for entry in view.timeline {
                    print(
                        "  \(entry.day)  \(entry.kind.padding(toLength: 14, withPad: " ", startingAt: 0))  \(entry.detail)\(provenance(entry))\(entry.rulesVersion.map { "  [rules v\($0)]" } ?? "")"
                    )
                }
            }
        }
    }
}

/// Who recorded a timeline entry and when: `[recorded AT by WHO]`, or `[by WHO]` for entries
/// dated only by day.
func provenance(_ entry: PersonView.Entry) -> String {
    switch (entry.recordedAt, entry.actor) {
    case (let at?, let actor): "  [recorded \(at) by \(actor ?? "unknown")]"
    case (nil, let actor?): "  [by \(actor)]"
    case (nil, nil): ""
    }
}
