import Foundation

/// A match threshold chosen for a target false-match rate, from measured distances, with what the
/// number of impostor pairs can and cannot show. Written by `fastcert calibrate` as a small JSON
/// file that `fastcert serve` reads (docs/calibration.md).
public struct Calibration: Codable, Sendable, Equatable {
    /// The threshold the service uses: the largest whose false-match rate is within the target with
    /// 95% confidence (one-sided Clopper-Pearson upper bound), so a small impostor set cannot talk
    /// the service into a looser threshold than it has shown to be safe.
    public var matchThreshold: Double
    /// The target false-match rate.
    public var targetFMR: Double
    /// The largest threshold whose observed false-match rate is within the target (no margin), and
    /// the false-non-match rate there (nil in files written before it was recorded).
    public var pointThreshold: Double
    public var pointFNMR: Double?
    /// At `matchThreshold`: impostor pairs at or under it, the observed rate and its 95% interval.
    public var falseMatches: Int
    public var fmr: Double
    public var fmrLower95: Double
    public var fmrUpper95: Double
    /// At `matchThreshold`: genuine pairs over it (turned away), the rate and its 95% interval.
    public var falseNonMatches: Int
    public var fnmr: Double
    public var fnmrLower95: Double
    public var fnmrUpper95: Double
    public var genuinePairs: Int
    public var impostorPairs: Int
    /// False when even a threshold with no observed false match cannot show the target with 95%
    /// confidence (fewer than about 3 / target impostor pairs): `matchThreshold` is then the one
    /// under the nearest impostor, and more impostor pairs are needed.
    public var targetShown: Bool
    /// How the distances were made (the engine's embedding options), and from what.
    public var embedding: String
    public var source: String
    public var createdAt: String
    /// What was compared: nil for pairs of photos (one reference photo), else the rule and the
    /// number of reference photos per person (`mean_template of 2 reference photos`): the service
    /// compares with ``GalleryRule/service`` against every photo a person enrolled, corrected to the
    /// one-photo scale, so a threshold from pairs holds for several photos too; calibrating by
    /// people checks that on the bureau's own photos (docs/calibration.md).
    public var comparison: String?
    /// Set when the scores were cohort-normalized (``CohortNormalization``, the nearest members per
    /// side): `matchThreshold` and `pointThreshold` are then z-values. The service uses such a file
    /// only when it was calibrated by people (`--root PEOPLE --references K --cohort N`), the cohort
    /// then being a sample of enrolled people as in the service (``FaceCohort``); a pair calibration's
    /// cohort was the other images, which the service does not have (``load(_:)`` refuses it).
    public var cohortSize: Int?
    /// With a cohort of people: the sample's capacity, the members it had, and the ceiling.
    public var cohortCapacity: Int?
    public var cohortMembers: Int?
    public var cohortCeiling: Double?
    /// With a cohort of people: the distance threshold for the same target from the same attempts,
    /// which the service decides by while its own cohort has fewer members than `cohortMembers`.
    public var distanceThreshold: Double?
    /// With `calibrate --other-face-fnmr`: the sightings' second threshold, the distance beyond which
    /// no more than `otherFaceTarget` of the genuine pairs lie (a face farther than it from the card
    /// holder's is called `other_face`, so a living person's poor capture stays `no_decision`), the
    /// genuine pairs beyond it and the impostor pairs beyond it (another face caught).
    public var otherFaceThreshold: Double?
    public var otherFaceTarget: Double?
    public var otherFaceGenuine: Int?
    public var otherFaceImpostors: Int?

    enum CodingKeys: String, CodingKey {
        case matchThreshold = "match_threshold", targetFMR = "target_fmr", pointThreshold = "point_threshold", pointFNMR = "point_fnmr"
        case falseMatches = "false_matches", fmr, fmrLower95 = "fmr_lower_95", fmrUpper95 = "fmr_upper_95"
        case falseNonMatches = "false_non_matches", fnmr, fnmrLower95 = "fnmr_lower_95", fnmrUpper95 = "fnmr_upper_95"
        case genuinePairs = "genuine_pairs", impostorPairs = "impostor_pairs", targetShown = "target_shown", embedding, source
        case createdAt = "created_at", comparison, cohortSize = "cohort_size", cohortCapacity = "cohort_capacity"
        case cohortMembers = "cohort_members", cohortCeiling = "cohort_ceiling", distanceThreshold = "distance_threshold"
        case otherFaceThreshold = "other_face_threshold", otherFaceTarget = "other_face_target", otherFaceGenuine = "other_face_genuine"
        case otherFaceImpostors = "other_face_impostors"
    }

