import Foundation

/// How a ``FaceEngine`` is built: where the models are, how many workers, and the input limits.
public struct FaceEngineConfiguration: Sendable, Equatable {
    /// Which detector finds faces.
    public enum Detector: String, Sendable, CaseIterable {
        /// dlib's HOG detector: fast on one core, frontal and near-frontal faces.
        case hog
        /// dlib's MMOD CNN detector: more poses, several times slower on a CPU.
        case cnn
    }

    /// The folder holding the dlib model files (see `models/MANIFEST.tsv`).
    public var modelDirectory: URL
    /// Worker threads, each with its own native engine. Default: one per core.
    public var workers: Int
    /// Files larger than this are refused before decoding.
    public var maxBytes: Int
    /// Images whose header declares more pixels than this are refused before decoding.
    public var maxPixels: Int
    /// Longest side, in pixels, of the grey copy the detector scans on its first pass.
    public var detectionSize: Int
    public var detector: Detector
    /// Faces measured (landmarks, quality, embedding) per image, the primary face first.
    public var maxFacesPerImage: Int
    /// Requests waiting for a worker beyond this are refused with ``FaceEngineError/busy(_:)``.
    public var queueCapacity: Int
    /// The face box is enlarged by this before the passive anti-spoofing models take their crops
    /// around it (dlib's box is tighter than the one they were trained with; docs/liveness.md).
    public var passiveBoxScale = 1.3
    /// Each embedding the mean of the aligned chip's and its mirror image's (twice the embedding cost).
    public var mirrorEmbedding = false
    /// A still photo in which the HOG detector finds no face is searched once more by the MMOD CNN
    /// (slow on a CPU, ~0.3 s, but only where HOG failed; never on video frames). On by default: on
    /// lfw-devtrain it leaves no photo without a face where HOG alone leaves 28 of 3,443, and the
    /// embeddings of the photos HOG finds are unchanged (docs/calibration.md).
    public var cnnFallback = true
    /// Over 1: each embedding the mean of this many randomly jittered copies of the aligned chip
    /// (dlib's `num_jitters`; the cost multiplies by it).
    public var jitters = 0

    /// The options that shape the embeddings, by name, as a calibration file records them and the
    /// service compares them: "hog", "hog,mirror", "cnn,jitters-10", ...
    public var embeddingOptions: String {
        Self.embeddingOptions(detector: detector, mirror: mirrorEmbedding, cnnFallback: cnnFallback, jitters: jitters)
    }

    public static func embeddingOptions(detector: Detector, mirror: Bool, cnnFallback: Bool = false, jitters: Int = 0) -> String {
        var options = [detector.rawValue]
        if mirror { options.append("mirror") }
        if cnnFallback { options.append("cnn-fallback") }
        if jitters > 1 { options.append("jitters-\(jitters)") }
        return options.joined(separator: ",")
    }

    /// The L2 distance under which two faces are judged the same person. Calibrated on
    /// `faces-dev` with `fastcert eval` (docs/calibration.md).
    public static let defaultMatchThreshold = 0.55

    public init(
        modelDirectory: URL,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        maxBytes: Int = 20 << 20,
        maxPixels: Int = 50_000_000,
        detectionSize: Int = 480,
        detector: Detector = .hog,
        maxFacesPerImage: Int = 8,
        queueCapacity: Int = 256
    ) {
        self.modelDirectory = modelDirectory
        self.workers = workers
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
        self.detectionSize = detectionSize
        self.detector = detector
        self.maxFacesPerImage = maxFacesPerImage
        self.queueCapacity = queueCapacity
    }

    /// Checks the values a caller can get wrong, with a message that names the bad one.
    public func validate() throws(FaceEngineError) {
        guard (1...256).contains(workers) else { throw .badArgument("workers must be between 1 and 256 (got \(workers))") }
        guard maxBytes > 0 else { throw .badArgument("the byte limit (max bytes) must be positive") }
        guard maxPixels > 0 else { throw .badArgument("the pixel limit (max pixels) must be positive") }
        guard (80...8192).contains(detectionSize) else {
            throw .badArgument("detection size must be between 80 and 8192 pixels (got \(detectionSize))")
        }
        guard (1...64).contains(maxFacesPerImage) else { throw .badArgument("maxFacesPerImage must be between 1 and 64") }
        guard queueCapacity >= 1 else { throw .badArgument("queueCapacity must be at least 1") }
        guard (0.5...3).contains(passiveBoxScale) else { throw .badArgument("passiveBoxScale must be between 0.5 and 3") }
        guard (0...100).contains(jitters) else { throw .badArgument("jitters must be 0 to 100 (got \(jitters))") }
    }
}
