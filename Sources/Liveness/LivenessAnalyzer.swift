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
    /// What the person should do next, in words they can follow.
    public var hint: String
    public var checks: [LivenessCheck]
    /// The best distance between a frontal frame and the enrolled template (nil without a template).
    public var matchDistance: Double?
    /// Wall-clock time of the analysis.
    public var milliseconds: Double
}

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

    /// What one frame's largest face says.
    struct FrameFace {
        var face: DetectedFace
        var facesFound: Int
        var dominant: Bool
        var cue: Double
        var eyeDistance: Double
    }

    /// Analyses a session's frames. Throws only for an image that cannot be decoded at all (the
    /// caller's fault: a 4xx), or when the engine cannot take the work.
    public func analyze(_ frames: [LivenessFrame], challenges: [LivenessChallenge], template: [FaceEmbedding]?)
        async throws(FaceEngineError)
        -> LivenessResult
    {
        let start = ContinuousClock.now
        var checks: [LivenessCheck] = []
        func finish(_ verdict: LivenessResult.Verdict, _ hint: String, distance: Double? = nil) -> LivenessResult {
            let elapsed = ContinuousClock.now - start
            return LivenessResult(
                verdict: verdict, hint: hint, checks: checks, matchDistance: distance,
                milliseconds: elapsed.inSeconds * 1000)
        }
        let attackHint = "the check did not pass: stand in front of the camera yourself, in good light, and follow the prompts"

        // Natural capture: count and pace.
        guard (policy.minFrames...policy.maxFrames).contains(frames.count) else {
            checks.append(.init(name: "frames", passed: false, score: Double(frames.count), reason: "\(frames.count) frames"))
            return finish(.retry, "hold still in front of the camera while it records (\(policy.minFrames) to \(policy.maxFrames) frames)")
        }
        let gaps = zip(frames, frames.dropFirst()).map { $1.capturedAtMs - $0.capturedAtMs }
        guard gaps.allSatisfy({ $0 >= policy.minFrameGapMs && $0 <= policy.maxFrameGapMs }) else {
            checks.append(
                .init(
                    name: "pace", passed: false, score: gaps.min(),
                    reason: "frame gaps outside \(policy.minFrameGapMs)...\(policy.maxFrameGapMs) ms"))
            return finish(.attack, attackHint)
        }
        checks.append(.init(name: "pace", passed: true, score: gaps.max(), reason: "gaps plausible"))

        // Every frame: one dominant face of usable size. A frame where the detector lost the face
        // (a turn past ~45 degrees) is left out, as long as most frames and the first two have one.
        var faces: [FrameFace] = []
        var kept: [Int] = []
        for (index, result) in await locateAll(frames).enumerated() {
            switch result {
            case .success(let analysis):
                let primary = analysis.primaryFace
                let area = primary.box.width * primary.box.height
                let second = analysis.faces.dropFirst().first.map { $0.box.width * $0.box.height } ?? 0
                faces.append(
                    FrameFace(
                        face: primary, facesFound: analysis.facesFound, dominant: second < 0.25 * area,
                        cue: Self.yawCue(primary.landmarks), eyeDistance: primary.quality.interEyePixels))
                kept.append(index)
            case .failure(.noFace):
                continue
            case .failure(let error):
                throw error
            }
        }
        guard kept.prefix(2) == [0, 1], Double(kept.count) >= policy.minFaceShare * Double(frames.count), kept.count >= policy.minFrames
        else {
            checks.append(
                .init(
                    name: "one_face", passed: false, score: Double(kept.count), reason: "a face in \(kept.count) of \(frames.count) frames")
            )
            return finish(.retry, "keep your whole face in view of the camera, and turn only a little, slowly")
        }
        let frames = kept.map { frames[$0] }
        if let crowded = faces.firstIndex(where: { !$0.dominant }) {
            checks.append(.init(name: "one_face", passed: false, score: nil, reason: "two faces of similar size in frame \(crowded + 1)"))
            return finish(.retry, "only the person being checked should be in view of the camera")
        }
        if let small = faces.firstIndex(where: { $0.eyeDistance < policy.minInterEyePixels }) {
            checks.append(
                .init(name: "quality", passed: false, score: faces[small].eyeDistance, reason: "face too small in frame \(small + 1)"))
            return finish(.retry, "move closer to the camera")
        }
        checks.append(.init(name: "one_face", passed: true, score: nil, reason: "one usable face in every frame"))

        // Repeats: the same frame sent twice (identical bytes, or landmarks that did not move at all).
        for index in 1..<frames.count {
            let moved = zip(faces[index].face.landmarks, faces[index - 1].face.landmarks).map { hypot($0.x - $1.x, $0.y - $1.y) }.max() ?? 0
            if frames[index].data == frames[index - 1].data || moved < policy.duplicateLandmarkPixels {
                checks.append(.init(name: "duplicates", passed: false, score: moved, reason: "frame \(index + 1) repeats frame \(index)"))
                return finish(.attack, attackHint)
            }
        }
        checks.append(.init(name: "duplicates", passed: true, score: nil, reason: "no repeated frame"))

        // Identity, on a few frames embedded now (embedding every frame costs ~15 ms each): the
        // first two, up to two more frontal ones, the widest turn each way, and one at random.
        // The frontal ones must show one person (and the enrolled one); a turned one must be
        // close to its nearest embedded frontal frame (turned faces drift, not that far).
        let reference = Self.median(faces.prefix(2).map(\.cue))
        let frontalIndices = faces.indices.filter { abs(faces[$0].cue - reference) < policy.neutralCue }
        var chosen = Set([0, 1])
        for index in [frontalIndices.dropFirst(2).first, frontalIndices.last].compactMap({ $0 }) { chosen.insert(index) }
        if let widest = faces.indices.max(by: { faces[$0].cue < faces[$1].cue }) { chosen.insert(widest) }
        if let widest = faces.indices.min(by: { faces[$0].cue < faces[$1].cue }) { chosen.insert(widest) }
        chosen.insert(Int.random(in: 0..<faces.count))
        let embedded = try await embed(chosen.sorted(), frames: frames, faces: faces)
        let frontal = embedded.filter { abs(faces[$0.key].cue - reference) < policy.neutralCue }
        var frontalSpread = 0.0
        for a in frontal {
            for b in frontal where a.key < b.key { frontalSpread = max(frontalSpread, a.value.distance(to: b.value)) }
        }
        var worstNeighbour = 0.0
        for (index, embedding) in embedded where frontal[index] == nil {
            let nearest = frontal.min { abs($0.key - index) < abs($1.key - index) }
            worstNeighbour = max(worstNeighbour, nearest.map { embedding.distance(to: $0.value) } ?? .infinity)
        }
        if frontalSpread > policy.frontalSpread || worstNeighbour > policy.continuityDistance {
            checks.append(
                .init(
                    name: "identity", passed: false, score: max(frontalSpread, worstNeighbour),
                    reason: String(
                        format: "frontal frames %.2f apart, a turned frame %.2f from the nearest frontal one", frontalSpread, worstNeighbour
                    )))
            return finish(.attack, attackHint)
        }
        let distance = template.map { template in
            frontal.values.flatMap { embedding in template.map { embedding.distance(to: $0) } }.min() ?? .infinity
        }
        checks.append(
            .init(
                name: "identity", passed: true, score: max(frontalSpread, worstNeighbour),
                reason: String(format: "one person throughout (frontal %.2f, turned %.2f)", frontalSpread, worstNeighbour)))

        // The start faces the camera; then each challenge in order, neutral between them.
        guard abs(reference) <= policy.frontalCue else {
            checks.append(.init(name: "start", passed: false, score: reference, reason: "the first frames are not frontal"))
            return finish(.retry, "look straight at the camera before the first prompt", distance: distance)
        }
        let referenceEyes = Self.median(faces.prefix(2).map(\.eyeDistance))
        let followed = Self.follow(
            challenges, cues: faces.map { $0.cue - reference }, scales: faces.map { $0.eyeDistance / referenceEyes }, policy: policy)
        let turns: [(neutral: Int, peak: Int)]
        switch followed {
        case .performed(let performed):
            turns = performed
        case .wrongOrder(let seen, let expected):
            checks.append(
                .init(name: "challenges", passed: false, score: nil, reason: "\(seen.rawValue) when \(expected.rawValue) was asked"))
            return finish(.retry, "follow the prompts in order: \(expected.instruction)", distance: distance)
        case .missing(let done):
            checks.append(
                .init(name: "challenges", passed: false, score: Double(done), reason: "\(done) of \(challenges.count) challenges seen"))
            return finish(.retry, challenges[done].instruction, distance: distance)
        }
        checks.append(.init(name: "challenges", passed: true, score: Double(challenges.count), reason: "all challenges in order"))

        // A screen's or a print's edge around the face, in the first, a middle and the last frame:
        // a veto (0 of 239 live images showed one; see docs/liveness.md).
        for index in Set([0, faces.count / 2, faces.count - 1]).sorted() {
            if try await engine.screenBorder(in: frames[index].data, around: faces[index].face.box) {
                checks.append(
                    .init(
                        name: "screen_border", passed: false, score: nil,
                        reason: "a screen or print edge around the face in frame \(index + 1)"))
                return finish(.attack, attackHint, distance: distance)
            }
        }
        checks.append(.init(name: "screen_border", passed: true, score: nil, reason: "no screen or print edge around the face"))

        // 3D structure: a turning head is not a plane.
        for turn in turns {
            let motion = try await engine.motion(
                from: frames[turn.neutral].data, to: frames[turn.peak].data, faceBox: faces[turn.neutral].face.box)
            let planar = motion.tracked >= policy.minTracked && motion.planarShare >= policy.planarShare
            checks.append(
                .init(
                    name: "structure", passed: !planar, score: motion.planarShare,
                    reason: "\(motion.tracked) of \(motion.corners) points tracked, \(Int(motion.planarShare * 100))% fit one plane"))
            if planar { return finish(.attack, attackHint, distance: distance) }
        }
        return finish(.live, "done", distance: distance)
    }

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

    /// Follows the challenges through per-frame yaw cues (relative to the start) and face scales
    /// (relative to the start): each challenge must be seen in order, with a return to neutral
    /// between them; a turn's widest frame is its peak.
    public static func follow(_ challenges: [LivenessChallenge], cues: [Double], scales: [Double], policy: LivenessPolicy) -> Following {
        var next = 0
        var ready = true
        var neutralFrame = 0
        var turns: [(neutral: Int, peak: Int)] = []
        for (index, (delta, scale)) in zip(cues, scales).enumerated() {
            let motion: LivenessChallenge? =
                delta >= policy.turnCue
                ? .turnLeft : delta <= -policy.turnCue ? .turnRight : scale >= policy.closerScale ? .moveCloser : nil
            if ready {
                guard let motion else {
                    neutralFrame = index
                    continue
                }
                guard next < challenges.count else { break }
                guard motion == challenges[next] else { return .wrongOrder(seen: motion, expected: challenges[next]) }
                if motion != .moveCloser { turns.append((neutralFrame, index)) }
                next += 1
                ready = false
            } else if abs(delta) < policy.neutralCue && scale < policy.closerScale * 0.9 {
                ready = true
                neutralFrame = index
            } else if let last = turns.last, motion == challenges[next - 1], motion != .moveCloser, abs(delta) > abs(cues[last.peak]) {
                turns[turns.count - 1].peak = index
            }
        }
        return next == challenges.count ? .performed(turns) : .missing(done: next)
    }

    /// The turns a capture performs, in order (what a client following those prompts would have
    /// been asked; for measuring over recorded sequences). Turn left when it shows none.
    public func performedTurns(_ frames: [LivenessFrame]) async -> [LivenessChallenge] {
        let cues = await locateAll(frames).compactMap { try? Self.yawCue($0.get().primaryFace.landmarks) }
        guard cues.count >= 2 else { return [.turnLeft] }
        let reference = Self.median(Array(cues.prefix(2)))
        var turns: [LivenessChallenge] = []
        var ready = true
        for cue in cues {
            let delta = cue - reference
            if ready, abs(delta) >= policy.turnCue {
                turns.append(delta > 0 ? .turnLeft : .turnRight)
                ready = false
            } else if abs(delta) < policy.neutralCue {
                ready = true
            }
        }
        return turns.isEmpty ? [.turnLeft] : turns
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

    /// Every frame's faces without embeddings, results in frame order: the first frame searched
    /// whole, the others first near where its face was (at the frame's scale: when the first face
    /// was so small the detector had to enlarge the frame, every frame is searched whole, slower).
    func locateAll(_ frames: [LivenessFrame]) async -> [Result<FaceAnalysis, FaceEngineError>] {
        let first = await engine.analyzeFrame(frames[0].data, near: nil, embed: false)
        let near = (try? first.get()).flatMap { $0.detectionPasses == 1 ? $0.primaryFace.box : nil }
        let rest = await gather(Array(frames.indices.dropFirst())) { index in
            await engine.analyzeFrame(frames[index].data, near: near, embed: false)
        }
        return [first] + rest
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
        let window = max(1, engine.configuration.workers)
        return await withTaskGroup(of: (Int, Result<FaceAnalysis, FaceEngineError>).self) { group in
            var done: [Int: Result<FaceAnalysis, FaceEngineError>] = [:]
            var submitted = 0
            while done.count < indices.count {
                while submitted < indices.count && submitted - done.count < window {
                    let position = submitted
                    let index = indices[position]
                    group.addTask { (position, await work(index)) }
                    submitted += 1
                }
                guard let finished = await group.next() else { break }
                done[finished.0] = finished.1
            }
            return indices.indices.map { done[$0] ?? .failure(.internalError("frame \(indices[$0] + 1) was not analysed")) }
        }
    }
}
