import Foundation

/// Cohort score normalization (adaptive symmetric normalization, "AS-norm"): a comparison's
/// distance is judged against how close each of its two sides comes to other people. For each side,
/// the `size` nearest members of a cohort of other people give a mean and a spread; the score is
/// the mean of the distance's two z-values, `((d - mean_a) / sd_a + (d - mean_b) / sd_b) / 2`
/// (lower is more alike; a face that resembles many people needs a closer match). A comparison
/// farther apart than `ceiling` is never a match whatever the cohort says (an odd photo far from
/// everyone cannot be pulled in by its own cohort).
///
/// In a pair evaluation the cohort is every other image analysed, less the folders (people) of the
/// pair's two images. In the service, and in `eval-enrollment` / `calibrate --root` which measure
/// it, the cohort is a fixed-size sample of the enrolled people (``FaceCohort``), less the person
/// claimed (docs/calibration.md).
public struct CohortNormalization: Sendable, Equatable, Codable {
    /// A cohort member near a face, and how near.
    public struct Neighbour: Sendable, Equatable {
        public var distance: Double
        /// The member: a person (a folder, or an enrolled resident).
        public var owner: String

        public init(distance: Double, owner: String) {
            self.distance = distance
            self.owner = owner
        }
    }

    /// Nearest cohort members per side.
    public var size: Int
    /// Raw distance above which a comparison's score is infinity.
    public var ceiling: Double

    public static let defaultCeiling = 0.65
    /// The nearest members per side the service uses by default (as measured on lfw-devtrain).
    public static let defaultSize = 50

    public init(size: Int = Self.defaultSize, ceiling: Double = Self.defaultCeiling) {
        self.size = size
        self.ceiling = ceiling
    }

    /// The folder of a path relative to an evaluation's root: the person, by the datasets' convention.
    public static func person(_ path: String) -> String { String(path.split(separator: "/").dropLast().last ?? "") }

    /// For each image, its nearest images of other people (more than `size`, so that one more
    /// person can still be left out per pair).
    public func neighbours(_ embeddings: [String: FaceEmbedding]) -> [String: [Neighbour]] {
        let paths = embeddings.keys.sorted()
        let vectors = paths.map { embeddings[$0]! }
        let people = paths.map(Self.person)
        let keep = size + 32
        var result: [String: [Neighbour]] = [:]
        for (i, path) in paths.enumerated() {
            var nearest: [Neighbour] = []
            nearest.reserveCapacity(vectors.count)
            for j in vectors.indices where people[j] != people[i] {
                nearest.append(Neighbour(distance: vectors[i].distance(to: vectors[j]), owner: people[j]))
            }
            result[path] = Self.nearest(nearest, keep)
        }
        return result
    }

    /// The `count` nearest of `neighbours`, nearest first (ties by owner, so the order is stable).
    static func nearest(_ neighbours: [Neighbour], _ count: Int) -> [Neighbour] {
        Array(neighbours.sorted { ($0.distance, $0.owner) < ($1.distance, $1.owner) }.prefix(count))
    }

    /// Mean and standard deviation of the `size` nearest of `neighbours` (nearest first) that are
    /// not `excluding`; nil when fewer than `minimum` remain.
    public func statistics(_ neighbours: [Neighbour], excluding: Set<String>, minimum: Int = 2) -> (mean: Double, sd: Double)? {
        let values = Array(neighbours.lazy.filter { !excluding.contains($0.owner) }.prefix(size).map(\.distance))
        guard values.count >= max(2, minimum) else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, max(variance.squareRoot(), 1e-6))
    }

    /// The two z-values' mean, or infinity over the ceiling.
    public func combine(_ distance: Double, _ a: (mean: Double, sd: Double), _ b: (mean: Double, sd: Double)) -> Double {
        guard distance <= ceiling else { return .infinity }
        return ((distance - a.mean) / a.sd + (distance - b.mean) / b.sd) / 2
    }

    /// The normalized score of a pair of images with raw distance `distance`; nil when a cohort is
    /// too small (fewer than two faces).
    public func score(distance: Double, pathA: String, pathB: String, neighbours: [String: [Neighbour]]) -> Double? {
        guard distance <= ceiling else { return .infinity }
        guard let a = neighbours[pathA].flatMap({ statistics($0, excluding: [Self.person(pathB)]) }),
            let b = neighbours[pathB].flatMap({ statistics($0, excluding: [Self.person(pathA)]) })
        else { return nil }
        return combine(distance, a, b)
    }

    /// A verification's normalized score: `distance` by the service's rule, `probe` the cohort
    /// members nearest the probe photo and `reference` those nearest the enrolled person
    /// (``FaceCohort/nearest(toProbe:count:)``, ``FaceCohort/nearest(toReferences:count:)``), with
    /// `excluding` (the person claimed, and in an evaluation the probe's own person) left out.
    /// Nil unless both sides keep a full `size` members: the cohort is not ready and the caller
    /// decides by distance.
    public func score(distance: Double, probe: [Neighbour], reference: [Neighbour], excluding: Set<String>) -> CohortScore? {
        guard let p = statistics(probe, excluding: excluding, minimum: size),
            let r = statistics(reference, excluding: excluding, minimum: size)
        else { return nil }
        return CohortScore(z: combine(distance, p, r), probeMean: p.mean, probeSD: p.sd, referenceMean: r.mean, referenceSD: r.sd)
    }
}

/// A cohort-normalized score and the two sides' statistics it was made from (the attempt records
/// the z-value; the statistics are for tests and diagnosis).
public struct CohortScore: Sendable, Equatable {
    /// The mean z-value (infinity past the ceiling): a match when at or under the calibrated threshold.
    public var z: Double
    public var probeMean: Double
    public var probeSD: Double
    public var referenceMean: Double
    public var referenceSD: Double
}
