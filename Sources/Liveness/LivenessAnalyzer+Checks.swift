import FaceEngine
import Foundation

/// The checks of ``LivenessAnalyzer/analyze(_:challenges:template:)``, in the order they run.
/// Each records what it saw in `checks` and throws ``LivenessAnalyzer/Halt`` when it decides.
extension LivenessAnalyzer {
    /// Natural capture: the count of frames and their pace.
    func checkPace(_ frames: [LivenessFrame], _ checks: inout [LivenessCheck]) throws(Halt) {
        guard (policy.minFrames...policy.maxFrames).contains(frames.count) else {
            checks.append(.init(name: "frames", passed: false, score: Double(frames.count), reason: "\(frames.count) frames"))
            throw .decided(
                .retry, code: "frames",
                hint: "hold still in front of the camera while it records (\(policy.minFrames) to \(policy.maxFrames) frames)")
        }
        let gaps = zip(frames, frames.dropFirst()).map { $1.capturedAtMs - $0.capturedAtMs }
        guard gaps.allSatisfy({ $0 >= policy.minFrameGapMs && $0 <= policy.maxFrameGapMs }) else {
            checks.append(
                .init(
                    name: "pace", passed: false, score: gaps.min(),
                    reason: "frame gaps outside \(policy.minFrameGapMs)...\(policy.maxFrameGapMs) ms"))
            throw .attack
        }
        checks.append(.init(name: "pace", passed: true, score: gaps.max(), reason: "gaps plausible"))
    }

