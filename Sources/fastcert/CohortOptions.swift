import ArgumentParser
import FaceEngine
import Foundation

/// `--cohort K` and `--cohort-people N`: cohort-normalized scores (``CohortNormalization``). By
/// people (`eval-enrollment`, `calibrate --root`) as the service normalizes them against its sample
/// of enrolled people (``FaceCohort``); with pairs (`eval`, `calibrate --pairs`) against the other images.
struct CohortOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Score each comparison against the K nearest other people (cohort normalization, AS-norm): with --pairs among the other images; by people among a sample of --cohort-people of them, as the service does. z-values, not distances; farther apart than 0.65 never matches.",
            valueName: "k"))
    var cohort: Int?

    @Option(help: ArgumentHelp("By people, with --cohort: the cohort sample's size (the service's is 2,000).", valueName: "n"))
    var cohortPeople: Int?

    func validate() throws {
        if let cohort, !(2...1000).contains(cohort) { throw ValidationError("--cohort must be 2 to 1000") }
        if let cohortPeople {
            guard let cohort else { throw ValidationError("--cohort-people goes with --cohort") }
            guard (2...100_000).contains(cohortPeople), cohort < cohortPeople else {
                throw ValidationError("--cohort-people must be 2 to 100000, and larger than --cohort")
            }
        }
    }

    var normalization: CohortNormalization? { cohort.map { CohortNormalization(size: $0) } }

    /// The cohort sample's size, by people.
    var capacity: Int { cohortPeople ?? FaceCohort.defaultCapacity }

    /// Added to "nothing could be scored" with pairs: what a cohort needs that a flat folder lacks.
    var nothingScoredHint: String {
        cohort == nil ? "" : " (--cohort needs photos of other people beside each pair: one sub-folder of --root per person)"
    }

    /// Refuses a cohort of `people` too small for the `cohort` nearest: each attempt leaves the
    /// person claimed and the probe's own out. Asked before any photo is analysed
    /// (``requireEnoughFolders(in:)``), and after (the people with a usable photo).
    func requireEnough(_ people: Int, in root: String) throws {
        guard let cohort, people < cohort + 2 else { return }
        throw CommandFailure.input(
            "\(root): \(people) people for a cohort of the \(cohort) nearest other people (\(cohort + 2) needed); use a smaller --cohort")
    }

    /// ``requireEnough(_:in:)`` on the people (sub-folders) of `root`, counted before analysis.
    func requireEnoughFolders(in root: String) throws {
        guard cohort != nil else { return }
        let folders: Int
        do { folders = try GalleryEvaluation.people(root: URL(filePath: root)).count } catch {
            throw CommandFailure.input("\(root): cannot read the folder (\(error.localizedDescription))")
        }
        try requireEnough(folders, in: root)
    }
}
