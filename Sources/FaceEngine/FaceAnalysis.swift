/// Everything the engine learnt from one image.
public struct FaceAnalysis: Sendable {
    public enum Format: String, Sendable { case jpeg, png, unknown }

    public var format: Format
    /// Size after EXIF orientation was applied.
    public var width: Int
    public var height: Int
    /// EXIF orientation found in the file (1 when absent).
    public var exifOrientation: Int
    /// Faces measured, the primary face first (the one the photo is framed on: of the faces at least
    /// half as large as the largest, by the part of the box inside the image, the nearest the
    /// centre), then by that size. Never empty: an image without a face is a
    /// ``FaceEngineError/noFace(_:)``.
    public var faces: [DetectedFace]
    /// Faces the detector found, which may exceed `faces.count` when capped by configuration.
    public var facesFound: Int
    /// Detector passes run (more than 1 when the first found nothing and it retried larger).
    public var detectionPasses: Int
    public var timings: StageTimings

    /// The face to use when one is needed: the primary face (the list is already ordered that way).
    public var primaryFace: DetectedFace { faces[0] }
}

/// One detected face, in the oriented image's pixel coordinates.
public struct DetectedFace: Sendable {
    public var box: FaceBox
    /// Detector confidence (HOG: SVM margin, > 0 is a detection).
    public var score: Double
    /// dlib's 5 points: the two corners of the eye on the image's right, the two of the other eye,
    /// and the base of the nose.
    public var landmarks: [Point]
    public var quality: FaceQuality
    public var embedding: FaceEmbedding
    /// The passive anti-spoofing scores, when asked for (the primary face only).
    public var passive: PassiveScore? = nil
}

/// What the passive anti-spoofing models (MiniFASNetV2 and V1SE) say of a face: the probability
/// that it is a live face in front of the camera, not a screen or a print, from each model.
public struct PassiveScore: Sendable, Equatable {
    public var v2: Double
    public var v1se: Double
    /// The two models' mean, as their authors combine them.
    public var real: Double { (v2 + v1se) / 2 }

    public init(v2: Double, v1se: Double) {
        self.v2 = v2
        self.v1se = v1se
    }
}

/// An axis-aligned box in pixels.
public struct FaceBox: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
}

/// A point in pixels.
public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
}

/// Measurements that say whether a face is usable as a reference or for verification.
public struct FaceQuality: Sendable, Equatable {
    /// Distance between the eye centres, in pixels of the original image.
    public var interEyePixels: Double
    /// Variance of the Laplacian over the aligned 150x150 chip: low means blurred.
    public var sharpness: Double
    /// Mean luminance of the aligned chip, 0...255.
    public var brightness: Double
    /// Standard deviation of luminance over the aligned chip.
    public var contrast: Double
    /// Head pose estimated from the landmarks, in degrees (coarse: about +-10).
    public var yaw: Double
    public var pitch: Double
    public var roll: Double
}

/// Milliseconds per pipeline stage, measured inside the native engine, plus time queued.
public struct StageTimings: Sendable, Equatable {
    public var decode: Double
    public var detect: Double
    /// Landmarks and the aligned chip.
    public var align: Double
    public var embed: Double
    /// The passive anti-spoofing models (0 when not asked for).
    public var passive: Double = 0
    /// Time the request waited for a free worker.
    public var queued: Double

    public var total: Double { decode + detect + align + embed + passive }
}
