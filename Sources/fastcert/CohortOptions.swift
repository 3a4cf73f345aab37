import ArgumentParser
import FaceEngine
import Foundation

/// `--cohort K` and `--cohort-people N` for `eval-enrollment` and `calibrate --root`: scores
/// normalized as the service normalizes them against its sample of enrolled people (``FaceCohort``).
struct CohortOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Also score against the K nearest members of a sample of the people (cohort normalization, as the service does with a cohort calibration).",
            valueName: "k"))
    var cohort: Int?

    @Option(help: ArgumentHelp("The cohort sample's size (the service's is 2,000).", valueName: "n"))
    var cohortPeople = FaceCohort.defaultCapacity

    func validate() throws {
        if let cohort, !(2...1000).contains(cohort) { throw ValidationError("--cohort must be 2 to 1000") }
        guard (2...100_000).contains(cohortPeople) else { throw ValidationError("--cohort-people must be 2 to 100000") }
        if let cohort, cohort >= cohortPeople { throw ValidationError("--cohort must be smaller than --cohort-people") }
    }

    var normalization: CohortNormalization? { cohort.map { CohortNormalization(size: $0) } }

    /// Refuses a cohort of `people` too small for the `cohort` nearest: each attempt leaves the
    /// person claimed and the probe's own out. Asked before any photo is analysed (the folders), and
    /// after (the people with a usable photo).
    static func requireEnough(_ people: Int, for cohort: Int?, in root: String) throws {
        guard let cohort, people < cohort + 2 else { return }
        throw CommandFailure.input(
            "\(root): \(people) people for a cohort of the \(cohort) nearest other people (\(cohort + 2) needed); use a smaller --cohort")
    }

    /// The people (sub-folders) of `root`, counted before analysis.
    static func folders(_ root: String) throws -> Int {
        do { return try GalleryEvaluation.people(root: URL(filePath: root)).count } catch {
            throw CommandFailure.input("\(root): cannot read the folder (\(error.localizedDescription))")
        }
    }
}
