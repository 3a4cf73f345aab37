import FaceEngine
import Foundation

extension LivenessAnalyzer {
    /// How a sequence of frames followed the challenges.
    public enum Following: Equatable, Sendable {
        /// Every challenge, in order; for each turn the neutral frame before it and its widest frame.
        case performed([(neutral: Int, peak: Int)])
        /// A motion other than the one asked came first.
        case wrongOrder(seen: LivenessChallenge, expected: LivenessChallenge)
        /// Only this many challenges were seen.
        case missing(done: Int)

        public static func == (a: Following, b: Following) -> Bool {
            switch (a, b) {
            case (.performed(let x), .performed(let y)): x.map(\.neutral) == y.map(\.neutral) && x.map(\.peak) == y.map(\.peak)
            case (.wrongOrder(let s1, let e1), .wrongOrder(let s2, let e2)): s1 == s2 && e1 == e2
            case (.missing(let x), .missing(let y)): x == y
            default: false
            }
        }
    }

    /// One motion of a capture: what it was, the neutral frame before it and its widest frame.
    public struct Motion: Equatable, Sendable {
        public var kind: LivenessChallenge
        public var neutral: Int
        public var peak: Int
    }

    /// The one turn detector: splits per-frame yaw cues and face scales (both relative to the
    /// start) into motions, each followed by a return to neutral before the next one counts. A
    /// cue past `turnCue` is a turn (left when positive), a scale past `closerScale` a move closer;
    /// a turn's peak is its widest frame.
    public static func motions(cues: [Double], scales: [Double], policy: LivenessPolicy) -> [Motion] {
        var motions: [Motion] = []
        var ready = true
        var neutralFrame = 0
        for (index, (delta, scale)) in zip(cues, scales).enumerated() {
            let motion: LivenessChallenge? =
                delta >= policy.turnCue
                ? .turnLeft : delta <= -policy.turnCue ? .turnRight : scale >= policy.closerScale ? .moveCloser : nil
            if ready {
                guard let motion else {
                    neutralFrame = index
                    continue
                }
                motions.append(Motion(kind: motion, neutral: neutralFrame, peak: index))
                ready = false
            } else if abs(delta) < policy.neutralCue && scale < policy.closerScale * 0.9 {
                ready = true
                neutralFrame = index
            } else if let last = motions.last, motion == last.kind, motion != .moveCloser, abs(delta) > abs(cues[last.peak]) {
                motions[motions.count - 1].peak = index
            }
        }
        return motions
    }

    /// Follows the challenges through the capture's motions: each challenge must be seen in
    /// order, with a return to neutral between them.
    public static func follow(_ challenges: [LivenessChallenge], cues: [Double], scales: [Double], policy: LivenessPolicy) -> Following {
        let seen = motions(cues: cues, scales: scales, policy: policy)
        for (index, motion) in zip(challenges.indices, seen) where motion.kind != challenges[index] {
            return .wrongOrder(seen: motion.kind, expected: challenges[index])
        }
        guard seen.count >= challenges.count else { return .missing(done: seen.count) }
        return .performed(seen.prefix(challenges.count).filter { $0.kind != .moveCloser }.map { ($0.neutral, $0.peak) })
    }

    /// The turns a capture performs, in order (what a client following those prompts would have
    /// been asked; for measuring over recorded sequences). None when it shows none.
    public func performedTurns(_ frames: [LivenessFrame]) async -> [LivenessChallenge] {
        let cues = await locateAll(frames).compactMap { try? Self.yawCue($0.get().primaryFace.landmarks) }
        guard cues.count >= 2 else { return [] }
        let reference = Self.median(Array(cues.prefix(2)))
        let relative = cues.map { $0 - reference }
        let turns = Self.motions(cues: relative, scales: relative.map { _ in 1 }, policy: policy).map(\.kind).filter { $0 != .moveCloser }
        return turns
    }

    /// The yaw cue of dlib's 5 points: the nose base's offset from the midpoint of the four eye
    /// corners, along the eye line (towards the image's right), over the outer corner distance.
    /// About 0.315 tan(yaw); positive when the nose points to the image's right.
    public static func yawCue(_ landmarks: [Point]) -> Double {
        guard landmarks.count >= 5 else { return 0 }
        let rightX = (landmarks[0].x + landmarks[1].x) / 2, rightY = (landmarks[0].y + landmarks[1].y) / 2
        let leftX = (landmarks[2].x + landmarks[3].x) / 2, leftY = (landmarks[2].y + landmarks[3].y) / 2
        let axisX = rightX - leftX, axisY = rightY - leftY
        let length = max(1e-6, hypot(axisX, axisY))
        let midX = (rightX + leftX) / 2, midY = (rightY + leftY) / 2
        let outer = [(0, 2), (0, 3), (1, 2), (1, 3)].map {
            hypot(landmarks[$0.0].x - landmarks[$0.1].x, landmarks[$0.0].y - landmarks[$0.1].y)
        }.max()!
        let along = ((landmarks[4].x - midX) * axisX + (landmarks[4].y - midY) * axisY) / length
        return along / max(1e-6, outer)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
