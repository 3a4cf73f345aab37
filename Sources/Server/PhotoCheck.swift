import FaceEngine
import Foundation

/// Whether a photo is good enough to enroll or to verify with, and if not, why, in words the
/// person in front of the camera (or the operator) can act on. Thresholds were set on the 170
/// faces-dev photos with a face (see README, "Photo quality"): every one of them passes; the checks
/// catch what is clearly worse. Pitch is not checked: the 5-point estimate saturates on frontal
/// faces (22 of the 170 read -32.7 degrees).
struct PhotoCheck: Sendable {
    /// Smallest distance between the eye centres, in pixels.
    var minInterEyePixels: Double
    var minBrightness = 45.0
    var maxBrightness = 225.0
    var minContrast = 12.0
    /// Variance of the Laplacian of the aligned chip.
    var minSharpness: Double
    var maxYaw = 30.0
    var maxRoll = 30.0

    /// Reference photos must be clearer than the photos verified against them.
    static let enrollment = PhotoCheck(minInterEyePixels: 30, minSharpness: 15)
    static let verification = PhotoCheck(minInterEyePixels: 20, minSharpness: 10)

    struct Problem: Sendable, Equatable {
        var code: String
        var reason: String
    }

    func problems(_ analysis: FaceAnalysis) -> [Problem] {
        var problems: [Problem] = []
        if analysis.facesFound > 1 {
            problems.append(
                .init(code: "several_faces", reason: "\(analysis.facesFound) faces in the photo: only the person should be in view"))
        }
        let q = analysis.primaryFace.quality
        if q.interEyePixels < minInterEyePixels {
            problems.append(.init(code: "face_too_small", reason: "the face is too small: move closer to the camera"))
        }
        if q.brightness < minBrightness {
            problems.append(.init(code: "too_dark", reason: "the face is too dark: add light or face the window"))
        } else if q.brightness > maxBrightness {
            problems.append(.init(code: "too_bright", reason: "the face is overexposed: move out of direct light"))
        } else if q.contrast < minContrast {
            problems.append(.init(code: "low_contrast", reason: "the face has too little contrast: avoid back light and haze"))
        }
        if q.sharpness < minSharpness {
            problems.append(.init(code: "blurred", reason: "the photo is blurred: hold still and keep the lens clean"))
        }
        if abs(q.yaw) > maxYaw {
            problems.append(.init(code: "turned_away", reason: "the head is turned: look straight at the camera"))
        } else if abs(q.roll) > maxRoll {
            problems.append(.init(code: "tilted", reason: "the head is tilted: hold it upright"))
        }
        return problems
    }
}

/// What happened to one uploaded photo.
public struct PhotoResult: Codable, Sendable, Equatable {
    public var index: Int
    public var accepted: Bool
    public var reasons: [String]
    public var codes: [String]
    public var facesFound: Int?
    public var interEyePixels: Double?
    public var sharpness: Double?
    public var brightness: Double?
    public var yaw: Double?
    /// SHA-256 of the photo file (enrollment), so a batch run again recognises photos it has enrolled.
    public var sha256: String?

    public init(
        index: Int, accepted: Bool, reasons: [String], codes: [String], facesFound: Int? = nil, interEyePixels: Double? = nil,
        sharpness: Double? = nil, brightness: Double? = nil, yaw: Double? = nil, sha256: String? = nil
    ) {
        self.index = index
        self.accepted = accepted
        self.reasons = reasons
        self.codes = codes
        self.facesFound = facesFound
        self.interEyePixels = interEyePixels
        self.sharpness = sharpness
        self.brightness = brightness
        self.yaw = yaw
        self.sha256 = sha256
    }
}
