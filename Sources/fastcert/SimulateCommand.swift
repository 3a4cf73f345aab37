import ArgumentParser
import Foundation
import Ledger
import Simulation

/// `fastcert simulate --persons N --months M --seed S [--json] [--what-if RULES]`
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a synthetic city through the ledger's rules and report the three forms and the money.",
        discussion: """
            Persons (ages 60-100, mobility from age) live month by month: behaviour streams from hospitals, \
            pharmacies, the social-security card, buses and metro, banks, rail and flights, telecom, canteens and \
            community video, at rates by mobility, each department delivering with its delay (a day for the card, up \
            to a week for medical insurance, up to a month for the police); hospital stays; moves between \
            communities; deaths (annual mortality 1.2% in the 60s to 18% over 90) whose records arrive late: hospital \
            certificates in 0-3 days, cremation in 1-10, household deregistration in 14-120; 3% of deaths hidden by \
            the family, whose card and phone stay in use. Reminders are answered by a face scan by 75% within 20 \
            days; field checks happen 1-12 days after they open and find 85% at home (all the immobile); 1% live \
            elsewhere without a phone. A payroll run each month; 70% of recovery cases come back in 20-120 days. \
            The ledger is the in-memory one (the SQLite store's rules, checked equal to it by the tests). The first \
            --warm-up months settle the city; the figures are measured after them. The model's figures are in \
            Sources/Simulation/CityModel.swift. The article reports 88% certified silently, about 1% a month \
            reminded, about 10 field checks a month per community, and 65% certified by strong evidence.
            """)

    @Option(help: "Pensioners in the city.") var persons = 2000
    @Option(help: "Months to simulate in all, the warm-up included.") var months = 36
    @Option(name: .customLong("warm-up"), help: "Months before the figures are measured (at least the longest service period).")
    var warmUp = 24
    @Option(help: "Random seed: the same seed gives the same run.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("The rules file to run (default: the shipped rules).", valueName: "file")) var rules: String?
    @Option(
        name: .customLong("what-if"),
        help: ArgumentHelp("Run the same city under this rules file too and print both side by side.", valueName: "file"))
    var whatIf: String?
    @Option(
        name: .customLong("camera-coverage"),
        help: ArgumentHelp(
            "Share of pharmacy and canteen card uses seen by a camera (default 0.5); a comma-separated list (0,0.25,0.5,0.75) runs the same city once for each, side by side.",
            valueName: "shares"))
    var cameraCoverage: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (10...5_000_000).contains(persons) else { throw ValidationError("--persons must be between 10 and 5000000") }
        guard (1...120).contains(months) else { throw ValidationError("--months must be between 1 and 120") }
        guard (0..<months).contains(warmUp) else { throw ValidationError("--warm-up must be at least 0 and less than --months") }
        _ = try coverages()
        if whatIf != nil, (try coverages())?.count ?? 1 > 1 {
            throw ValidationError("--what-if and a list of --camera-coverage shares cannot be combined: run one, then the other")
        }
    }

    /// The camera coverages asked for, each a share from 0 to 1, or nil for the model's default.
    func coverages() throws -> [Double]? {
        guard let cameraCoverage else { return nil }
        let shares = cameraCoverage.split(separator: ",", omittingEmptySubsequences: false).map {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        guard !shares.isEmpty, shares.count <= 8, shares.allSatisfy({ $0.map { (0...1).contains($0) } ?? false }) else {
            throw ValidationError(
                "--camera-coverage takes one to eight shares from 0 to 1, comma-separated (0,0.25,0.5,0.75), not \(cameraCoverage)")
        }
        return shares.compactMap { $0 }
    }

    static func load(_ path: String?) throws -> LedgerRules {
        do throws(LedgerError) {
            guard let path else { return try LedgerRules.shipped() }
            return try LedgerRules.load(URL(filePath: path))
        } catch {
            throw CommandFailure.input(error.message)
        }
    }

    func run() async throws {
        try await reportingFailures {
            let base = try Self.load(rules)
            let alternative = try whatIf.map { try Self.load($0) }
            let shares = try coverages()
            func simulate(_ rules: LedgerRules, coverage: Double? = nil) -> CitySimulation.Report {
                var city = CitySimulation(persons: persons, months: months, warmUpMonths: warmUp, seed: seed, rules: rules)
                if let coverage = coverage ?? shares?.first { city.model.cameraCoverage = coverage }
                return city.run()
            }
            if let shares, shares.count > 1 {
                let reports = shares.map { simulate(base, coverage: $0) }
                if json {
                    struct Row: Encodable {
                        var camera_coverage: Double
                        var report: CitySimulation.Report
                    }
                    try printJSON(["camera_coverage": zip(shares, reports).map { Row(camera_coverage: $0, report: $1) }])
                } else {
                    Self.print(reports, titles: shares.map { String(format: "cameras at %.0f%% of uses", $0 * 100) })
                }
                return
            }
            let first = simulate(base)
            guard let alternative else {
                if json { try printJSON(first) } else { Self.print([first], titles: ["rules"]) }
                return
            }
            let second = simulate(alternative)
            if json {
                try printJSON(["base": first, "what_if": second])
            } else {
                Self.print([first, second], titles: [rules ?? "shipped rules", whatIf!])
            }
        }
    }

    /// The figures, one column a run, each beside the article's.
    static func print(_ reports: [CitySimulation.Report], titles: [String]) {
        let r = reports[0]
        Swift.print(
            "\(r.persons) persons, \(r.months) months (\(r.warm_up_months) of warm-up, figures over the last \(r.measured_months)), \(r.deaths) deaths in them"
        )
        func row(_ label: String, _ value: (CitySimulation.Report) -> String, _ article: String = "") {
            let cells = reports.map { value($0).padding(toLength: 28, withPad: " ", startingAt: 0) }.joined()
            Swift.print(label.padding(toLength: 44, withPad: " ", startingAt: 0) + cells + article)
        }
        row("", { _ in "" })
        if reports.count > 1 {
            Swift.print(
                "".padding(toLength: 44, withPad: " ", startingAt: 0)
                    + titles.map { String($0.suffix(27)).padding(toLength: 28, withPad: " ", startingAt: 0) }.joined())
        }
        func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        row("certified silently (last 12 months)", { percent($0.silent_share) }, "article: 88%")
        row("reminded a month", { String(format: "%.2f%%", $0.reminded_monthly_share * 100) }, "article: about 1%")
        row("field checks a month", { String(format: "%.0f", $0.field_checks_monthly) })
        row("  per community", { String(format: "%.1f", $0.field_checks_monthly_per_community) }, "article: about 10")
        row("latest certification strong", { percent($0.strong_share) }, "article: 65% of those certified")
        row("hidden deaths / payments stopped", { "\($0.fraud_cases) / \($0.fraud_caught)" })
        row(
            "  of them dead 90+ days before the end",
            { "\($0.fraud_cases_before_last_90_days) / \($0.fraud_caught_before_last_90_days)" })
        row(
            "  death to first check, median / p95",
            {
                String(format: "%.0f / %.0f days", $0.hidden_death_days_to_first_check.median, $0.hidden_death_days_to_first_check.p95)
            })
        row(
            "death to stop of payments, median / p95",
            {
                String(format: "%.0f / %.0f days", $0.overpaid_days_after_death.median, $0.overpaid_days_after_death.p95)
            })
        row("deaths still paid at the end", { "\($0.deaths_still_paid)" })
        row("paid (of it back pay), yuan", { String(format: "%.0f (%.0f)", $0.paid_yuan, $0.back_pay_yuan) })
        row("paid after a death, yuan", { String(format: "%.0f", $0.overpaid_yuan) })
        row(
            "  recovered / still claimed / unclaimed",
            {
                String(format: "%.0f / %.0f / %.0f", $0.recovered_yuan, $0.open_recovery_yuan, $0.unclaimed_yuan)
            })
        row("camera sightings confirmed / other face", { "\($0.sightings_confirmed) / \($0.sightings_other_face)" })
        row(
            "suspensions / of the living / found alive in 90 days",
            { "\($0.suspensions) / \($0.suspended_alive) / \($0.suspended_found_alive)" })
        row(
            "days to restored payment (median / p95)",
            { "\($0.days_to_restored_payment.median.map(String.init) ?? "-") / \($0.days_to_restored_payment.p95.map(String.init) ?? "-")" }
        )
        row("moves between communities", { "\($0.moves)" })
        row(
            "certifications by class",
            {
                $0.certified_by_class.sorted { $0.key < $1.key }.map { "\($0.key.prefix(3)) \($0.value)" }.joined(separator: " ")
            })
    }
}
