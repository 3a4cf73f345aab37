import ArgumentParser
import FaceEngine
import Foundation

/// `fastcert eval --pairs FILE --root DIR [--workers N] [--json]`
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure verification accuracy over a list of labelled image pairs.",
        discussion: """
            FILE is TSV with a header naming path_a, path_b and same (1 same person, 0 different); other \
            columns are ignored; paths are relative to --root. Each image is analysed once, on all \
            workers; where it holds several faces the primary one (the face it is framed on) is used. Pairs with an image that has no \
            usable face are left out and the images are listed.
            """)

    @Option(help: ArgumentHelp("The pair list (TSV).", valueName: "file"))
    var pairs: String

    @Option(help: ArgumentHelp("The folder the pair paths are relative to.", valueName: "dir"))
    var root: String

    @Option(help: "The threshold to report accuracy at (default: the calibrated threshold).")
    var threshold: Double = FaceEngineConfiguration.defaultMatchThreshold

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also write every scored pair with its distance to this TSV file.", valueName: "file"))
    var distances: String?

    @OptionGroup var scoring: PairScoringOptions

    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        if scoring.cohortOptions.cohortPeople != nil {
            throw ValidationError("--cohort-people is for a cohort of people (eval-enrollment, calibrate --root), not pairs")
        }
    }

    struct Output: Encodable {
        struct NoFace: Encodable {
            var path: String
            var code: String
            var message: String
        }

        var pairs: Int
        var pairs_listed: Int
        var genuine_pairs: Int
        var impostor_pairs: Int
        var images: Int
        var no_face: Int
        var no_face_images: [NoFace]
        var auc: Double?
        var best_accuracy: Double?
        var best_threshold: Double?
        var threshold: Double
        var accuracy_at_threshold: Double?
        var fmr_at_threshold: Double?
        var fnmr_at_threshold: Double?
        var fnmr_at_fmr: [String: Double]
        var seconds: Double
        var images_per_second: Double
        /// Cohort size when the scores are cohort-normalized z-values.
        var cohort: Int?
    }

    func run() async throws {
        try await reportingFailures {
            let list: PairList
            do {
                list = try PairList(tsv: try String(contentsOfFile: pairs, encoding: .utf8))
            } catch let error as PairListError {
                throw CommandFailure.input("\(pairs): \(error)")
            } catch {
                throw CommandFailure.input("\(pairs): cannot read the pair list (\(error.localizedDescription))")
            }
            let engine = try await engineOptions.startEngine()
            let reference = try await scoring.referenceEngine(engineOptions)
            let result = await PairEvaluation.run(
                list, root: URL(filePath: root), engine: engine, referenceEngine: reference,
                cohort: scoring.normalization, threshold: threshold)
            let metrics = result.metrics
            if let distances {
                let rows = result.scored.map { "\($0.pair.pathA)\t\($0.pair.pathB)\t\($0.pair.same ? 1 : 0)\t\($0.distance)" }
                do {
                    try (["path_a\tpath_b\tsame\tdistance"] + rows).joined(separator: "\n").appending("\n")
                        .write(toFile: distances, atomically: true, encoding: .utf8)
                } catch {
                    throw CommandFailure.input("\(distances): cannot write the distances (\(error.localizedDescription))")
                }
            }
            let output = Output(
                pairs: result.scored.count,
                pairs_listed: list.pairs.count,
                genuine_pairs: metrics?.genuinePairs ?? 0,
                impostor_pairs: metrics?.impostorPairs ?? 0,
                images: result.imagesAnalysed,
                no_face: result.failures.count,
                no_face_images: result.failures.map { .init(path: $0.path, code: $0.error.code, message: $0.error.message) },
                auc: metrics?.auc,
                best_accuracy: metrics?.bestAccuracy,
                best_threshold: metrics?.bestThreshold,
                threshold: threshold,
                accuracy_at_threshold: metrics?.accuracyAtThreshold,
                fmr_at_threshold: metrics?.fmrAtThreshold,
                fnmr_at_threshold: metrics?.fnmrAtThreshold,
                fnmr_at_fmr: Dictionary(uniqueKeysWithValues: (metrics?.fnmrAtFMR ?? [:]).map { (String($0.key), $0.value) }),
                seconds: result.seconds,
                images_per_second: Double(result.imagesAnalysed) / max(result.seconds, 1e-9), cohort: scoring.cohort)
            if json {
                try printJSON(output)
            } else {
                print(text(output))
            }
            guard metrics != nil else {
                throw CommandFailure.input(
                    "no genuine and impostor pairs could both be scored; see the images listed above"
                        + scoring.cohortOptions.nothingScoredHint)
            }
        }
    }

    private func text(_ o: Output) -> String {
        var lines = [
            "pairs evaluated:      \(o.pairs) of \(o.pairs_listed) (\(o.genuine_pairs) same, \(o.impostor_pairs) different)",
            "images:               \(o.images), \(o.no_face) without a usable face",
        ]
        lines += o.no_face_images.map { "  \($0.path): \($0.message) [\($0.code)]" }
        if let cohort = o.cohort {
            lines.append(
                "scores:               cohort-normalized z-values (\(cohort) nearest other people; farther than \(CohortNormalization.defaultCeiling) never a match)"
            )
        }
        if let auc = o.auc, let best = o.best_accuracy, let bestThreshold = o.best_threshold, let at = o.accuracy_at_threshold,
            let fmr = o.fmr_at_threshold, let fnmr = o.fnmr_at_threshold
        {
            lines += [
                String(format: "ROC AUC:              %.4f", auc),
                String(format: "best accuracy:        %.4f at threshold %.3f", best, bestThreshold),
                String(format: "at threshold %.3f:   accuracy %.4f, FMR %.4f, FNMR %.4f", o.threshold, at, fmr, fnmr),
                String(format: "FNMR at FMR=1e-2:     %.4f", o.fnmr_at_fmr["0.01"] ?? .nan),
                String(format: "FNMR at FMR=1e-3:     %.4f", o.fnmr_at_fmr["0.001"] ?? .nan),
            ]
        }
        lines.append(String(format: "time:                 %.1f s (%.1f images/s)", o.seconds, o.images_per_second))
        return lines.joined(separator: "\n")
    }
}
