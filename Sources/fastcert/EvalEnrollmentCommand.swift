import ArgumentParser
import Certification
import FaceEngine
import Foundation

/// `fastcert eval-enrollment --root DIR [--references 2] [--threshold T]`
struct EvalEnrollmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-enrollment",
        abstract: "Measure enrollment with several photos, and the retries a rejection asks for.",
        discussion: """
            DIR holds one folder per person. Each person with more than --references photos is enrolled \
            with the first ones (by file name) and verified with each of the others in turn; every photo \
            is also verified against every other person's enrollment (impostor attempts). Prints, for \
            each way of comparing a photo with several references (first: one photo enrolled; nearest; \
            mean_template: the service's rule, the mean corrected to the one-photo scale; mean_distance; \
            quality_weighted), the false-match and \
            false-non-match rates at --threshold and the false-non-match rate at false-match rates 1e-2, \
            1e-3 and 1e-4. Then, for the service's rule at --threshold: how many genuine attempts were \
            refused, how many of those the photo check would have answered with a reason to act on (too \
            dark, turned, too small...), and how many a retry (the person's next photo) rescued. With \
            --cohort K, the service's rule is also scored cohort-normalized as the service would with a \
            cohort calibration: against the K nearest members of a sample of everyone in DIR (each \
            enrolled with their first photos), less the person claimed and the probe's own person; those \
            scores are z-values, so only their rates at a false-match rate are printed, unless \
            --cohort-threshold Z gives one (a calibration file's, to check it on people it was not made on).
            """)

    @Option(help: ArgumentHelp("The folder of people (one sub-folder each).", valueName: "dir")) var root: String
    @Option(help: "Reference photos per enrolled person.") var references = 2
    @Option(help: "The threshold to report at.") var threshold: Double = FaceEngineConfiguration.defaultMatchThreshold
    @Option(
        help: ArgumentHelp(
            "With --cohort: the z threshold to report the cohort row's rates at (a calibration file's match_threshold, to check it on other people).",
            valueName: "z"))
    var cohortThreshold: Double?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var cohortOptions: CohortOptions
    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        guard (1...10).contains(references) else { throw ValidationError("--references must be 1 to 10") }
        if cohortThreshold != nil, cohortOptions.cohort == nil { throw ValidationError("--cohort-threshold goes with --cohort") }
    }

    struct Output: Encodable {
        struct Rule: Encodable {
            var rule: String
            var genuine_attempts: Int
            var impostor_attempts: Int
            var auc: Double
            /// Nil for the cohort-normalized scores (z-values: the distance threshold means nothing to them).
            var fmr_at_threshold: Double?
            var fnmr_at_threshold: Double?
            var fnmr_at_fmr: [String: Double]
        }

        struct Retry: Encodable {
            var rule: String
            var genuine_attempts: Int
            var refused: Int
            /// Refused attempts the photo check would have answered with a reason to act on.
            var refused_with_photo_problem: Int
            var refused_with_a_next_photo: Int
            /// Of those, accepted on the next photo.
            var rescued_by_retry: Int
            var rescued_share: Double?
            var photo_problems: [String: Int]
        }

        var references: Int
        var threshold: Double
        var enrolled_people: Int
        var people_without_usable_references: Int
        var images: Int
        var no_face: Int
        var rules: [Rule]
        /// With --cohort: its size and members.
        var cohort: Int?
        var cohort_members: Int?
        var cohort_threshold: Double?
        var retry: Retry
        var seconds: Double
    }

    func run() async throws {
        try await reportingFailures {
            try cohortOptions.requireEnoughFolders(in: root)
            let engine = try await engineOptions.startEngine()
            let result: GalleryEvaluation
            do {
                result = try await GalleryEvaluation.run(
                    root: URL(filePath: root), references: references, engine: engine, cohort: cohortOptions.normalization,
                    cohortCapacity: cohortOptions.capacity)
            } catch let error as FaceEngineError {
                throw CommandFailure.engine(error, subject: nil)
            } catch {
                throw CommandFailure.input("\(root): cannot read the folder (\(error.localizedDescription))")
            }
            try cohortOptions.requireEnough(result.cohortMembers, in: root)
            guard result.enrolledPeople > 1, !result.genuine.isEmpty else {
                throw CommandFailure.input(
                    "\(root): fewer than two people with more than \(references) usable photos; nothing to measure")
            }
            func row(_ name: String, _ m: VerificationMetrics, atThreshold: Bool) -> Output.Rule {
                Output.Rule(
                    rule: name, genuine_attempts: m.genuinePairs, impostor_attempts: m.impostorPairs, auc: m.auc,
                    fmr_at_threshold: atThreshold ? m.fmrAtThreshold : nil, fnmr_at_threshold: atThreshold ? m.fnmrAtThreshold : nil,
                    fnmr_at_fmr: Dictionary(uniqueKeysWithValues: m.fnmrAtFMR.map { (String($0.key), $0.value) }))
            }
            var rules = GalleryRule.allCases.compactMap { rule in
                result.metrics(rule, threshold: threshold).map { row(rule.rawValue, $0, atThreshold: true) }
            }
            if cohortOptions.cohort != nil, let m = result.cohortMetrics(threshold: cohortThreshold ?? 0) {
                rules.append(row("\(GalleryRule.service.rawValue)+cohort", m, atThreshold: cohortThreshold != nil))
            }
            let output = Output(
                references: references, threshold: threshold, enrolled_people: result.enrolledPeople,
                people_without_usable_references: result.peopleWithoutUsableReferences, images: result.imagesAnalysed,
                no_face: result.failures.count, rules: rules, cohort: cohortOptions.cohort,
                cohort_members: cohortOptions.cohort.map { _ in result.cohortMembers },
                retry: Self.retries(result, rule: GalleryRule.service, threshold: threshold),
                seconds: result.seconds)
            if json {
                try printJSON(output)
            } else {
                print(text(output))
            }
        }
    }

    /// Each person's genuine attempts in file order: a refused attempt followed by another of the
    /// same person is a retry; rescued when that one is accepted.
    static func retries(_ result: GalleryEvaluation, rule: GalleryRule, threshold: Double) -> Output.Retry {
        var retry = Output.Retry(
            rule: rule.rawValue, genuine_attempts: result.genuine.count, refused: 0, refused_with_photo_problem: 0,
            refused_with_a_next_photo: 0, rescued_by_retry: 0, photo_problems: [:])
        for (index, attempt) in result.genuine.enumerated() {
            guard let distance = attempt.distances[rule], distance > threshold else { continue }
            retry.refused += 1
            let problems = PhotoCheck.verification.problems(attempt.analysis)
            if !problems.isEmpty { retry.refused_with_photo_problem += 1 }
            for problem in problems { retry.photo_problems[problem.code, default: 0] += 1 }
            let next = index + 1
            guard next < result.genuine.count, result.genuine[next].person == attempt.person,
                let nextDistance = result.genuine[next].distances[rule]
            else { continue }
            retry.refused_with_a_next_photo += 1
            if nextDistance <= threshold { retry.rescued_by_retry += 1 }
        }
        if retry.refused_with_a_next_photo > 0 {
            retry.rescued_share = Double(retry.rescued_by_retry) / Double(retry.refused_with_a_next_photo)
        }
        return retry
    }

    private func text(_ o: Output) -> String {
        var lines = [
            "enrolled:             \(o.enrolled_people) people with \(o.references) reference photos each"
                + (o.people_without_usable_references > 0
                    ? " (\(o.people_without_usable_references) left out: a reference without a face)" : ""),
            "images:               \(o.images), \(o.no_face) without a usable face",
            String(format: "threshold:            %.3f", o.threshold),
            "rule                  genuine  impostor   AUC     FMR@thr   FNMR@thr  FNMR@1e-2 FNMR@1e-3 FNMR@1e-4",
        ]
        for r in o.rules {
            lines.append(
                r.rule.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: " %7d %9d   %.4f  ", r.genuine_attempts, r.impostor_attempts, r.auc)
                    + (r.fmr_at_threshold.map { String(format: "%.5f", $0) } ?? "      -") + "   "
                    + (r.fnmr_at_threshold.map { String(format: "%.4f", $0) } ?? "     -")
                    + String(
                        format: "    %.4f    %.4f    %.4f", r.fnmr_at_fmr["0.01"] ?? .nan, r.fnmr_at_fmr["0.001"] ?? .nan,
                        r.fnmr_at_fmr["0.0001"] ?? .nan))
        }
        if let size = o.cohort, let members = o.cohort_members {
            lines.append(
                "cohort:               the \(size) nearest of \(members) people (+cohort: z-values"
                    + (o.cohort_threshold.map { String(format: ", rates at %.4f", $0) } ?? "") + ")")
        }
        let t = o.retry
        lines += [
            "retries (\(t.rule), at the threshold): \(t.refused) of \(t.genuine_attempts) genuine attempts refused; "
                + "\(t.refused_with_photo_problem) of them with a photo problem to act on"
                + (t.photo_problems.isEmpty
                    ? ""
                    : " (" + t.photo_problems.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"),
            "  \(t.refused_with_a_next_photo) refused attempts had a next photo; \(t.rescued_by_retry) rescued by that retry"
                + (t.rescued_share.map { String(format: " (%.1f%%)", 100 * $0) } ?? ""),
            String(format: "time:                 %.1f s", o.seconds),
        ]
        return lines.joined(separator: "\n")
    }
}
