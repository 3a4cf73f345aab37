import ArgumentParser
import FaceEngine

/// How `eval` and `calibrate` score a pair beyond the engine's options: the reference side mirrored,
/// or cohort-normalized scores.
struct PairScoringOptions: ParsableArguments {
    @Flag(help: "Embed each pair's first image (the reference, as enrolled) with the mirrored chip averaged in, the second without.")
    var mirrorReference = false

    @Option(
        help: ArgumentHelp(
            "Score each comparison against this many nearest other people (cohort normalization, AS-norm): with --pairs among the other images, by people among a sample of the people as the service does. z-values, not distances; farther apart than 0.65 never matches.",
            valueName: "k"))
    var cohort: Int?

    func validate() throws {
        if let cohort, !(2...1000).contains(cohort) { throw ValidationError("--cohort must be 2 to 1000") }
        if cohort != nil, mirrorReference { throw ValidationError("--cohort and --mirror-reference cannot be combined") }
    }

    var normalization: CohortNormalization? { cohort.map { CohortNormalization(size: $0) } }

    /// The engine for the reference side (`--mirror-reference`), else nil: one engine for both.
    func referenceEngine(_ engineOptions: EngineOptions) async throws -> FaceEngine? {
        mirrorReference ? try await engineOptions.startEngine(mirror: true) : nil
    }

    /// Added to "nothing could be scored": what a cohort needs that a flat folder lacks.
    var nothingScoredHint: String {
        cohort == nil ? "" : " (--cohort needs photos of other people beside each pair: one sub-folder of --root per person)"
    }
}
