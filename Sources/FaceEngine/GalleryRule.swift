/// How a person enrolled with several reference photos is compared with one probe photo.
public enum GalleryRule: String, Sendable, CaseIterable, Codable {
    /// The first reference photo only (enrollment with one photo), for comparison.
    case first
    /// The nearest reference: the smallest distance (the service's rule).
    case nearest
    /// The distance to the mean of the reference embeddings.
    case meanTemplate = "mean_template"
    /// The mean of the distances to each reference.
    case meanDistance = "mean_distance"
    /// The distance to the references' mean weighted by each photo's quality (``GalleryRule/weight(_:)``).
    case qualityWeighted = "quality_weighted"

    /// A reference photo's weight in ``qualityWeighted``: frontal (|yaw| up to 45 degrees), sharp
    /// and large faces count more; never under 0.1.
    public static func weight(_ q: FaceQuality) -> Double {
        let frontal = max(0, 1 - abs(q.yaw) / 45)
        let sharp = min(1, q.sharpness / 100)
        let large = min(1, q.interEyePixels / 60)
        return max(0.1, frontal * sharp * large)
    }

    /// The rule the service verifies with: at the same false-match rate it turns the fewest
    /// genuine people away (lfw-devtrain, two reference photos; docs/calibration.md).
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
        case .meanTemplate: return FaceEmbedding.mean(references).map(probe.distance(to:)) ?? .infinity
        case .qualityWeighted:
            return FaceEmbedding.mean(references, weights: qualities?.map(Self.weight)).map(probe.distance(to:)) ?? .infinity
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
