import Foundation

/// The face-verification engine: decode, detect, align, embed and compare, on dedicated threads.
///
/// Create one per process with ``start(configuration:)`` and share it; every method is safe to call
/// from any task. Each worker thread owns its own native engine (dlib networks are not safe for
/// concurrent use), so `workers` requests run in parallel and the rest wait in a bounded queue.
public final class FaceEngine: Sendable {
    public let configuration: FaceEngineConfiguration
    private let pool: WorkerPool

    /// Loads the models on every worker and returns when all are ready.
    public static func start(configuration: FaceEngineConfiguration) async throws(FaceEngineError) -> FaceEngine {
        try configuration.validate()
        do {
            return FaceEngine(configuration: configuration, pool: try await WorkerPool.start(configuration: configuration))
        } catch let error as FaceEngineError {
            throw error
        } catch {
            throw .internalError(String(describing: error))
        }
    }

    private init(configuration: FaceEngineConfiguration, pool: WorkerPool) {
        self.configuration = configuration
        self.pool = pool
    }

    deinit {
        pool.shutdown()
    }

    /// Requests waiting for a free worker (for metrics and back-pressure).
    public var queueDepth: Int { pool.queueDepth }

    /// True while the engine takes work (its models loaded, not shut down).
    public var isReady: Bool { pool.isAccepting }

    /// Workers currently running a request.
    public var activeWorkers: Int { pool.activeWorkers }

