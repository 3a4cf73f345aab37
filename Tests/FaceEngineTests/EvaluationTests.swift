import FaceEngine
import Foundation
import TestSupport
import Testing

/// The accuracy figures `fastcert eval` reports, on distances whose answers are known.
@Suite("Verification metrics and pair lists")
struct EvaluationTests {
    @Test("perfect separation: AUC 1, accuracy 1, no false non-matches")
    func perfectSeparation() throws {
        let m = try #require(VerificationMetrics(genuine: [0.2, 0.3, 0.4], impostor: [0.7, 0.8, 0.9], threshold: 0.5))
        #expect(m.auc == 1)
        #expect(m.bestAccuracy == 1)
        #expect(m.bestThreshold > 0.4 && m.bestThreshold < 0.7)
        #expect(m.accuracyAtThreshold == 1)
        #expect(m.fnmrAtFMR[0.01] == 0)
    }

    @Test("reversed scores: AUC 0; all ties: AUC 0.5")
    func reversedAndTied() throws {
        let reversed = try #require(VerificationMetrics(genuine: [0.9, 0.8], impostor: [0.1, 0.2], threshold: 0.5))
        #expect(reversed.auc == 0)
        #expect(reversed.accuracyAtThreshold == 0)
        #expect(reversed.fmrAtThreshold == 1 && reversed.fnmrAtThreshold == 1)
        let tied = try #require(VerificationMetrics(genuine: [0.5, 0.5], impostor: [0.5, 0.5], threshold: 0.4))
        #expect(tied.auc == 0.5)
    }

    @Test("one overlapping pair: AUC, best accuracy and FNMR at FMR")
    func overlap() throws {
        // Genuine 0.1...0.4 and one at 0.75; impostors 0.6...0.9: the 0.75 genuine beats 2 of 4 impostors.
        let m = try #require(VerificationMetrics(genuine: [0.1, 0.2, 0.3, 0.4, 0.75], impostor: [0.6, 0.7, 0.8, 0.9], threshold: 0.5))
        #expect(abs(m.auc - (4 * 4 + 2) / 20.0) < 1e-12)
        #expect(abs(m.bestAccuracy - 8.0 / 9.0) < 1e-12)
        #expect(m.fnmrAtFMR[0.01] == 0.2)  // no impostor may pass, so the 0.75 genuine pair fails
    }

    @Test("no impostor pairs: no figures")
    func needsBothClasses() {
        #expect(VerificationMetrics(genuine: [0.1], impostor: [], threshold: 0.5) == nil)
    }

    @Test("pair lists: header by name, extra columns ignored, distinct images in order")
    func parsesPairs() throws {
        let list = try PairList(tsv: "subset\tpath_a\tpath_b\tsame\nx\ta.jpg\tb.jpg\t1\ny\ta.jpg\tc.jpg\t0\n\n")
        try #require(list.pairs.count == 2)
        #expect(list.pairs[1] == PairList.Pair(pathA: "a.jpg", pathB: "c.jpg", same: false))
        #expect(list.images == ["a.jpg", "b.jpg", "c.jpg"])
    }

    @Test(
        "malformed pair lists name the line at fault",
        arguments: [
            ("", 1), ("a\tb\tc\n", 1), ("path_a\tpath_b\tsame\nx.jpg\ty.jpg\tyes\n", 2),
            ("path_a\tpath_b\tsame\nx.jpg\ty.jpg\t1\nonly-one-field\n", 3), ("path_a\tpath_b\tsame\n", 2),
        ])
    func malformed(text: String, line: Int) {
        do {
            _ = try PairList(tsv: text)
            Issue.record("accepted a malformed list")
        } catch {
            #expect(error.line == line)
        }
    }

