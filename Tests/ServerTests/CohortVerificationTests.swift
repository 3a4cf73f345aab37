import FaceEngine
import Foundation
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// Verification under a cohort calibration, through the real router, engine and database.
@Suite("Verifications by the cohort rule")
struct CohortVerificationTests {
    /// Six more residents of district A, enrolled with templates that stand as far from person A's
    /// as strangers' do (0.85, in directions drawn from a fixed seed), and Biden's real one.
    static func enrollOthers(_ fixture: ServiceFixture) async throws {
        let ids = (1...6).map { ResidentID.completing(String(format: "3702021950010110%d", $0))! }
        let csv =
            "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n"
            + ids.map { "\($0.value),Other,1950-01-01,370202001001,2,2800,,,0,0" }.joined(separator: "\n")
        _ = try await fixture.store.ledger.importPersons(csv: csv, today: Day("2025-06-01")!)
        let obama = try await fixture.engine.analyze(try Fixtures.image("obama.jpg")).primaryFace.embedding.values
        var state: UInt64 = 17
        func uniform() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        for (index, id) in ids.enumerated() {
            let embedding: [Float]
            if index == 0 {
                embedding = try await fixture.engine.analyze(try Fixtures.image("biden.jpg")).primaryFace.embedding.values
            } else {
                let direction = (0..<FaceEmbedding.dimensions).map { _ in uniform() }
                let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
                embedding = zip(obama, direction).map { $0 + 0.85 * $1 / norm }
            }
            try await fixture.store.templates.saveTemplate([embedding], for: id, by: "test")
        }
    }

    static func policy(threshold: Double) -> CohortPolicy {
        CohortPolicy(normalization: CohortNormalization(size: 3), threshold: threshold, members: 7)
    }

    @Test("a full cohort decides by the normalized score, recorded with the rule, score and threshold; a cohort too small, by distance")
    func cohortDecides() async throws {
        try await ServiceFixture.with(adjust: { $0.cohort = Self.policy(threshold: -1) }) { fixture, client in
            // Only person A enrolled: the cohort is short of its seven members, the distance decides.
            try await fixture.enroller.load()
            let first = try await VerificationTests.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama3.jpg"))
            #expect(Call.body(first)["decision"] as? String == "verified")
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM verification_attempt WHERE rule = 'distance' AND abs(score - distance) < 1e-4 AND threshold = 0.55"
                ) == 1)
            // Six more enrolled (seen by the service at its next enrollment or load): the cohort is full (7) and decides.
            try await Self.enrollOthers(fixture)
            try await fixture.enroller.load()
            #expect(fixture.enroller.cohort.count == 7)
            let second = try await VerificationTests.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama2.jpg"))
            #expect(Call.body(second)["decision"] as? String == "verified")
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM verification_attempt WHERE rule = 'cohort' AND score < -1 AND threshold = -1 AND distance < 0.55")
                    == 1)
            // The evidence row names the rule too; no template or score is told to the device.
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence WHERE payload LIKE '%\"rule\":\"cohort\"%'") == 1)
            #expect(Call.body(second)["score"] == nil && Call.body(second)["threshold"] == nil)
            // Another man: not verified under the cohort rule either.
            let biden = try await VerificationTests.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("biden.jpg"))
            #expect(Call.body(biden)["decision"] as? String == "not_verified")
            #expect(
                try await fixture.count("SELECT COUNT(*) FROM verification_attempt WHERE rule = 'cohort' AND decision = 'not_verified'")
                    == 1)
            // The person's timeline explains each attempt: the rule, score, threshold and distance, and the key.
            let view = try #require(try await fixture.store.ledger.person(ResidentID(ServiceFixture.personA)))
            let attempts = view.timeline.filter { $0.kind == "verification" }
            try #require(attempts.count == 3, "\(attempts)")
            #expect(attempts.allSatisfy { $0.actor != nil }, "\(attempts)")
            #expect(attempts[0].detail.hasPrefix("verified: distance 0.") && attempts[0].detail.hasSuffix("against 0.5500"))
            #expect(
                attempts[1].detail.hasPrefix("verified: cohort rule, score -") && attempts[1].detail.contains("against -1.00 (distance 0."))
            #expect(attempts[2].detail.hasPrefix("not_verified: cohort rule"), "\(attempts[2].detail)")
        }
        // A cohort threshold no one reaches: the same face within the distance threshold is refused,
        // so it is the cohort that decides, not the distance.
        try await ServiceFixture.with(adjust: { $0.cohort = Self.policy(threshold: -50) }) { fixture, client in
            try await Self.enrollOthers(fixture)
            try await fixture.enroller.load()
            let response = try await VerificationTests.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama3.jpg"))
            #expect(Call.body(response)["decision"] as? String == "not_verified")
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM verification_attempt WHERE rule = 'cohort' AND distance < 0.55 AND decision = 'not_verified'")
                    == 1)
        }
    }
}
