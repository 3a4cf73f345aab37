import ArgumentParser
import Foundation
import Ledger

/// `fastcert stats --unit CODE [--month YYYY-MM] [--live] [--json]`: the stored monthly figures
/// (computed and stored first if the month has none, as the API does), or with `--live` the
/// dozen counts over the ledger now (seconds for a city; the reference the stored ones equal).
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "The three forms for a unit and month: certified silently, reminded, field-checked.")

    @Option(help: "The unit code.") var unit: String
    @Option(help: ArgumentHelp("The month (default: this month).", valueName: "YYYY-MM")) var month: String?
    @Flag(help: "Count from the ledger now instead of reading the stored monthly figures.") var live = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var ledger: LedgerOptions

    struct Output: Encodable {
        var unit: String
        var month: String
        var persons: Int
        var silent_share: Double
        var reminded_share: Double
        var field_checks: Int
        var suspensions: Int
        var certified_by_class: [String: Int]
        var strong_share: Double
        var recoveries_open: Int
        var recoveries_open_yuan: String
        var recoveries_recovered: Int
        var recoveries_recovered_yuan: String
        var recoveries_waived: Int
        var recoveries_waived_yuan: String
        /// Sightings at the unit's camera sites in the month, by outcome (confirmed, other_face,
        /// no_decision): counted live.
        var sightings: [String: Int]
        /// The month's fairness figures (``Fairness``), counted live: the keys dashboards rely on.
        var suspended_found_alive: Int
        var days_to_restored_payment: Fairness.Distribution
        var resumed_awaiting_payment: Int
        var appeals: Fairness.Appeals
        var notices: [String: Fairness.Notices]
    }

    func run() async throws {
        try await reportingFailures {
            let chosen =
                try month.map { text in
                    guard let parsed = Month(text) else { throw ValidationError("--month must be YYYY-MM") }
                    return parsed
                } ?? Month(ServiceClock.today())
            let store = try ledger.open()
            var stored: UnitStats?
            if !live { stored = try await store.queries.monthlyStats(units: [unit], months: [chosen])[unit]?.first?.stats }
            let s: UnitStats
            if let stored { s = stored } else { s = try await store.queries.stats(unit: unit, month: chosen) }
            let sighted = try await store.sightings?.sightingCounts(
                units: [unit], from: chosen.firstDay, until: Month(chosen.firstDay.adding(months: 1)).firstDay.adding(days: -1)
            ).first
            let sightings = [
                "confirmed": sighted?.confirmed ?? 0, "other_face": sighted?.otherFace ?? 0, "no_decision": sighted?.noDecision ?? 0,
            ]
            let f = try await store.queries.fairness(unit: unit, month: chosen, today: ServiceClock.today())
            let d = f.daysToRestoredPayment
            let output = Output(
                unit: s.unit, month: s.month.description, persons: s.persons, silent_share: s.silentShare, reminded_share: s.remindedShare,
                field_checks: s.fieldChecks, suspensions: s.suspensions, certified_by_class: s.certifiedByClass,
                strong_share: s.strongShare,
                recoveries_open: s.recoveries.open, recoveries_open_yuan: Yuan.text(fen: s.recoveries.openFen),
                recoveries_recovered: s.recoveries.recovered, recoveries_recovered_yuan: Yuan.text(fen: s.recoveries.recoveredFen),
                recoveries_waived: s.recoveries.waived, recoveries_waived_yuan: Yuan.text(fen: s.recoveries.waivedFen),
                sightings: sightings, suspended_found_alive: f.suspendedFoundAlive,
                days_to_restored_payment: d, resumed_awaiting_payment: f.resumedAwaitingPayment, appeals: f.appeals, notices: f.notices)
            if json {
                try printJSON(output)
            } else {
                print("\(s.unit) \(s.month): \(s.persons) persons")
                print(
                    String(
                        format: "  certified silently (certified in 12 months, no reminder, field check, visit or suspension): %.1f%%",
                        s.silentShare * 100))
                print(String(format: "  latest certification from strong evidence: %.1f%%", s.strongShare * 100))
                print(String(format: "  reminded this month: %.2f%%", s.remindedShare * 100))
                print("  field checks opened this month: \(s.fieldChecks); suspensions: \(s.suspensions)")
                print(
                    "  certifications by evidence class: "
                        + s.certifiedByClass.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                let r = s.recoveries
                print(
                    "  overpayment recoveries: \(r.open) open (\(Yuan.text(fen: r.openFen)) yuan), \(r.recovered) recovered "
                        + "(\(Yuan.text(fen: r.recoveredFen))), \(r.waived) waived (\(Yuan.text(fen: r.waivedFen)))")
                print(
                    "  sightings at the unit's camera sites: \(sightings["confirmed"]!) confirmed, \(sightings["other_face"]!) other face, "
                        + "\(sightings["no_decision"]!) no decision")
                print(
                    "  suspensions of the month: \(f.suspensions); of persons found alive within \(Fairness.foundAliveWithinDays) days: "
                        + "\(f.suspendedFoundAlive)")
                print(
                    "  days from suspension to restored payment: median \(d.median.map(String.init) ?? "-"), p95 "
                        + "\(d.p95.map(String.init) ?? "-") (\(d.count) paid again; \(f.resumedAwaitingPayment) resumed, awaiting payment)")
                print("  appeals filed: \(f.appeals.filed); upheld \(f.appeals.upheld); overdue \(f.appeals.overdue)")
                print(
                    "  notices: "
                        + (f.notices.isEmpty
                            ? "none"
                            : f.notices.sorted { $0.key < $1.key }.map {
                                "\($0.key) \($0.value.delivered) delivered, \($0.value.failed) failed, \($0.value.pending) pending"
                            }.joined(separator: "; ")))
            }
        }
    }
}
