import ArgumentParser
import Foundation
import Simulation

/// `fastcert simulate --persons N --months M --seed S [--json]`
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a synthetic city through the real ledger and report the three forms.",
        discussion: """
            Persons (ages 60-100, mobility from age) live month by month: behaviour streams from hospitals, \
            pharmacies, the social-security card, buses and metro, banks, rail and flights, telecom, canteens and \
            community video, at rates by mobility; hospital stays; deaths (annual mortality 1.2% in the 60s to 18% \
            over 90, about 3% overall) whose records arrive late: hospital certificates in 0-3 days, cremation in 1-10, \
            household deregistration in 14-120; 3% of deaths hidden by the family, whose card and phone stay in use. \
            Reminders are answered by a face scan by 75% within 20 days; field checks happen 1-12 days after they \
            open and find 85% at home (all the immobile); 1% live elsewhere without a phone. Everything goes through \
            the real import, daily sweep and task completion on a new ledger file. The model's figures are in \
            Sources/Simulation/CityModel.swift. The article reports 88% certified silently, about 1% a month \
            reminded, and about 10 field checks a month per community.
            """)

    @Option(help: "Pensioners in the city.") var persons = 2000
    @Option(help: "Months to simulate.") var months = 12
    @Option(help: "Random seed: the same seed gives the same run.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Keep the ledger file here (default: a temporary file, removed afterwards).", valueName: "path"))
    var database: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (10...5_000_000).contains(persons) else { throw ValidationError("--persons must be between 10 and 5000000") }
        guard (1...120).contains(months) else { throw ValidationError("--months must be between 1 and 120") }
    }

    func run() async throws {
        try await reportingFailures {
            let temporary = FileManager.default.temporaryDirectory.appending(path: "fastcert-simulate-\(UUID().uuidString)")
            let path = database ?? temporary.appending(path: "ledger.sqlite").path
            if database == nil { try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true) }
            defer { if database == nil { try? FileManager.default.removeItem(at: temporary) } }
            let report = try await CitySimulation(persons: persons, months: months, seed: seed).run(databasePath: path)
            if json {
                try printJSON(report)
                return
            }
            print("\(report.persons) persons, \(report.months) months, \(report.deaths) deaths")
            print(String(format: "certified silently:  %5.1f%%   (article: 88%%)", report.silent_share * 100))
            print(String(format: "reminded a month:    %5.2f%%   (article: about 1%%)", report.reminded_monthly_share * 100))
            print(
                String(
                    format: "field checks a month: %.1f, %.2f per community (article: about 10 per community)",
                    report.field_checks_monthly, report.field_checks_monthly_per_community))
            print("hidden deaths (fraud): \(report.fraud_cases), payments stopped for \(report.fraud_caught)")
            print(
                String(
                    format:
                        "hidden deaths, days from death to the first field check or attention: median %.0f, p95 %.0f; to the stop of payments: median %.0f, p95 %.0f",
                    report.hidden_death_days_to_first_check.median, report.hidden_death_days_to_first_check.p95,
                    report.hidden_death_days_to_suspension.median, report.hidden_death_days_to_suspension.p95))
            print(
                String(
                    format: "days paid after death: median %.0f, p95 %.0f; deaths still paid at the end: %d",
                    report.overpaid_days_after_death.median, report.overpaid_days_after_death.p95, report.deaths_still_paid))
            print(
                "certifications by class: "
                    + report.certified_by_class.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }
}
