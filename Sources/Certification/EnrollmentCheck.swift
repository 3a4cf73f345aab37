import Crypto
import FaceEngine
import Foundation

/// Judges a set of reference photos for one person, the same way for the HTTP route and the
/// command line: each photo gets its own result (accepted, or rejected with reasons a person can
/// act on); the accepted ones must show one person.
public struct EnrollmentCheck: Sendable {
    /// What the photos gave.
    public struct Outcome: Sendable {
        public var results: [PhotoResult]
        /// The accepted photos' embeddings, in photo order.
        public var accepted: [(index: Int, embedding: FaceEmbedding)]
        /// When the accepted photos do not show one person: the two that disagree.
        public var disagreeing: (Int, Int)?
    }

    public let engine: FaceEngine
    public let matchThreshold: Double
    /// The checks a reference photo must pass (``PhotoCheck/enrollment`` with the configured passive threshold).
    public var photoCheck = PhotoCheck.enrollment

    public init(engine: FaceEngine, matchThreshold: Double, passiveAttackBelow: Double = 0) {
        self.engine = engine
        self.matchThreshold = matchThreshold
        photoCheck.passiveAttackBelow = passiveAttackBelow
    }

    /// Analyses each photo. Throws only for engine failures (busy, shut down, internal), never
    /// for a bad photo: that is a rejected result.
    public func evaluate(_ photos: [Data]) async throws(FaceEngineError) -> Outcome {
        var results: [PhotoResult] = []
        var accepted: [(index: Int, embedding: FaceEmbedding)] = []
        for (index, photo) in photos.enumerated() {
            let sha256 = Self.sha256(photo)
            do throws(FaceEngineError) {
                let analysis = try await engine.analyze(photo, passive: true)
                let problems = photoCheck.problems(analysis)
                let quality = analysis.primaryFace.quality
                func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }
                results.append(
                    PhotoResult(
                        index: index, accepted: problems.isEmpty, reasons: problems.map(\.reason), codes: problems.map(\.code),
                        facesFound: analysis.facesFound, interEyePixels: rounded(quality.interEyePixels),
                        sharpness: rounded(quality.sharpness),
                        brightness: rounded(quality.brightness), yaw: rounded(quality.yaw), sha256: sha256,
                        passiveReal: analysis.primaryFace.passive.map { ($0.real * 1000).rounded() / 1000 }))
                if problems.isEmpty { accepted.append((index, analysis.primaryFace.embedding)) }
            } catch {
                guard error.isImageProblem else { throw error }
                results.append(
                    PhotoResult(index: index, accepted: false, reasons: [Self.reason(error)], codes: [error.code], sha256: sha256))
            }
        }
        var disagreeing: (Int, Int)?
        for (a, first) in accepted.enumerated() where disagreeing == nil {
            for second in accepted[(a + 1)...] where first.embedding.distance(to: second.embedding) > matchThreshold {
                disagreeing = (first.index, second.index)
                break
            }
        }
        return Outcome(results: results, accepted: accepted, disagreeing: disagreeing)
    }

    /// The hex SHA-256 of a photo file.
    public static func sha256(_ photo: Data) -> String {
        Data(SHA256.hash(data: photo)).hexString
    }

    /// What to tell the person about an image the engine could not use.
    public static func reason(_ error: FaceEngineError) -> String {
        switch error {
        case .noFace: "no face found: the whole face should be in view, facing the camera"
        case .undecodableImage: "the image cannot be read (damaged or cut short): take the photo again"
        case .unsupportedFormat: "not a JPEG or PNG image"
        case .imageTooLarge: "the image is too large: send a smaller photo"
        default: error.message
        }
    }
}
