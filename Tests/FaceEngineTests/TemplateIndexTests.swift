import FaceEngine
import Foundation
import TestSupport
import Testing

/// The in-memory duplicate-identity index: int8 rows, distances close to the exact ones.
@Suite("Template index")
struct TemplateIndexTests {
    @Test("int8 distances stay within 0.01 of the exact ones on real embeddings; owners are replaced, removed and excluded")
    func search() async throws {
        let engine = try await SharedEngines.shared.engine()
        func embedding(_ name: String) async throws -> [Float] {
            try await engine.analyze(try Fixtures.image(name)).primaryFace.embedding.values
        }
        let obama = try await embedding("obama.jpg"), obama2 = try await embedding("obama2.jpg")
        let query = try await embedding("obama3.jpg"), biden = try await embedding("biden.jpg")
        // Strangers so the scan has more than the answer to go through: 4,000 random rows, made off
        // the concurrency pool (a second of a debug build's random numbers).
        let strangers = try await offPool {
            var generator = SystemRandomNumberGenerator()
            return (0..<4000).map { _ in (0..<128).map { _ in Float.random(in: -0.2...0.2, using: &generator) } }
        }
        let index = TemplateIndex()
        index.replace(owner: "A", with: [obama, obama2])
        index.replace(owner: "B", with: [biden])
        for n in 0..<1000 { index.replace(owner: "S\(n)", with: [strangers[n]]) }
        #expect(index.count == 1003 && index.ownerCount == 1002)
        let probe = try #require(FaceEmbedding(values: query))
        let known = [obama, obama2].compactMap { FaceEmbedding(values: $0) }
        try #require(known.count == 2)
        let exact = try #require(known.map { $0.distance(to: probe) }.min())
        let found = index.search([query], within: 0.6)
        #expect(found.map(\.owner) == ["A"])
        let nearest = try #require(found.first)
        #expect(abs(nearest.distance - exact) < 0.01, "\(nearest.distance) vs \(exact)")
        #expect(index.search([query], within: 0.6, excluding: "A").isEmpty)
        #expect(index.search([biden], within: 0.05).map(\.owner) == ["B"])
        // Replacing A with Biden's face moves A; removing B leaves only A.
        index.replace(owner: "A", with: [biden])
        #expect(index.search([query], within: 0.6).isEmpty)
        #expect(Set(index.search([biden], within: 0.05).map(\.owner)) == ["A", "B"])
        index.remove(owner: "B")
        #expect(index.search([biden], within: 0.05).map(\.owner) == ["A"])
        #expect(index.count == 1001)
        // Re-enrolling over and over reclaims the old rows; every owner is still found afterwards.
        for n in 0..<3000 { index.replace(owner: "S\(n % 10)", with: [strangers[1000 + n]]) }
        #expect(index.count == 1001 && index.storedRows < 1001 + 1100, "\(index.storedRows) rows held")
        #expect(index.search([biden], within: 0.05).map(\.owner) == ["A"])
        index.replace(owner: "S999", with: [query])
        #expect(Set(index.search([query], within: 0.01).map(\.owner)) == ["S999"])
    }
}
