import Foundation

/// Runs a ``PairList`` through a ``FaceEngine``: every image once, on all workers, then the
/// distance of every pair whose two images hold a usable face (the primary face of each).
public struct PairEvaluation: Sendable {
    /// An image that gave no embedding, and why.
    public struct Failure: Sendable, Equatable {
        public var path: String
        public var error: FaceEngineError
    }

    /// A scored pair: its distance, or with a cohort normalization its normalized score.
    public struct ScoredPair: Sendable {
        public var pair: PairList.Pair
        public var distance: Double
    }

    public var scored: [ScoredPair]
    /// Images with no face, or that could not be read; their pairs are left out of the figures.
    public var failures: [Failure]
    public var metrics: VerificationMetrics?
    /// Wall-clock seconds spent analysing the images.
    public var seconds: Double
    public var imagesAnalysed: Int

    /// Analyses each distinct image of `list` under `root` on all workers, and scores the pairs
    /// against `threshold`. With a `referenceEngine`, each pair's first image (the reference photo,
    /// as enrolled) is embedded by it and the second (the probe) by `engine`: an enrollment-only
    /// option measured as the service would use it.
    /// With a `cohort`, each pair is scored by ``CohortNormalization`` over the other images of the
    /// list (lower is still more alike, but the scores are z-values, not distances); not with a
    /// reference engine.
    public static func run(
        _ list: PairList, root: URL, engine: FaceEngine, referenceEngine: FaceEngine? = nil, cohort: CohortNormalization? = nil,
        threshold: Double
    ) async -> PairEvaluation {
        precondition(cohort == nil || referenceEngine == nil, "a cohort normalization needs one engine")
        let images = list.images
        let start = ContinuousClock.now
        var failures: [Failure] = []
        func embed(_ paths: [String], _ engine: FaceEngine) async -> [String: FaceEmbedding] {
            var embeddings: [String: FaceEmbedding] = [:]
            let results = await engine.analyze(files: paths.map { root.appending(path: $0) })
            for (path, result) in zip(paths, results) {
                switch result {
                case .success(let analysis): embeddings[path] = analysis.primaryFace.embedding
                case .failure(let error): failures.append(Failure(path: path, error: error))
                }
            }
            return embeddings
        }
        // Each image once per engine that needs it: with a reference engine, the probes by `engine`
        // and the references by it; without, every image by `engine`.
        let probes = referenceEngine == nil ? images : list.images(\.pathB)
        let embeddings = await embed(probes, engine)
        var references = embeddings
        if let referenceEngine { references = await embed(list.images(\.pathA), referenceEngine) }
        // An image in both roles that no engine could read is listed once.
        var listed = Set<String>()
        failures = failures.filter { listed.insert($0.path).inserted }
        let neighbours = cohort?.neighbours(embeddings) ?? [:]
        let scored = list.pairs.compactMap { pair -> ScoredPair? in
            guard let a = references[pair.pathA], let b = embeddings[pair.pathB] else { return nil }
            let distance = a.distance(to: b)
            guard let cohort else { return ScoredPair(pair: pair, distance: distance) }
            return cohort.score(distance: distance, pathA: pair.pathA, pathB: pair.pathB, neighbours: neighbours).map {
                ScoredPair(pair: pair, distance: $0)
            }
        }
        return PairEvaluation(
            scored: scored,
            failures: failures.sorted { $0.path < $1.path },
            metrics: VerificationMetrics(
                genuine: scored.filter(\.pair.same).map(\.distance),
                impostor: scored.filter { !$0.pair.same }.map(\.distance),
                threshold: threshold),
            seconds: (ContinuousClock.now - start) / .seconds(1),
            imagesAnalysed: images.count)
    }
}
