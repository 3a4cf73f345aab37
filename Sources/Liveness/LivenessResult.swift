import FaceEngine
import Foundation

/// One captured frame: the encoded image and when it was captured (milliseconds, any origin).
public struct LivenessFrame: Sendable {
    public var data: Data
    public var capturedAtMs: Double

    public init(data: Data, capturedAtMs: Double) {
        self.data = data
        self.capturedAtMs = capturedAtMs
    }
}

/// One check of the analysis, for the log and the audit trail (never sent to the client).
public struct LivenessCheck: Sendable, Codable, Equatable {
    public var name: String
    public var passed: Bool
    public var score: Double?
    public var reason: String

    public init(name: String, passed: Bool, score: Double?, reason: String) {
        self.name = name
        self.passed = passed
        self.score = score
        self.reason = reason
    }
}

/// What the analysis concluded.
public struct LivenessResult: Sendable {
    public enum Verdict: String, Sendable, Codable {
        /// A live person performed the challenges.
        case live
        /// Something a live capture does not produce: a flat face, repeated frames, two people.
        case attack
        /// The capture was not good enough to decide (face lost, challenge not seen): try again.
        case retry
    }

    public var verdict: Verdict
    /// Why an attack was called, when a check can say it: `presentation_attack` (the passive
    /// models saw a screen or a print).
    public var attack: String? = nil
    /// The hint as a stable code a device can show in its own language: `frames`, `face_lost`,
    /// `one_person`, `move_closer`, `look_straight`, `challenge:<challenge>` (do this one, in order),
    /// `check_failed`, `presentation_attack`; empty when live.
    public var hintCode: String
    /// What the person should do next, in words they can follow.
    public var hint: String
    public var checks: [LivenessCheck]
    /// The best distance between a frontal frame and the enrolled template (nil without a template).
    public var matchDistance: Double?
    /// That frame's embedding (the probe a cohort score is made from). Biometric: never logged or sent.
    public var matchEmbedding: FaceEmbedding?
    /// Wall-clock time of the analysis.
    public var milliseconds: Double

    public init(
        verdict: Verdict, attack: String? = nil, hintCode: String = "", hint: String, checks: [LivenessCheck], matchDistance: Double?,
        matchEmbedding: FaceEmbedding? = nil, milliseconds: Double
    ) {
        self.matchEmbedding = matchEmbedding
        self.hintCode = hintCode
        self.verdict = verdict
        self.attack = attack
        self.hint = hint
        self.checks = checks
        self.matchDistance = matchDistance
        self.milliseconds = milliseconds
    }
}
