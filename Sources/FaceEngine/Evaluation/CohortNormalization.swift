import Foundation

/// Cohort score normalization (adaptive symmetric normalization, "AS-norm"), measured: a pair's
/// distance is judged against how close each of its two faces comes to other people. For each face,
/// the `size` nearest faces of a cohort of other people give a mean and a spread; the pair's score
/// is the mean of the distance's two z-values, `((d - mean_a) / sd_a + (d - mean_b) / sd_b) / 2`
/// (lower is more alike; a face that resembles many people needs a closer match). A pair farther
/// apart than `ceiling` is never a match whatever the cohort says (an odd photo far from everyone
/// cannot be pulled in by its own cohort).
///
/// In an evaluation the cohort is every other image analysed, less the folders (people) of the pair's
/// two images. The service does not use it yet: its cohort would be the enrolled population
/// (docs/calibration.md).
public struct CohortNormalization: Sendable, Equatable {
    /// Nearest cohort faces per face.
    public var size: Int
    /// Raw distance above which a pair's score is infinity.
    public var ceiling: Double

    public static let defaultCeiling = 0.65

    public init(size: Int, ceiling: Double = Self.defaultCeiling) {
        self.size = size
        self.ceiling = ceiling
    }

    /// The folder of a path relative to an evaluation's root: the person, by the datasets' convention.
    public static func person(_ path: String) -> Substring { path.split(separator: "/").dropLast().last ?? "" }

    /// For each image, its nearest images of other people (more than `size`, so that one more
    /// person can still be left out per pair): distance and person.
    public func neighbours(_ embeddings: [String: FaceEmbedding]) -> [String: [(distance: Double, person: Substring)]] {
        let paths = embeddings.keys.sorted()
        let vectors = paths.map { embeddings[$0]! }
        let people = paths.map(Self.person)
        let keep = size + 32
        var result: [String: [(distance: Double, person: Substring)]] = [:]
        for (i, path) in paths.enumerated() {
            var nearest: [(distance: Double, person: Substring)] = []
            nearest.reserveCapacity(vectors.count)
            for j in vectors.indices where people[j] != people[i] {
                nearest.append((vectors[i].distance(to: vectors[j]), people[j]))
            }
            nearest.sort { $0.distance < $1.distance }
            result[path] = Array(nearest.prefix(keep))
        }
        return result
    }

    /// Mean and standard deviation of a face's `size` nearest cohort distances, leaving out `other`'s folder.
    public func statistics(_ neighbours: [(distance: Double, person: Substring)], excluding other: Substring) -> (mean: Double, sd: Double)?
    {
        let cohort = neighbours.lazy.filter { $0.person != other }.prefix(size).map(\.distance)
        let values = Array(cohort)
        guard values.count >= 2 else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, max(variance.squareRoot(), 1e-6))
    }

    /// The normalized score of a pair with raw distance `distance`; nil when a cohort is too small.
    public func score(
        distance: Double, pathA: String, pathB: String, neighbours: [String: [(distance: Double, person: Substring)]]
    ) -> Double? {
        guard distance <= ceiling else { return .infinity }
        guard let a = neighbours[pathA].flatMap({ statistics($0, excluding: Self.person(pathB)) }),
            let b = neighbours[pathB].flatMap({ statistics($0, excluding: Self.person(pathA)) })
        else { return nil }
        return ((distance - a.mean) / a.sd + (distance - b.mean) / b.sd) / 2
    }
}
