import Foundation

/// Runs a ``PairList`` through a ``FaceEngine``: every image once, on all workers, then the
/// distance of every pair whose two images hold a usable face (the largest face of each).
public struct PairEvaluation: Sendable {
    /// An image that gave no embedding, and why.
    public struct Failure: Sendable, Equatable {
        public var path: String
        public var error: FaceEngineError
    }

    /// A scored pair.
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

    /// Analyses each distinct image of `list` under `root`, keeping at most twice as many requests in
    /// flight as there are workers, and scores the pairs against `threshold`.
    public static func run(_ list: PairList, root: URL, engine: FaceEngine, threshold: Double) async -> PairEvaluation {
        let images = list.images
        let start = ContinuousClock.now
        var embeddings: [String: FaceEmbedding] = [:]
        var failures: [Failure] = []
        await withTaskGroup(of: (String, Result<FaceEmbedding, FaceEngineError>).self) { group in
            var pending = images[...]
            let window = engine.configuration.workers * 2
            func launch() {
                guard let path = pending.popFirst() else { return }
                group.addTask {
                    do throws(FaceEngineError) {
                        let analysis = try await engine.analyze(contentsOf: root.appending(path: path))
                        return (path, .success(analysis.primaryFace.embedding))
                    } catch {
                        return (path, .failure(error))
                    }
                }
            }
            for _ in 0..<window { launch() }
            for await (path, result) in group {
                switch result {
                case .success(let embedding): embeddings[path] = embedding
                case .failure(let error): failures.append(Failure(path: path, error: error))
                }
                launch()
            }
        }
        let scored = list.pairs.compactMap { pair -> ScoredPair? in
            guard let a = embeddings[pair.pathA], let b = embeddings[pair.pathB] else { return nil }
            return ScoredPair(pair: pair, distance: a.distance(to: b))
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
