import Foundation

/// How a person enrolled with several reference photos is compared with one probe photo.
public enum GalleryRule: String, Sendable, CaseIterable, Codable {
    /// The first reference photo only (enrollment with one photo), for comparison.
    case first
    /// The nearest reference: the smallest distance (the service's rule until issue 17).
    case nearest
    /// The distance to the mean of the reference embeddings, corrected for the mean's smaller
    /// spread (``meanCorrected(_:references:)``): the service's rule.
    case meanTemplate = "mean_template"
    /// The mean of the distances to each reference.
    case meanDistance = "mean_distance"
    /// The distance to the references' mean weighted by each photo's quality (``GalleryRule/weight(_:)``),
    /// corrected as ``meanTemplate`` for the weights' effective number of photos.
    case qualityWeighted = "quality_weighted"

    /// The spread of one person's embeddings: the mean squared distance of a photo from the
    /// person's mean embedding (half the mean squared distance between two photos of one person).
    /// lfw-devtrain's 2,209 same-person pairs give 0.098 (0.089 with the mirror); rounded up, so
    /// that the correction errs towards fewer false matches (docs/calibration.md).
    public static let withinPersonVariance = 0.10

    /// A distance to the mean of `references` photos, made comparable with a distance between two
    /// single photos: the mean of k photos strays less from the person's true face than one photo
    /// does (its squared error shrinks from v to v / k), which brings every face nearer it, an
    /// impostor's too. Adding back v (1 - 1/k) to the squared distance restores the one-photo scale,
    /// so one threshold (calibrated on pairs of photos) holds for any number of enrolled photos.
    public static func meanCorrected(_ distance: Double, references: Double) -> Double {
        guard references > 1 else { return distance }
        return (distance * distance + withinPersonVariance * (1 - 1 / references)).squareRoot()
    }

    /// ``meanTemplate``'s score of `probe` against a mean already made of `photos` embeddings (the
    /// verification cohort keeps each member's mean).
    public static func distance(_ probe: FaceEmbedding, toMean mean: FaceEmbedding, of photos: Int) -> Double {
        meanCorrected(probe.distance(to: mean), references: Double(photos))
    }

    /// A reference photo's weight in ``qualityWeighted``: frontal (|yaw| up to 45 degrees), sharp
    /// and large faces count more; never under 0.1.
    public static func weight(_ q: FaceQuality) -> Double {
        let frontal = max(0, 1 - abs(q.yaw) / 45)
        let sharp = min(1, q.sharpness / 100)
        let large = min(1, q.interEyePixels / 60)
        return max(0.1, frontal * sharp * large)
    }

    /// The rule the service verifies with: at the same false-match rate it turns the fewest
    /// genuine people away, and its false-match rate at a threshold does not grow with the number
    /// of photos (lfw-devtrain, one to three reference photos; docs/calibration.md).
    public static let service = GalleryRule.meanTemplate

    /// The score (a distance: smaller is more alike) of `probe` against `references`: infinity when
    /// there are none. `qualities` (one per reference) weigh ``qualityWeighted``; without them every
    /// reference counts the same.
    public func distance(_ probe: FaceEmbedding, to references: [FaceEmbedding], qualities: [FaceQuality]? = nil) -> Double {
        guard let firstReference = references.first else { return .infinity }
        switch self {
        case .first: return probe.distance(to: firstReference)
        case .nearest: return references.map { probe.distance(to: $0) }.min() ?? .infinity
        case .meanDistance: return references.map { probe.distance(to: $0) }.reduce(0, +) / Double(references.count)
        case .meanTemplate:
            guard let mean = FaceEmbedding.mean(references) else { return .infinity }
            return Self.distance(probe, toMean: mean, of: references.count)
        case .qualityWeighted:
            // One weight per reference (each at least 0.1), else all the same.
            let w =
                qualities.flatMap { $0.count == references.count ? $0.map(Self.weight) : nil }
                ?? Array(repeating: 1, count: references.count)
            guard let mean = FaceEmbedding.mean(references, weights: w) else { return .infinity }
            // The weights' effective number of photos: (sum w)^2 / sum w^2.
            let effective = pow(w.reduce(0, +), 2) / w.reduce(0) { $0 + $1 * $1 }
            return Self.meanCorrected(probe.distance(to: mean), references: effective)
        }
    }
}

extension FaceEmbedding {
    /// The (weighted) mean of embeddings: one template for a person enrolled with several photos.
    /// `weights`, one per embedding and positive, are used when they are that (else each counts
    /// the same). Nil for no embeddings.
    public static func mean(_ embeddings: [FaceEmbedding], weights: [Double]? = nil) -> FaceEmbedding? {
        guard embeddings.count > 1 else { return embeddings.first }
        let weights = weights.flatMap { $0.count == embeddings.count && $0.allSatisfy { $0 > 0 } ? $0 : nil }
        var sum = [Double](repeating: 0, count: dimensions)
        var total = 0.0
        for (index, embedding) in embeddings.enumerated() {
            let weight = weights?[index] ?? 1
            for i in 0..<dimensions { sum[i] += weight * Double(embedding.values[i]) }
            total += weight
        }
        return FaceEmbedding(values: sum.map { Float($0 / total) })!
    }
}
