import FaceEngine
import Foundation

/// Whether a photo is good enough to enroll or to verify with, and if not, why, in words the
/// person in front of the camera (or the operator) can act on. Thresholds were set on the 170
/// faces-dev photos with a face (docs/face-engine.md, "Photo quality"): every one of them passes; the checks
/// catch what is clearly worse. Pitch is not checked: the 5-point estimate saturates on frontal
/// faces (22 of the 170 read -32.7 degrees).
public struct PhotoCheck: Sendable {
    /// Smallest distance between the eye centres, in pixels.
    public var minInterEyePixels: Double
    public var minBrightness = 45.0
    public var maxBrightness = 225.0
    public var minContrast = 12.0
    /// Variance of the Laplacian of the aligned chip.
    public var minSharpness: Double
    public var maxYaw = 30.0
    public var maxRoll = 30.0
    /// A passive anti-spoofing "real" score under this refuses the photo as a screen or a print
    /// (0: recorded, never refused; docs/liveness.md measured archive photos).
    public var passiveAttackBelow = 0.0

    /// Reference photos must be clearer than the photos verified against them.
    public static let enrollment = PhotoCheck(minInterEyePixels: 30, minSharpness: 15)
    public static let verification = PhotoCheck(minInterEyePixels: 20, minSharpness: 10)

    /// One thing wrong with a photo: a stable code and the words to show the person.
    public struct Problem: Sendable, Equatable {
        public var code: String
        public var reason: String
    }

    /// What is wrong with the photo's primary face for this purpose (empty: good enough).
    public func problems(_ analysis: FaceAnalysis) -> [Problem] {
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
        if let passive = analysis.primaryFace.passive, passive.real < passiveAttackBelow {
            problems.append(
                .init(
                    code: "presentation_attack",
                    reason: "the photo shows a screen or a printed photo, not the person: photograph the person themselves"))
        }
        if abs(q.yaw) > maxYaw {
            problems.append(.init(code: "turned_away", reason: "the head is turned: look straight at the camera"))
        } else if abs(q.roll) > maxRoll {
            problems.append(.init(code: "tilted", reason: "the head is tilted: hold it upright"))
        }
        return problems
    }
}
