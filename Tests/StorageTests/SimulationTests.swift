import Foundation
import Simulation
import Testing

/// The city simulation through the real ledger: deterministic for a seed, and its figures coherent.
@Suite("City simulation")
struct SimulationTests {
    static func run(seed: UInt64) async throws -> CitySimulation.Report {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await CitySimulation(persons: 120, months: 3, seed: seed).run(databasePath: folder.appending(path: "l.sqlite").path)
    }

    @Test("the same seed gives the same city; the figures hang together")
    func deterministicAndCoherent() async throws {
        let first = try await Self.run(seed: 7)
        let again = try await Self.run(seed: 7)
        #expect(first == again)
        #expect(first.persons == 120)
        #expect(first.silent_share > 0.3 && first.silent_share <= 1)
        #expect(first.reminded_monthly_share > 0)
        #expect((first.certified_by_class["reference"] ?? 0) > 0, "active pensioners certify through the behaviour model")
        #expect((first.certified_by_class["biometric"] ?? 0) > 0, "reminded pensioners answer with a face scan")
        #expect(first.fraud_caught <= first.fraud_cases)
        #expect(first.deaths_still_paid <= first.deaths)
        #expect(first.overpaid_days_after_death.median <= first.overpaid_days_after_death.p95)
        let other = try await Self.run(seed: 8)
        #expect(other != first)
    }
}