    /// Runs native work on a worker thread (never the caller's, never the Swift concurrency pool)
    /// and suspends until it is done: the one bridge from the worker pool to `async` callers. A full
    /// queue or a stopped engine is the result's failure.
    func onWorker<T: Sendable>(_ work: @escaping @Sendable (NativeEngine) -> Result<T, FaceEngineError>) async -> Result<
        T, FaceEngineError
    > {
        await withCheckedContinuation { continuation in
            do throws(FaceEngineError) {
                try pool.submit { engine in continuation.resume(returning: work(engine)) }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }

    /// Analyses encoded image bytes (JPEG or PNG): every face, the primary face first, with quality and embedding.
    public func analyze(_ image: Data) async throws(FaceEngineError) -> FaceAnalysis {
        try await result(of: image).get()
    }

    /// Analyses a video frame: the face is searched near `near` first (where it was in an earlier
    /// frame), without `embed` the faces' embeddings are left zero (about 15 ms less a face), and
    /// with `passive` the primary face gets its passive anti-spoofing scores (a few ms). A video
    /// frame is never searched by the CNN fallback (a session has other frames; the CNN's cost is
    /// for still photos).
    public func analyzeFrame(_ image: Data, near: FaceBox?, embed: Bool, passive: Bool = false) async -> Result<
        FaceAnalysis, FaceEngineError
    > {
        await onWorker { engine in
            do throws(FaceEngineError) {
                return .success(try engine.analyze(image, searchRegion: near, embed: embed, passive: passive, cnnFallback: false))
            } catch {
                return .failure(error)
            }
        }
    }

    /// One passive model's softmax outputs (index 1 is "real") for a prepared 80x80 BGR crop: the
    /// check of the converted models against their reference.
    public func passiveCrop(_ bgr: [UInt8], model: Int) async throws(FaceEngineError) -> [Float] {
        try await onWorker { engine in
            do throws(FaceEngineError) {
                return .success(try engine.passiveCrop(bgr, model: model))
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Analyses a single photo with the passive anti-spoofing scores of its primary face (enrollment
    /// photos, an attended desk's photo).
    public func analyze(_ image: Data, passive: Bool) async throws(FaceEngineError) -> FaceAnalysis {
        try await stillResult(image, passive: passive).get()
    }

    /// A still photo, with the CNN fallback only when `cnnFallback` and the engine's configuration
    /// both allow it: a caller whose stills must stay cheap (a camera's sightings, many of them with
    /// no frontal face) keeps it off while enrollment and the desk keep it.
    public func analyze(_ image: Data, passive: Bool, cnnFallback: Bool) async throws(FaceEngineError) -> FaceAnalysis {
        try await stillResult(image, passive: passive, cnnFallback: cnnFallback).get()
    }

    /// A still photo's analysis with its passive scores when asked (searched by the CNN fallback,
    /// when it is on, where HOG finds no face).
    func stillResult(_ image: Data, passive: Bool, cnnFallback: Bool = true) async -> Result<FaceAnalysis, FaceEngineError> {
        await onWorker { engine in
            do throws(FaceEngineError) {
                return .success(try engine.analyze(image, passive: passive, cnnFallback: cnnFallback))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The analysis as a `Result` (for callers that gather many).
    public func analysisResult(_ image: Data) async -> Result<FaceAnalysis, FaceEngineError> {
        await result(of: image)
    }

    /// The analysis as a `Result`: queues the work and suspends until a worker has done it.
    func result(of image: Data) async -> Result<FaceAnalysis, FaceEngineError> {
        let queuedAt = ContinuousClock.now
        return await onWorker { engine in
            let waited = ContinuousClock.now - queuedAt
            do throws(FaceEngineError) {
                var analysis = try engine.analyze(image)
                analysis.timings.queued = waited / .milliseconds(1)
                return .success(analysis)
            } catch {
                return .failure(error)
            }
        }
    }

    /// Reads a file and analyses it. A missing or unreadable file is an ``FaceEngineError/badArgument(_:)``.
    public func analyze(contentsOf url: URL) async throws(FaceEngineError) -> FaceAnalysis {
        try await analyze(Self.read(url, limit: configuration.maxBytes))
    }

    /// Analyses many files, keeping at most twice as many requests in flight as there are workers
    /// (so a long list never overflows the queue). Results come back in the order of `files`; with
    /// `passive`, the primary face of each gets its passive anti-spoofing scores.
    public func analyze(files: [URL], passive: Bool = false) async -> [Result<FaceAnalysis, FaceEngineError>] {
        await Concurrently.map(files, width: configuration.workers * 2) { url in
            do throws(FaceEngineError) {
                guard passive else { return .success(try await self.analyze(contentsOf: url)) }
                let bytes = try Self.read(url, limit: self.configuration.maxBytes)
                return await self.stillResult(bytes, passive: true)
            } catch {
                return .failure(error)
            }
        }
    }

    /// Compares the primary face of each image.
    public func compare(_ first: Data, _ second: Data, threshold: Double = FaceEngineConfiguration.defaultMatchThreshold)
        async throws(FaceEngineError) -> FaceComparison
    {
        async let a = result(of: first)
        async let b = result(of: second)
        let (left, right) = await (a, b)
        return FaceComparison(first: try left.get(), second: try right.get(), threshold: threshold)
    }

    /// Stops taking work; queued requests still finish. Also happens when the engine is released.
    public func shutdown() {
        pool.shutdown()
    }

    /// Reads a whole image file, refusing one over `limit` bytes before reading it (by its size),
    /// and reading no more than `limit + 1` bytes from anything that has no size (a pipe).
    static func read(_ url: URL, limit: Int) throws(FaceEngineError) -> Data {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw .badArgument("cannot open \(url.path): no such file, or not readable")
        }
        defer { try? handle.close() }
        let tooLarge = FaceEngineError.imageTooLarge("\(url.lastPathComponent) is over the limit of \(limit) bytes; send a smaller photo")
        do {
            var wanted = limit + 1
            if let size = try? handle.seekToEnd() {
                guard size <= UInt64(limit) else { throw tooLarge }
                try handle.seek(toOffset: 0)
                wanted = Int(size) + 1  // one more, to notice a file that grew meanwhile
            }
            let data = try handle.read(upToCount: wanted) ?? Data()
            guard data.count <= limit else { throw tooLarge }
            return data
        } catch let error as FaceEngineError {
            throw error
        } catch {
            throw .badArgument("cannot read \(url.path): \(error.localizedDescription)")
        }
    }
}

/// The outcome of comparing the primary face of two images.
public struct FaceComparison: Sendable {
    public let first: FaceAnalysis
    public let second: FaceAnalysis
    public let distance: Double
    public let threshold: Double
    /// True when `distance` is at most `threshold`.
    public var isMatch: Bool { distance <= threshold }

    public init(first: FaceAnalysis, second: FaceAnalysis, threshold: Double) {
        self.first = first
        self.second = second
        self.threshold = threshold
        distance = first.primaryFace.embedding.distance(to: second.primaryFace.embedding)
    }
}
