import Foundation
import Ledger
import Simulation
import TestSupport
import Testing

/// The city simulation: deterministic, coherent, and its money adds up.
@Suite("City simulation")
struct SimulationTests {
    /// A 400-person city over 18 months, simulated off the concurrency pool (``offPool(_:)``).
    static func run(seed: UInt64, rules: LedgerRules? = nil, model: CityModel = CityModel()) async throws -> CitySimulation.Report {
        let rules = try rules ?? LedgerRules.shipped()
        return try await offPool {
            var city = CitySimulation(persons: 400, months: 18, warmUpMonths: 6, seed: seed, rules: rules)
            city.model = model
            return city.run()
        }
    }

    @Test("the same seed gives the same city; the figures hang together; the money adds up")
    func deterministicAndCoherent() async throws {
        let first = try await Self.run(seed: 7)
        #expect(try await Self.run(seed: 7) == first)
        #expect(first.persons == 400 && first.measured_months == 12)
        #expect(first.silent_share > 0.2 && first.silent_share <= 1)
        #expect(first.reminded_monthly_share > 0)
        #expect(first.strong_share >= 0 && first.strong_share < 1)
        #expect((first.certified_by_class["reference"] ?? 0) > 0, "active pensioners certify through the behaviour model")
        #expect((first.certified_by_class["biometric"] ?? 0) > 0, "reminded pensioners answer with a face scan")
        #expect(first.fraud_caught <= first.fraud_cases)
        #expect(first.deaths_still_paid <= first.deaths)
        #expect(first.overpaid_days_after_death.median <= first.overpaid_days_after_death.p95)
        #expect(first.paid_yuan > 0 && first.back_pay_yuan <= first.paid_yuan)
        #expect(first.recovered_yuan + first.open_recovery_yuan + first.unclaimed_yuan == first.overpaid_yuan)
        #expect(first.unclaimed_yuan >= 0)
        #expect(first.suspended_alive <= first.suspensions && first.suspended_found_alive <= first.suspensions)
        #expect(try await Self.run(seed: 8) != first)
    }

    @Test("what if: the same city, with behaviour carrying a person two years instead of five, is reminded more; its lives do not change")
    func whatIf() async throws {
        var shorter = try LedgerRules.shipped()
        shorter.behaviour_model.anchor_months = 24
        // Without cameras: a camera's confirmations anchor as well, and would carry this small city either way.
        var city = CityModel()
        city.cameraCoverage = 0
        let base = try await Self.run(seed: 3, model: city), other = try await Self.run(seed: 3, rules: shorter, model: city)
        #expect(other.deaths == base.deaths && other.fraud_cases == base.fraud_cases && other.moves == base.moves, "the city's lives")
        #expect(other.reminded_monthly_share > base.reminded_monthly_share)
    }

    @Test(
        "fairness: in a city where data carries nobody and many cannot be reached, living people are suspended, and found alive at the counter"
    )
    func fairness() async throws {
        var city = CityModel()
        city.monthlyRates = [:]  // no behaviour: every certification is a face scan, a visit or the counter
        city.cameraCoverage = 0
        city.unreachableShare = 0.3
        city.strongMonthlyRate = 0.2  // a suspended person comes to the bureau's counter within months
        let report = try await Self.run(seed: 11, model: city)
        #expect(report.suspensions > 0 && report.suspended_alive > 0 && report.suspended_alive <= report.suspensions, "\(report)")
        #expect(report.suspended_found_alive > 0 && report.suspended_found_alive <= report.suspended_alive)
        let days = try #require(report.days_to_restored_payment.median.map { ($0, report.days_to_restored_payment.p95 ?? -1) })
        #expect(report.days_to_restored_payment.count > 0 && days.0 > 0 && days.0 <= days.1, "paid again after the suspension, at a run")
    }

    @Test(
        "cameras where the card is used: the same city's lives; the living confirmed strongly, more certified silently; hiding families seen as other faces and stopped no later"
    )
    func cameras() async throws {
        var none = CityModel(), full = CityModel()
        // Many hidden deaths, so a 400-person city has some to catch.
        none.hiddenDeathShare = 0.5
        full.hiddenDeathShare = 0.5
        none.cameraCoverage = 0
        full.cameraCoverage = 1
        let without = try await Self.run(seed: 5, model: none), with = try await Self.run(seed: 5, model: full)
        #expect(with.deaths == without.deaths && with.fraud_cases == without.fraud_cases && with.moves == without.moves, "the city's lives")
        #expect(without.sightings_confirmed == 0 && without.sightings_other_face == 0)
        #expect(with.sightings_confirmed > 100, "pharmacy and canteen visits of the living are confirmed")
        #expect(with.sightings_other_face > 0, "hiding families use the card at camera sites")
        #expect((with.certified_by_class["strong"] ?? 0) > (without.certified_by_class["strong"] ?? 0))
        #expect(with.strong_share > without.strong_share)
        #expect(with.fraud_cases > 0 && with.fraud_caught >= without.fraud_caught)
    }
}