    /// Sets the `other_face` threshold: halfway between the largest genuine distance it must leave
    /// beyond (at most `target` of the genuine pairs, rounded down: 2 of 2,209 for 1e-3) and the next
    /// one below, rounded up to six decimals (never calling more genuine pairs another face than measured).
    public mutating func setOtherFace(genuine: [Double], impostor: [Double], target: Double) {
        guard !genuine.isEmpty, target >= 0, target < 1 else { return }
        let sorted = genuine.sorted()
        let beyond = min(sorted.count - 1, Int((target * Double(sorted.count)).rounded(.down)))
        let inside = sorted[sorted.count - 1 - beyond]
        let outside = beyond == 0 ? inside + 0.02 : sorted[sorted.count - beyond]
        let threshold = (((inside + outside) / 2) * 1_000_000).rounded(.up) / 1_000_000
        otherFaceThreshold = threshold
        otherFaceTarget = target
        otherFaceGenuine = sorted.filter { $0 > threshold }.count
        otherFaceImpostors = impostor.filter { $0 > threshold }.count
    }

    /// The service's cohort rule from a people calibration with a cohort: nil for a distance
    /// calibration. The service's sample is as large as the calibration's cohort was (its
    /// `cohortMembers`, at most `cohortCapacity`), and used once full: the nearest members of a
    /// larger sample come nearer (a stricter rule than calibrated), of a smaller one farther (a looser).
    public var cohortPolicy: CohortPolicy? {
        guard let size = cohortSize, let capacity = cohortCapacity, let members = cohortMembers, let ceiling = cohortCeiling,
            members <= capacity
        else {
            return nil
        }
        return CohortPolicy(
            normalization: CohortNormalization(size: size, ceiling: ceiling), threshold: matchThreshold, members: members)
    }