    @Test("an evaluation over the fixtures separates Obama from Biden and lists the no-face image")
    func evaluatesFixtures() async throws {
        try await Fixtures.withTemporaryFolder { folder in
            for name in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"] {
                try Fixtures.image(name).write(to: folder.appending(path: name))
            }
            try Fixtures.cropped("obama.jpg", x: 0, y: 560, width: 910, height: 577).write(to: folder.appending(path: "suit.jpg"))
            let list = try PairList(
                tsv: """
                    path_a\tpath_b\tsame
                    obama.jpg\tobama2.jpg\t1
                    obama.jpg\tobama3.jpg\t1
                    obama2.jpg\tobama3.jpg\t1
                    obama.jpg\tbiden.jpg\t0
                    obama2.jpg\tbiden.jpg\t0
                    suit.jpg\tbiden.jpg\t0
                    """)
            let engine = try await SharedEngines.shared.engine()
            let result = await PairEvaluation.run(list, root: folder, engine: engine, threshold: 0.55)
            #expect(result.scored.count == 5)
            #expect(result.failures.map(\.path) == ["suit.jpg"])
            let metrics = try #require(result.metrics)
            #expect(metrics.auc == 1)
            #expect(metrics.accuracyAtThreshold == 1)
        }
    }

    @Test("gallery rules: nearest, the mean template, the mean distance, weights; none enrolled is never a match")
    func galleryRules() throws {
        func embedding(_ x: Float, _ y: Float = 0) -> FaceEmbedding {
            FaceEmbedding(values: [x, y] + Array(repeating: 0, count: FaceEmbedding.dimensions - 2))!
        }
        let references = [embedding(0), embedding(1)]
        let probe = embedding(0.5, 0.5)
        #expect(abs(GalleryRule.first.distance(probe, to: references) - 0.5.squareRoot()) < 1e-6)
        #expect(abs(GalleryRule.nearest.distance(probe, to: references) - 0.5.squareRoot()) < 1e-6)
        // 0.5 from the mean, corrected for a mean of two photos: sqrt(0.5^2 + 0.10 x (1 - 1/2)).
        #expect(abs(GalleryRule.meanTemplate.distance(probe, to: references) - 0.3.squareRoot()) < 1e-6)
        #expect(GalleryRule.meanTemplate.distance(probe, to: [references[0]]) == probe.distance(to: references[0]))
        // Equal weights are two photos' worth; one dominant weight is nearly one photo's.
        #expect(abs(GalleryRule.meanCorrected(0.5, references: 2) - 0.3.squareRoot()) < 1e-9)
        #expect(GalleryRule.meanCorrected(0.5, references: 1) == 0.5)
        #expect(abs(GalleryRule.meanDistance.distance(probe, to: references) - 0.5.squareRoot()) < 1e-6)
        #expect(FaceEmbedding.mean(references, weights: [3, 1]) == embedding(0.25))
        // Weights that do not fit (count, sign) are ignored rather than trusted.
        #expect(FaceEmbedding.mean(references, weights: [1]) == embedding(0.5))
        #expect(FaceEmbedding.mean(references, weights: [1, -1]) == embedding(0.5))
        #expect(FaceEmbedding.mean([]) == nil)
        for rule in GalleryRule.allCases { #expect(rule.distance(probe, to: []) == .infinity) }
        #expect(GalleryRule.service == .meanTemplate)
    }

    @Test("cohort normalization: z-values against each face's nearest other people, the pair's own folders left out, a ceiling")
    func cohortNormalization() throws {
        func embedding(_ x: Float, _ y: Float = 0) -> FaceEmbedding {
            FaceEmbedding(values: [x, y] + Array(repeating: 0, count: FaceEmbedding.dimensions - 2))!
        }
        // a/1 and a/2 are 0.3 apart; the others stand 1, 1.2 and 1.4 from a/1 on the y axis.
        let embeddings = [
            "a/1.jpg": embedding(0), "a/2.jpg": embedding(0.3), "b/1.jpg": embedding(0, 1), "c/1.jpg": embedding(0, 1.2),
            "d/1.jpg": embedding(0, 1.4),
        ]
        let cohort = CohortNormalization(size: 2)
        let neighbours = cohort.neighbours(embeddings)
        // a/1's cohort never holds a/2 (same folder); its two nearest are b and c.
        #expect(neighbours["a/1.jpg"]?.map(\.owner) == ["b", "c", "d"])
        let stats = try #require(cohort.statistics(neighbours["a/1.jpg"]!, excluding: ["x"]))
        #expect(abs(stats.mean - 1.1) < 1e-6 && abs(stats.sd - 0.1) < 1e-6)
        // Against b, a/1's cohort leaves b out: c and d.
        let withoutB = try #require(cohort.statistics(neighbours["a/1.jpg"]!, excluding: ["b"]))
        #expect(abs(withoutB.mean - 1.3) < 1e-6)
        let score = try #require(cohort.score(distance: 0.3, pathA: "a/1.jpg", pathB: "a/2.jpg", neighbours: neighbours))
        #expect(score < -5)
        // Farther apart than the ceiling: never a match, whatever the cohort.
        #expect(cohort.score(distance: 0.9, pathA: "a/1.jpg", pathB: "a/2.jpg", neighbours: neighbours) == .infinity)
        // A cohort of fewer than two faces: no score.
        #expect(CohortNormalization(size: 2).statistics([.init(distance: 0.5, owner: "b")], excluding: ["x"]) == nil)
    }
}
