import FaceEngine
import Foundation
import TestSupport
import Testing

/// Choosing a threshold for a target false-match rate, with what the impostor count can show.
@Suite("Calibration")
struct CalibrationTests {
    @Test("the Clopper-Pearson bounds: no false match in n trials bounds the rate by about 3/n; the interval holds the observed rate")
    func bounds() {
        let upper = Calibration.upperBound(successes: 0, trials: 3000, confidence: 0.95)
        #expect(abs(upper - 0.000998) < 0.00002)
        let low = Calibration.lowerBound(successes: 10, trials: 1000, confidence: 0.975)
        let high = Calibration.upperBound(successes: 10, trials: 1000, confidence: 0.975)
        // The exact 95% interval for 10 of 1000 is 0.0048 to 0.0183.
        #expect(abs(low - 0.0048) < 0.0002 && abs(high - 0.0183) < 0.0002)
        #expect(Calibration.lowerBound(successes: 0, trials: 10, confidence: 0.975) == 0)
        #expect(Calibration.upperBound(successes: 10, trials: 10, confidence: 0.975) == 1)
    }

    @Test("the threshold admits only as many impostors as keep the FMR within the target with 95% confidence")
    func chooses() throws {
        let impostor = (0..<10_000).map { 0.6 + Double($0) * 0.00006 }  // 0.6 to 1.2, evenly
        let genuine = (0..<1000).map { 0.3 + Double($0) * 0.0004 }  // 0.3 to 0.7
        let c = try #require(
            Calibration.choose(genuine: genuine, impostor: impostor.shuffled(), targetFMR: 1e-3, embedding: "hog", source: "test"))
        // 10 of 10,000 is the point; the 95% upper bound stays under 1e-3 up to 4 false matches.
        #expect(c.falseMatches == 4 && c.targetShown)
        #expect(Calibration.upperBound(successes: 4, trials: 10_000, confidence: 0.95) <= 1e-3)
        #expect(Calibration.upperBound(successes: 5, trials: 10_000, confidence: 0.95) > 1e-3)
        #expect(c.matchThreshold > impostor[3] && c.matchThreshold < impostor[4])
        #expect(c.pointThreshold > impostor[9] && c.pointThreshold < impostor[10])
        #expect(c.falseNonMatches == genuine.filter { $0 > c.matchThreshold }.count)
        // Too few impostors to show 1e-4: the threshold sits under the nearest one, and says so.
        let few = try #require(Calibration.choose(genuine: genuine, impostor: impostor, targetFMR: 1e-4, embedding: "hog", source: "test"))
        #expect(!few.targetShown && few.falseMatches == 0 && few.matchThreshold < impostor[0])
    }

    @Test("the sightings' other_face threshold leaves at most the target share of genuine pairs beyond it, and reads back")
    func otherFace() async throws {
        let genuine = (0..<2000).map { 0.2 + Double($0) * 0.0002 }  // 0.2 to 0.5998, evenly
        let impostor = (0..<10_000).map { 0.5 + Double($0) * 0.00006 }  // 0.5 to 1.1
        var c = try #require(
            Calibration.choose(genuine: genuine.shuffled(), impostor: impostor, targetFMR: 1e-4, embedding: "hog", source: "test"))
        #expect(c.otherFaceThreshold == nil)
        c.setOtherFace(genuine: genuine.shuffled(), impostor: impostor, target: 1e-3)
        // 1e-3 of 2,000 is 2: the threshold lies between the third-largest and second-largest genuine distance.
        let threshold = try #require(c.otherFaceThreshold)
        #expect(threshold > genuine[1997] && threshold < genuine[1998])
        #expect(c.otherFaceGenuine == 2 && c.otherFaceTarget == 1e-3)
        #expect(c.otherFaceImpostors == impostor.filter { $0 > threshold }.count)
        try await Fixtures.withTemporaryFolder { folder in
            let url = folder.appending(path: "sightings.json")
            try c.json().write(to: url)
            #expect(try Calibration.load(url) == c)
            #expect(String(decoding: try c.json(), as: UTF8.self).contains("\"other_face_threshold\""))
        }
    }

    @Test("the file reads back as written; a file that is not a calibration, or out of range, is refused by name")
    func file() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            let c = try #require(
                Calibration.choose(
                    genuine: [0.3, 0.4], impostor: (0..<5000).map { 0.7 + Double($0) * 1e-4 }, targetFMR: 1e-3, embedding: "hog",
                    source: "t"))
            let url = folder.appending(path: "calibration.json")
            try c.json().write(to: url)
            #expect(try Calibration.load(url) == c)
            #expect(String(decoding: try c.json(), as: UTF8.self).contains("\"match_threshold\""))
            // What was compared: absent (pairs, files written before it existed) or the rule and references.
            let written = String(decoding: try c.json(), as: UTF8.self)
            #expect(c.comparison == nil && !written.contains("comparison") && written.contains("\"point_fnmr\""))
            var people = c
            people.comparison = "mean_template of 2 reference photos"
            try people.json().write(to: url)
            #expect(try Calibration.load(url).comparison == "mean_template of 2 reference photos")
            // A cohort of other images (pairs) is not the service's: refused, saying why.
            people.cohortSize = 50
            try people.json().write(to: url)
            #expect {
                try Calibration.load(url)
            } throws: {
                "\($0)".contains("a cohort of other images")
            }
            // A cohort of people: its z threshold, the distance threshold for a small cohort, the rule.
            people.matchThreshold = -2.4
            people.distanceThreshold = 0.54
            people.cohortCapacity = 2000
            people.cohortMembers = 2000
            people.cohortCeiling = 0.65
            try people.json().write(to: url)
            let loaded = try Calibration.load(url)
            #expect(
                loaded.cohortPolicy
                    == CohortPolicy(
                        normalization: CohortNormalization(size: 50, ceiling: 0.65), threshold: -2.4, members: 2000))
            // Out of range: a cohort larger than its sample, a distance threshold of 3.
            var wrong = people
            wrong.cohortMembers = 2001
            try wrong.json().write(to: url)
            #expect(throws: CalibrationError.self) { try Calibration.load(url) }
            wrong = people
            wrong.distanceThreshold = 3
            try wrong.json().write(to: url)
            #expect(throws: CalibrationError.self) { try Calibration.load(url) }
            try Data("{\"match_threshold\": 3}".utf8).write(to: url)
            #expect(throws: CalibrationError.self) { try Calibration.load(url) }
            #expect(throws: CalibrationError.self) { try Calibration.load(folder.appending(path: "missing.json")) }
        }
    }
}

@Suite("Pair evaluation with a reference engine")
struct ReferenceEngineTests {
    @Test("the first image of each pair is embedded by the reference engine, the second by the other")
    func referenceSide() async throws {
        let mirrored = try await SharedEngines.shared.engine(workers: 1, mirror: true)
        let plain = try await SharedEngines.shared.engine()
        let list = try PairList(tsv: "path_a\tpath_b\tsame\nobama.jpg\tobama.jpg\t1\nobama.jpg\tbiden.jpg\t0\n")
        let same = await PairEvaluation.run(list, root: Fixtures.images, engine: plain, threshold: 0.55)
        let mixed = await PairEvaluation.run(list, root: Fixtures.images, engine: plain, referenceEngine: mirrored, threshold: 0.55)
        // The same photo against itself: 0 with one engine, the mirror's small shift with two.
        #expect(same.scored.first?.distance == 0)
        #expect((mixed.scored.first?.distance ?? 0) > 0.001 && (mixed.scored.first?.distance ?? 1) < 0.15)
        #expect(mixed.scored.count == 2 && mixed.failures.isEmpty)
    }
}