    /// Chooses the threshold for `targetFMR` from genuine and impostor distances.
    public static func choose(
        genuine: [Double], impostor: [Double], targetFMR: Double, embedding: String, source: String, at date: Date = Date()
    ) -> Calibration? {
        guard !genuine.isEmpty, !impostor.isEmpty, targetFMR > 0, targetFMR < 1 else { return nil }
        let impostors = impostor.sorted()
        let n = impostors.count
        // A threshold that admits exactly `k` impostors sits halfway between the k-th and (k+1)-th.
        func threshold(admitting k: Int) -> Double {
            let next = impostors[min(k, n - 1)]
            let previous = k == 0 ? next - 0.02 : impostors[k - 1]
            return k >= n ? impostors[n - 1] + 0.01 : (previous + next) / 2
        }
        let pointK = min(n, Int((targetFMR * Double(n)).rounded(.down)))
        // The most false matches whose 95% upper bound still lies within the target: the bound
        // grows with the count, so a bisection over 0...pointK finds it (millions of impostor
        // attempts allow thousands of false matches at 1e-3; a scan took minutes).
        var safeK = -1
        var low = 0
        var high = pointK
        while low <= high {
            let mid = (low + high) / 2
            if Self.upperBound(successes: mid, trials: n, confidence: 0.95) <= targetFMR {
                safeK = mid
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        let shown = safeK >= 0
        let chosenK = max(safeK, 0)
        // Six decimals, rounded down (never admitting more than measured); the counts at that value.
        func rounded(_ x: Double) -> Double { (x * 1_000_000).rounded(.down) / 1_000_000 }
        let chosen = rounded(threshold(admitting: chosenK))
        let point = rounded(threshold(admitting: pointK))
        let rejected = genuine.filter { $0 > chosen }.count
        let falseMatches = impostors.filter { $0 <= chosen }.count
        return Calibration(
            matchThreshold: chosen, targetFMR: targetFMR, pointThreshold: point,
            pointFNMR: Double(genuine.filter { $0 > point }.count) / Double(genuine.count), falseMatches: falseMatches,
            fmr: Double(falseMatches) / Double(n), fmrLower95: lowerBound(successes: falseMatches, trials: n, confidence: 0.975),
            fmrUpper95: upperBound(successes: falseMatches, trials: n, confidence: 0.975), falseNonMatches: rejected,
            fnmr: Double(rejected) / Double(genuine.count),
            fnmrLower95: lowerBound(successes: rejected, trials: genuine.count, confidence: 0.975),
            fnmrUpper95: upperBound(successes: rejected, trials: genuine.count, confidence: 0.975), genuinePairs: genuine.count,
            impostorPairs: n, targetShown: shown, embedding: embedding, source: source, createdAt: date.formatted(.iso8601))
    }

    /// The one-sided Clopper-Pearson upper bound on a rate from `successes` in `trials`: the rate p
    /// at which seeing `successes` or fewer has probability 1 - confidence.
    public static func upperBound(successes: Int, trials: Int, confidence: Double) -> Double {
        guard successes < trials else { return 1 }
        var low = Double(successes) / Double(trials), high = 1.0
        for _ in 0..<100 {
            let mid = (low + high) / 2
            if binomialCDF(successes, trials, mid) > 1 - confidence { low = mid } else { high = mid }
        }
        return high
    }

    /// The one-sided Clopper-Pearson lower bound: the rate p at which seeing `successes` or more has
    /// probability 1 - confidence.
    public static func lowerBound(successes: Int, trials: Int, confidence: Double) -> Double {
        guard successes > 0 else { return 0 }
        var low = 0.0, high = Double(successes) / Double(trials)
        for _ in 0..<100 {
            let mid = (low + high) / 2
            if 1 - binomialCDF(successes - 1, trials, mid) < 1 - confidence { low = mid } else { high = mid }
        }
        return low
    }

    /// P(X <= k) for X ~ Binomial(n, p), summed in log space (n in the tens of thousands).
    static func binomialCDF(_ k: Int, _ n: Int, _ p: Double) -> Double {
        guard p > 0 else { return 1 }
        guard p < 1 else { return k >= n ? 1 : 0 }
        let logP = log(p), logQ = log1p(-p)
        var total = 0.0
        for i in 0...max(0, min(k, n)) {
            let logTerm =
                lgamma(Double(n) + 1) - lgamma(Double(i) + 1) - lgamma(Double(n - i) + 1) + Double(i) * logP + Double(n - i) * logQ
            total += exp(logTerm)
        }
        return min(1, total)
    }

    /// Reads a calibration file, or fails naming it.
    public static func load(_ url: URL) throws -> Calibration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw CalibrationError("cannot read the calibration file \(url.path)") }
        let calibration: Calibration
        do { calibration = try JSONDecoder().decode(Calibration.self, from: data) } catch {
            throw CalibrationError("the calibration file \(url.path) is not a calibration: \(error)")
        }
        guard calibration.cohortSize != nil else {
            guard (0.1...1.5).contains(calibration.matchThreshold) else {
                throw CalibrationError(
                    "the calibration file \(url.path) gives a threshold of \(calibration.matchThreshold), outside 0.1 to 1.5")
            }
            return calibration
        }
        if let members = calibration.cohortMembers, let capacity = calibration.cohortCapacity, members > capacity {
            throw CalibrationError("the calibration file \(url.path) gives a cohort of \(members) members in a sample of \(capacity)")
        }
        guard let policy = calibration.cohortPolicy, let distance = calibration.distanceThreshold else {
            throw CalibrationError(
                "the calibration file \(url.path) holds a threshold for scores normalized against a cohort of other images (pairs), which the service does not have; calibrate by people (--root PEOPLE --references K --cohort N) or without --cohort"
            )
        }
        guard (0.1...1.5).contains(distance) else {
            throw CalibrationError("the calibration file \(url.path) gives a distance threshold of \(distance), outside 0.1 to 1.5")
        }
        if let problem = policy.problem { throw CalibrationError("the calibration file \(url.path): \(problem)") }
        return calibration
    }

    /// The file's JSON (snake_case keys, sorted, indented).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// A calibration file that cannot be used, with the reason.
public struct CalibrationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
