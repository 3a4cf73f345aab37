import Crypto
import FaceEngine
import Foundation
import Ledger
import Liveness

extension VerificationService {
    /// Seconds the frames' span may exceed the time since the session was issued.
    static let captureClockGrace = 2.0

    /// With liveness: each frame is fingerprinted (decoded on the engine's workers, ~1 ms a frame),
    /// then the session is claimed (single use, even when the analysis fails) and the frames
    /// recorded. A replay of an earlier capture is an attack before any analysis: a frame whose file
    /// or decoded picture was submitted before (anyone's session), or most frames within a few bits
    /// of the frames of one of the person's earlier sessions (``LivenessPolicy/replay(of:in:)``).
    func live(_ sessionID: String, _ frames: [LivenessFrame], _ request: Request, _ enrolled: [FaceEmbedding]) async throws -> Match {
        var match = Match()
        // The submission's arrival: the session's expiry and the capture clock are judged by it, not
        // by when the engine (which may have a queue) has fingerprinted the frames.
        let arrived = now()
        let engine = engine
        let fingerprints = await Concurrently.map(Array(frames.indices), width: engine.configuration.workers) { index in
            await engine.fingerprint(frames[index].data)
        }
        var submitted: [SubmittedFrame] = []
        var unreadable: FaceEngineError?
        for (frame, fingerprint) in zip(frames, fingerprints) {
            var record = SubmittedFrame(sha256: Data(SHA256.hash(data: frame.data)))
            switch fingerprint {
            // A featureless frame (all black, blown out) is the same picture on every camera: it is
            // neither recorded nor compared, or a living person's dark first frame would be a replay.
            case .success(let content) where content.isFeatureless: break
            case .success(let content): (record.pixelDigest, record.differenceHash) = (content.pixelDigest, content.differenceHash)
            case .failure(let error):
                // An engine that cannot take the work is not the caller's fault: answered before the
                // session is claimed, so the kiosk retries with the same session.
                switch error {
                case .busy, .shutDown: throw error
                default: unreadable = unreadable ?? error
                }
            }
            submitted.append(record)
        }
        let claimed = try await store.claimLivenessSession(
            sessionID, key: request.caller.keyID, person: request.person, frames: submitted, at: arrived)
        // A frame the engine cannot read is the caller's fault (a 4xx); the session is used all the same.
        if let unreadable { throw unreadable }
        let challenges = claimed.session.challenges.compactMap(LivenessChallenge.init(rawValue:))
        // The capture clock: frames cannot span more time than has passed since the session was
        // issued (two seconds' grace for the two clocks; the issue time is stored to the second,
        // which only adds to it). Frames recorded earlier, or a clock made up, are an attack; the
        // engine need not look at them.
        let span = ((frames.last?.capturedAtMs ?? 0) - (frames.first?.capturedAtMs ?? 0)) / 1000
        let elapsed = claimed.session.issuedAt.map { arrived.timeIntervalSince($0) + Self.captureClockGrace } ?? .infinity
        let result: LivenessResult
        if let replay = replayed(submitted, claimed) {
            result = LivenessResult(
                verdict: .attack, hint: "", checks: [LivenessCheck(name: "fresh_frames", passed: false, score: nil, reason: replay)],
                matchDistance: nil, milliseconds: 0)
        } else if span > elapsed {
            result = LivenessResult(
                verdict: .attack, hint: "",
                checks: [
                    LivenessCheck(
                        name: "capture_clock", passed: false, score: span,
                        reason: String(
                            format: "frames span %.1f s; the session was issued %.1f s before they arrived", span,
                            elapsed - Self.captureClockGrace))
                ], matchDistance: nil, milliseconds: 0)
        } else {
            result = try await liveness.analyze(frames, challenges: challenges, template: enrolled)
        }
        let verdict = result.verdict
        try await store.finishLivenessSession(sessionID, verdict: verdict.rawValue, detail: AuditJSON.text(result.checks))
        match.payload["liveness_session"] = sessionID
        match.verdict = verdict
        match.milliseconds = result.milliseconds
        switch verdict {
        case .attack where result.attack == "presentation_attack":
            match.decision = .notVerified
            match.liveness = .presentationAttack
            match.reasons = [result.hint]
            match.hintCode = "presentation_attack"
        case .attack:
            match.decision = .notVerified
            match.liveness = .failed
            match.reasons = ["the check did not pass: stand in front of the camera yourself, in good light, and follow the prompts"]
            match.hintCode = "check_failed"
        case .retry:
            match.liveness = .failed
            match.reasons = [result.hint]
            match.hintCode = result.hintCode
        case .live:
            match.liveness = .passed
            compared(
                result.matchDistance ?? .infinity, probe: result.matchEmbedding, enrolled: enrolled, person: request.person, into: &match)
        }
        return match
    }
}

extension VerificationService {
    /// Why the submitted frames are an earlier capture sent again, or nil: a frame's file or decoded
    /// picture stored before, or most frames near the frames of one of the person's earlier sessions.
    func replayed(_ frames: [SubmittedFrame], _ claim: LivenessClaim) -> String? {
        if claim.reusedFrames { return "frames already submitted in an earlier session (the same file or the same decoded picture)" }
        guard let found = liveness.policy.replay(of: frames.compactMap(\.differenceHash), in: claim.earlier) else { return nil }
        let earlier =
            claim.earlierSessionIDs.indices.contains(found.session)
            ? "session \(claim.earlierSessionIDs[found.session])" : "an earlier session"
        return
            "\(found.matched) of \(found.frames) frames within \(liveness.policy.replayHashBits) bits of the frames of \(earlier): a capture sent again"
    }
}
