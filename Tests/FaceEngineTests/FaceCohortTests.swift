import FaceEngine
import Foundation
import Testing

@Suite("The verification cohort: a stable sample of the enrolled, and scores against it")
struct FaceCohortTests {
    /// An embedding at (x, y) on the first two axes.
    static func embedding(_ x: Float, _ y: Float = 0) -> FaceEmbedding {
        FaceEmbedding(values: [x, y] + Array(repeating: 0, count: FaceEmbedding.dimensions - 2))!
    }

    @Test("the sample is the same whatever the order people enrolled in, and keeps at most its capacity")
    func stableSample() throws {
        let owners = (0..<300).map { String(format: "3702%014d", $0 * 7919) }
        var generator = SystemRandomNumberGenerator()
        var samples: [[String]] = []
        for order in [owners, owners.reversed(), owners.shuffled(using: &generator)] {
            let cohort = FaceCohort(capacity: 40)
            for owner in order { cohort.replace(owner: owner, with: [Self.embedding(1)]) }
            #expect(cohort.count == 40)
            samples.append(cohort.nearest(toProbe: Self.embedding(0), count: 1000).map(\.owner).sorted())
        }
        try #require(samples.count == 3 && !samples[0].isEmpty)
        #expect(samples[0] == samples[1] && samples[1] == samples[2])
        // Enrolled again with other photos: still one member, the new photos used.
        let cohort = FaceCohort(capacity: 40)
        for owner in owners { cohort.replace(owner: owner, with: [Self.embedding(1)]) }
        let member = samples[0][0]
        cohort.replace(owner: member, with: [Self.embedding(0.2), Self.embedding(0.4)])
        #expect(cohort.count == 40)
        let nearest = try #require(cohort.nearest(toProbe: Self.embedding(0), count: 1).first)
        // The mean (0.3), corrected to the one-photo scale for two photos: sqrt(0.09 + 0.05).
        #expect(nearest.owner == member && abs(nearest.distance - (0.09 + 0.05).squareRoot()) < 1e-6)
        // Deleted: out of the sample.
        cohort.remove(owner: member)
        #expect(cohort.count == 39 && !cohort.nearest(toProbe: Self.embedding(0), count: 100).contains { $0.owner == member })
        cohort.replace(owner: samples[0][1], with: [])
        #expect(cohort.count == 38)
    }

    @Test("scores: the person claimed is never in their own cohort; too small a cohort gives none; past the ceiling never a match")
    func score() throws {
        let cohort = FaceCohort(capacity: 100)
        // The claimed person at the origin; ten others spread 0.7 to 0.97 away on the y axis.
        cohort.replace(owner: "claimed", with: [Self.embedding(0)])
        for i in 0..<10 { cohort.replace(owner: "p\(i)", with: [Self.embedding(0, 0.7 + Float(i) * 0.03)]) }
        let normalization = CohortNormalization(size: 5)
        let probe = Self.embedding(0.3)
        let distance = probe.distance(to: Self.embedding(0))
        let score = try #require(
            cohort.score(
                distance: distance, probe: probe, references: [Self.embedding(0)], claimed: "claimed", normalization: normalization))
        // The reference side: the five nearest others are 0.70 ... 0.82 from the claimed person.
        #expect(abs(score.referenceMean - 0.76) < 1e-6)
        #expect(score.z < -3)
        // Had the claimed person counted, their own distance would have pulled the probe side's mean down.
        let probeSide = cohort.nearest(toProbe: probe, count: 6)
        #expect(probeSide.first?.owner == "claimed")
        #expect(score.probeMean > probeSide.prefix(5).map(\.distance).reduce(0, +) / 5)
        // Past the ceiling: infinity, whatever the cohort.
        let far = Self.embedding(0.7)
        let beyond = try #require(
            cohort.score(
                distance: far.distance(to: Self.embedding(0)), probe: far, references: [Self.embedding(0)], claimed: "claimed",
                normalization: normalization))
        #expect(beyond.z == .infinity)
        // Ten others, eleven nearest asked for: no score (the service decides by distance).
        #expect(
            cohort.score(
                distance: distance, probe: probe, references: [Self.embedding(0)], claimed: "claimed",
                normalization: CohortNormalization(size: 11)) == nil)
    }

    @Test("property: over random populations, the person claimed has no effect on their score, and nothing past the ceiling matches")
    func claimedHasNoEffect() throws {
        var random = SystemRandomNumberGenerator()
        // Uniform noise of half-width a on each value: two draws stand about sqrt(256 a^2 / 3) apart
        // (0.7 for a = 0.076, strangers; 0.28 for a = 0.03 around a person, another photo of them).
        func near(_ center: [Float], _ a: Float) -> FaceEmbedding {
            FaceEmbedding(values: center.map { $0 + Float.random(in: -a...a, using: &random) })!
        }
        let origin = [Float](repeating: 0, count: FaceEmbedding.dimensions)
        var finite = 0
        for _ in 0..<40 {
            let people = Int.random(in: 8...40, using: &random)
            let normalization = CohortNormalization(size: Int.random(in: 2...6, using: &random), ceiling: 0.65)
            var templates: [String: [FaceEmbedding]] = [:]
            for i in 0..<people {
                let face = near(origin, 0.076).values
                templates["p\(i)"] = (0..<Int.random(in: 1...3, using: &random)).map { _ in near(face, 0.02) }
            }
            let claimed = "p\(Int.random(in: 0..<people, using: &random))"
            let references = try #require(templates[claimed])
            // Half the probes are the claimed person's, half a stranger's.
            let probe = Bool.random(using: &random) ? near(references[0].values, 0.03) : near(origin, 0.076)
            let distance = GalleryRule.service.distance(probe, to: references)
            let with = FaceCohort(capacity: 1000)
            let without = FaceCohort(capacity: 1000)
            for (owner, embeddings) in templates {
                with.replace(owner: owner, with: embeddings)
                if owner != claimed { without.replace(owner: owner, with: embeddings) }
            }
            let a = with.score(distance: distance, probe: probe, references: references, claimed: claimed, normalization: normalization)
            let b = without.score(
                distance: distance, probe: probe, references: references, claimed: "nobody", normalization: normalization)
            #expect(a != nil && a == b)
            if distance > normalization.ceiling { #expect(a?.z == .infinity) } else if a?.z.isFinite == true { finite += 1 }
        }
        #expect(finite > 5)
    }
}
