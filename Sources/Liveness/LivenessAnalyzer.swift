import FaceEngine
import Foundation

/// The multi-frame liveness analysis: every frame one dominant usable face; the same person
/// throughout (and the enrolled one); the challenges performed in the issued order, judged from
/// the yaw cue of the 5 landmarks and the face's scale, back to neutral between them; a turning
/// head that is not a plane (tracked face pixels do not fit one homography); frames that are not
/// repeats and come at a plausible pace.
public struct LivenessAnalyzer: Sendable {
    public let engine: FaceEngine
    public let policy: LivenessPolicy

    public init(engine: FaceEngine, policy: LivenessPolicy = LivenessPolicy()) {
        self.engine = engine
        self.policy = policy
    }

    /// What one frame's primary face says.
    struct FrameFace {
        var face: DetectedFace
        var facesFound: Int
        var dominant: Bool
        var cue: Double
        var eyeDistance: Double
    }

    /// Why the analysis stopped before the end: a check decided (with what to tell the person),
    /// or the engine failed.
    enum Halt: Error {
        case decided(LivenessResult.Verdict, code: String, hint: String)
        case presentationAttack
        case engine(FaceEngineError)

        static let attack = Halt.decided(
            .attack, code: "check_failed",
            hint: "the check did not pass: stand in front of the camera yourself, in good light, and follow the prompts")
    }

    /// The frames that kept a usable face, with what each one's face says.
    struct Located {
        var frames: [LivenessFrame]
        var faces: [FrameFace]
    }

    /// Analyses a session's frames, check by check; the first that fails decides. Throws only for
    /// an image that cannot be decoded at all (the caller's fault: a 4xx), or when the engine
    /// cannot take the work.
    public func analyze(_ frames: [LivenessFrame], challenges: [LivenessChallenge], template: [FaceEmbedding]?)
        async throws(FaceEngineError) -> LivenessResult
    {
        let start = ContinuousClock.now
        var checks: [LivenessCheck] = []
        var match: (distance: Double, embedding: FaceEmbedding)?
        func result(_ verdict: LivenessResult.Verdict, _ code: String, _ hint: String, attack: String? = nil) -> LivenessResult {
            LivenessResult(
                verdict: verdict, attack: attack, hintCode: code, hint: hint, checks: checks, matchDistance: match?.distance,
                matchEmbedding: match?.embedding,
                milliseconds: (ContinuousClock.now - start).inSeconds * 1000)
        }
        do throws(Halt) {
            try checkPace(frames, &checks)
            let located = try await locate(frames, &checks)
            try checkRepeats(located, &checks)
            match = try await checkIdentity(located, template: template, &checks)
            let turns = try checkChallenges(located, challenges, &checks)
            try await checkBorders(located, &checks)
            try await checkStructure(located, turns: turns, &checks)
        } catch {
            switch error {
            case .decided(let verdict, let code, let hint): return result(verdict, code, hint)
            case .presentationAttack:
                return result(
                    .attack, "presentation_attack",
                    "the camera saw a screen or a printed photo, not a person: stand in front of the camera yourself",
                    attack: "presentation_attack")
            case .engine(let failure): throw failure
            }
        }
        return result(.live, "", "done")
    }

    /// Every frame's faces without embeddings, results in frame order: the first frame searched
    /// whole, the others first near where its face was (at the frame's scale: when the first face
    /// was so small the detector had to enlarge the frame, every frame is searched whole, slower).
    /// The frames of ``passiveIndices(_:)`` are also scored by the passive models.
    func locateAll(_ frames: [LivenessFrame]) async -> [Result<FaceAnalysis, FaceEngineError>] {
        let scored = passiveIndices(frames.count)
        let first = await engine.analyzeFrame(frames[0].data, near: nil, embed: false, passive: scored.contains(0))
        let near = (try? first.get()).flatMap { $0.detectionPasses == 1 ? $0.primaryFace.box : nil }
        let rest = await gather(Array(frames.indices.dropFirst())) { index in
            await engine.analyzeFrame(frames[index].data, near: near, embed: false, passive: scored.contains(index))
        }
        return [first] + rest
    }

    /// The frames the passive models score: `passiveFrames` of them, spread from the first to the last.
    func passiveIndices(_ count: Int) -> Set<Int> {
        let k = min(policy.passiveFrames, count)
        guard k > 1 else { return k == 1 ? [0] : [] }
        return Set((0..<k).map { Int((Double($0) * Double(count - 1) / Double(k - 1)).rounded()) })
    }

    /// The embeddings of the chosen frames (analysed again, near their face, with the embedding).
    func embed(_ indices: [Int], frames: [LivenessFrame], faces: [FrameFace]) async throws(FaceEngineError) -> [Int: FaceEmbedding] {
        let results = await gather(indices) { index in
            await engine.analyzeFrame(frames[index].data, near: faces[index].face.box, embed: true)
        }
        var embeddings: [Int: FaceEmbedding] = [:]
        for (index, result) in zip(indices, results) {
            switch result {
            case .success(let analysis): embeddings[index] = analysis.primaryFace.embedding
            case .failure(.noFace): continue
            case .failure(let error): throw error
            }
        }
        return embeddings
    }

    /// Runs `work` for each index, as many at once as the engine has workers; results in order.
    func gather(
        _ indices: [Int], _ work: @escaping @Sendable (Int) async -> Result<FaceAnalysis, FaceEngineError>
    ) async -> [Result<FaceAnalysis, FaceEngineError>] {
        await Concurrently.map(indices, width: engine.configuration.workers, work)
    }
}
