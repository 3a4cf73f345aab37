import ArgumentParser
import FaceEngine

/// How `eval` and `calibrate` score a comparison beyond the engine's options: the reference side
/// mirrored, or cohort-normalized scores.
struct PairScoringOptions: ParsableArguments {
    @Flag(help: "Embed each pair's first image (the reference, as enrolled) with the mirrored chip averaged in, the second without.")
    var mirrorReference = false

    @OptionGroup var cohortOptions: CohortOptions

    func validate() throws {
        if cohortOptions.cohort != nil, mirrorReference { throw ValidationError("--cohort and --mirror-reference cannot be combined") }
    }

    var cohort: Int? { cohortOptions.cohort }
    var normalization: CohortNormalization? { cohortOptions.normalization }

    /// The engine for the reference side (`--mirror-reference`), else nil: one engine for both.
    func referenceEngine(_ engineOptions: EngineOptions) async throws -> FaceEngine? {
        mirrorReference ? try await engineOptions.startEngine(mirror: true) : nil
    }
}