    /// Every frame: one dominant face of usable size. A frame where the detector lost the face (a
    /// turn past ~45 degrees) is left out, as long as most frames and the first two have one.
    func locate(_ frames: [LivenessFrame], _ checks: inout [LivenessCheck]) async throws(Halt) -> Located {
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
            case .failure(.noFace): continue
            case .failure(let error): throw .engine(error)
            }
        }
        // Before anything asks for a retry: a replay often loses its face, and must still be an attack.
        // When few of the frames chosen for the passive models held a face, others that do are scored.
        let scored = faces.filter { $0.face.passive != nil }.count
        if scored < policy.passiveFrames {
            let extra = faces.indices.filter { faces[$0].face.passive == nil }.prefix(policy.passiveFrames - scored)
            let (keptFrames, boxes) = (kept.map { frames[$0].data }, faces.map(\.face.box))
            let results = await gather(Array(extra)) { position in
                await engine.analyzeFrame(keptFrames[position], near: boxes[position], embed: false, passive: true)
            }
            for (position, result) in zip(extra, results) {
                if case .success(let analysis) = result { faces[position].face.passive = analysis.primaryFace.passive }
            }
        }
        let enoughFaces =
            kept.prefix(2) == [0, 1] && Double(kept.count) >= policy.minFaceShare * Double(frames.count) && kept.count >= policy.minFrames
        // A session about to be a retry for lost faces: the frames that lost it are searched whole
        // and scored. A phone held up to the camera shows a small face away from where the first
        // frame's was (often a real person behind it at the start), so a search near that face
        // misses it; a live person's lost frames find the same face again, or none.
        var elsewhere: [Double] = []
        if !enoughFaces && policy.passiveFrames > 0 {
            let lost = frames.indices.filter { !kept.contains($0) }
            let lostFrames = lost.map { frames[$0].data }
            let results = await gather(Array(lostFrames.indices)) { position in
                await engine.analyzeFrame(lostFrames[position], near: nil, embed: false, passive: true)
            }
            for result in results {
                switch result {
                case .success(let analysis): if let passive = analysis.primaryFace.passive { elsewhere.append(passive.real) }
                case .failure(.noFace): continue
                case .failure(let error): throw .engine(error)
                }
            }
        }
        try checkPassive(faces.compactMap(\.face.passive?.real) + elsewhere, searchedWhole: elsewhere.count, &checks)
        guard enoughFaces else {
            checks.append(
                .init(
                    name: "one_face", passed: false, score: Double(kept.count), reason: "a face in \(kept.count) of \(frames.count) frames")
            )
            throw .decided(.retry, code: "face_lost", hint: "keep your whole face in view of the camera, and turn only a little, slowly")
        }
        if let crowded = faces.firstIndex(where: { !$0.dominant }) {
            checks.append(.init(name: "one_face", passed: false, score: nil, reason: "two faces of similar size in frame \(crowded + 1)"))
            throw .decided(.retry, code: "one_person", hint: "only the person being checked should be in view of the camera")
        }
        if let small = faces.firstIndex(where: { $0.eyeDistance < policy.minInterEyePixels }) {
            checks.append(
                .init(name: "quality", passed: false, score: faces[small].eyeDistance, reason: "face too small in frame \(small + 1)"))
            throw .decided(.retry, code: "move_closer", hint: "move closer to the camera")
        }
        checks.append(.init(name: "one_face", passed: true, score: nil, reason: "one usable face in every frame"))
        return Located(frames: kept.map { frames[$0] }, faces: faces)
    }

    /// The passive models over the scored frames that held a face (a frame without one is never
    /// scored; `searchedWhole` of the scores come from frames that lost the tracked face and were
    /// searched whole): their median "real" score under `passiveAttackBelow`, or `minPassiveFrames`
    /// scores under `passiveScreenBelow`, is a screen or a print. Too few scored frames decide
    /// nothing; the other checks go on.
    func checkPassive(_ scores: [Double], searchedWhole: Int = 0, _ checks: inout [LivenessCheck]) throws(Halt) {
        guard scores.count >= policy.minPassiveFrames else {
            checks.append(
                .init(name: "passive", passed: true, score: nil, reason: "\(scores.count) frame(s) scored: too few to decide"))
            return
        }
        let median = Self.median(scores)
        let reason =
            String(
                format: "median real score %.3f over %d frames (%@)", median, scores.count,
                scores.map { String(format: "%.2f", $0) }.joined(separator: " "))
            + (searchedWhole > 0 ? ", \(searchedWhole) of them frames that lost the face, searched whole" : "")
        let screens = scores.filter { $0 < policy.passiveScreenBelow }.count
        guard median >= policy.passiveAttackBelow, screens < policy.minPassiveFrames else {
            checks.append(
                .init(
                    name: "passive", passed: false, score: median,
                    reason: reason + (median >= policy.passiveAttackBelow ? "; \(screens) frames under \(policy.passiveScreenBelow)" : "")))
            throw .presentationAttack
        }
        checks.append(.init(name: "passive", passed: true, score: median, reason: reason))
    }

    /// Repeats: the same frame sent twice (identical bytes, or landmarks that did not move at all).
    func checkRepeats(_ located: Located, _ checks: inout [LivenessCheck]) throws(Halt) {
        let (frames, faces) = (located.frames, located.faces)
        for index in 1..<frames.count {
            let moved = zip(faces[index].face.landmarks, faces[index - 1].face.landmarks).map { hypot($0.x - $1.x, $0.y - $1.y) }.max() ?? 0
            if frames[index].data == frames[index - 1].data || moved < policy.duplicateLandmarkPixels {
                checks.append(.init(name: "duplicates", passed: false, score: moved, reason: "frame \(index + 1) repeats frame \(index)"))
                throw .attack
            }
        }
        checks.append(.init(name: "duplicates", passed: true, score: nil, reason: "no repeated frame"))
    }

    /// Identity, on a few frames embedded now (embedding every frame costs ~15 ms each): the
    /// first two, up to two more frontal ones, the widest turn each way, and one at random. The
    /// frontal ones must show one person; a turned one must be close to its nearest embedded
    /// frontal frame (turned faces drift, not that far). Returns the best distance of a frontal
    /// frame to the template, by the service's rule for several reference photos, and that frame's
    /// embedding (nil without a template).
    func checkIdentity(_ located: Located, template: [FaceEmbedding]?, _ checks: inout [LivenessCheck]) async throws(Halt) -> (
        distance: Double, embedding: FaceEmbedding
    )? {
        let faces = located.faces
        let reference = Self.median(faces.prefix(2).map(\.cue))
        let frontalIndices = faces.indices.filter { abs(faces[$0].cue - reference) < policy.neutralCue }
        var chosen = Set([0, 1])
        for index in [frontalIndices.dropFirst(2).first, frontalIndices.last].compactMap({ $0 }) { chosen.insert(index) }
        if let widest = faces.indices.max(by: { faces[$0].cue < faces[$1].cue }) { chosen.insert(widest) }
        if let widest = faces.indices.min(by: { faces[$0].cue < faces[$1].cue }) { chosen.insert(widest) }
        chosen.insert(Int.random(in: 0..<faces.count))
        let embedded: [Int: FaceEmbedding]
        do throws(FaceEngineError) { embedded = try await embed(chosen.sorted(), frames: located.frames, faces: faces) } catch {
            throw .engine(error)
        }
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
        let score = max(frontalSpread, worstNeighbour)
        guard frontalSpread <= policy.frontalSpread && worstNeighbour <= policy.continuityDistance else {
            let reason = String(
                format: "frontal frames %.2f apart, a turned frame %.2f from the nearest frontal one", frontalSpread, worstNeighbour)
            checks.append(.init(name: "identity", passed: false, score: score, reason: reason))
            throw .attack
        }
        checks.append(
            .init(
                name: "identity", passed: true, score: score,
                reason: String(format: "one person throughout (frontal %.2f, turned %.2f)", frontalSpread, worstNeighbour)))
        guard let template else { return nil }
        return frontal.values.map { (GalleryRule.service.distance($0, to: template), $0) }.min { $0.0 < $1.0 }
    }

    /// The start faces the camera; then each challenge in order, neutral between them. Returns
    /// each turn's neutral and widest frame.
    func checkChallenges(_ located: Located, _ challenges: [LivenessChallenge], _ checks: inout [LivenessCheck]) throws(Halt)
        -> [(neutral: Int, peak: Int)]
    {
        let faces = located.faces
        let reference = Self.median(faces.prefix(2).map(\.cue))
        guard abs(reference) <= policy.frontalCue else {
            checks.append(.init(name: "start", passed: false, score: reference, reason: "the first frames are not frontal"))
            throw .decided(.retry, code: "look_straight", hint: "look straight at the camera before the first prompt")
        }
        let referenceEyes = Self.median(faces.prefix(2).map(\.eyeDistance))
        let followed = Self.follow(
            challenges, cues: faces.map { $0.cue - reference }, scales: faces.map { $0.eyeDistance / referenceEyes }, policy: policy)
        switch followed {
        case .performed(let turns):
            checks.append(.init(name: "challenges", passed: true, score: Double(challenges.count), reason: "all challenges in order"))
            return turns
        case .wrongOrder(let seen, let expected):
            checks.append(
                .init(name: "challenges", passed: false, score: nil, reason: "\(seen.rawValue) when \(expected.rawValue) was asked"))
            throw .decided(.retry, code: "challenge:\(expected.rawValue)", hint: "follow the prompts in order: \(expected.instruction)")
        case .missing(let done):
            checks.append(
                .init(name: "challenges", passed: false, score: Double(done), reason: "\(done) of \(challenges.count) challenges seen"))
            throw .decided(.retry, code: "challenge:\(challenges[done].rawValue)", hint: challenges[done].instruction)
        }
    }

    /// A screen's or a print's edge around the face, in the first, a middle and the last frame: a
    /// veto (0 of 239 live images showed one; see docs/liveness.md).
    func checkBorders(_ located: Located, _ checks: inout [LivenessCheck]) async throws(Halt) {
        let (frames, faces) = (located.frames, located.faces)
        for index in Set([0, faces.count / 2, faces.count - 1]).sorted() {
            let bordered: Bool
            do throws(FaceEngineError) {
                bordered = try await engine.screenBorder(in: frames[index].data, around: faces[index].face.box)
            } catch {
                throw .engine(error)
            }
            if bordered {
                checks.append(
                    .init(
                        name: "screen_border", passed: false, score: nil,
                        reason: "a screen or print edge around the face in frame \(index + 1)"))
                throw .attack
            }
        }
        checks.append(.init(name: "screen_border", passed: true, score: nil, reason: "no screen or print edge around the face"))
    }

    /// 3D structure: a turning head is not a plane.
    func checkStructure(_ located: Located, turns: [(neutral: Int, peak: Int)], _ checks: inout [LivenessCheck]) async throws(Halt) {
        let (frames, faces) = (located.frames, located.faces)
        for turn in turns {
            let motion: FrameMotion
            do throws(FaceEngineError) {
                motion = try await engine.motion(
                    from: frames[turn.neutral].data, to: frames[turn.peak].data, faceBox: faces[turn.neutral].face.box)
            } catch {
                throw .engine(error)
            }
            let planar = motion.tracked >= policy.minTracked && motion.planarShare >= policy.planarShare
            checks.append(
                .init(
                    name: "structure", passed: !planar, score: motion.planarShare,
                    reason: "\(motion.tracked) of \(motion.corners) points tracked, \(Int(motion.planarShare * 100))% fit one plane"))
            if planar { throw .attack }
        }
    }
}
