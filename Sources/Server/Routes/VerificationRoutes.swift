import Crypto
import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Liveness
import Storage

/// `POST /v1/verifications`: a kiosk or the mobile backend sends a person's resident ID and a
/// photo; the face is compared with the person's enrolled template. A success is one biometric
/// evidence row in the ledger (the deadline moves), in the same transaction as the attempt.
/// Never returns an embedding.
struct VerificationRoutes {
    let dependencies: ServiceDependencies
    var store: ServiceStore { dependencies.store }

    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!

    struct Decision: Codable {
        var decision: String
        var residentId: String
        var distance: Double?
        var threshold: Double
        var reasons: [String]
        var deadline: String?
        var status: String?
        var attemptId: Int64
        /// passed, failed, or not_checked (match-only desks).
        var liveness: String
    }

    struct SessionRequest: Decodable {
        var personId: String
    }

    struct SessionBody: Encodable {
        struct Step: Encodable {
            var challenge: String
            var instruction: String
        }
        var sessionId: String
        var residentId: String
        var challenges: [Step]
        var expiresAt: String
        var minFrames: Int
        var maxFrames: Int
    }

    func register(_ routes: RouteRegistrar) {
        routes.add(.livenessSession) { _, context, body in
            let caller = try context.requireCaller()
            let input = try JSON.decode(SessionRequest.self, from: body)
            let id: ResidentID
            do throws(LedgerError) { id = try ResidentID(input.personId) } catch {
                throw APIError(.unprocessableContent, "invalid_resident_id", error.message)
            }
            guard let person = try await ledgerCall({ try await store.person(id) }) else {
                throw APIError(.notFound, "person_not_found", "no person \(id) in the ledger")
            }
            guard caller.covers(unitPath: person.unitPath) else {
                throw APIError(.forbidden, "out_of_scope", "\(id) belongs to a community outside this device's unit \(caller.unitCode)")
            }
            guard person.templatePhotos > 0 else {
                throw APIError(.conflict, "not_enrolled", "\(id) has no enrolled reference photo; an operator must enroll one first")
            }
            var generator = SystemRandomNumberGenerator()
            let challenges = LivenessChallenge.randomSequence(using: &generator)
            let session = try await ledgerCall {
                try await store.createLivenessSession(
                    key: caller.id, person: id, challenges: challenges.map(\.rawValue),
                    seconds: dependencies.configuration.livenessSessionSeconds)
            }
            let policy = dependencies.liveness.policy
            return try JSON.response(
                SessionBody(
                    sessionId: session.id, residentId: id.value,
                    challenges: challenges.map { .init(challenge: $0.rawValue, instruction: $0.instruction) },
                    expiresAt: session.expiresAt.formatted(.iso8601), minFrames: policy.minFrames, maxFrames: policy.maxFrames),
                status: .created)
        }
        routes.add(.verify) { request, context, body in
            try await verify(request, context, body)
        }
    }

    func verify(_ request: Request, _ context: APIContext, _ body: ByteBuffer) async throws -> Response {
        let caller = try context.requireCaller()
        let upload = try Upload.parse(request, body: body)
        guard let idText = upload.fields["person_id"], !idText.isEmpty else {
            throw APIError(.unprocessableContent, "invalid_request", "person_id (the resident ID) is required")
        }
        let id: ResidentID
        do throws(LedgerError) { id = try ResidentID(idText) } catch {
            throw APIError(.unprocessableContent, "invalid_resident_id", error.message)
        }
        let sessionID = upload.fields["liveness_session"]
        if sessionID == nil && !dependencies.configuration.allowMatchOnly {
            throw APIError(
                .unprocessableContent, "liveness_required",
                "send liveness_session and its frames (POST /v1/liveness/sessions first); match-only verification is off")
        }
        let photo: Data
        var frames: [LivenessFrame] = []
        if sessionID != nil {
            frames = try Self.frames(upload)
            photo = frames[0].data
        } else {
            guard upload.photos.count == 1, let single = upload.photos.first else {
                throw APIError(.unprocessableContent, "invalid_request", "send exactly one photo (a part named 'photo', or JSON 'photo')")
            }
            photo = single
        }
        let tag = try idempotencyTag(
            request, caller: caller, person: id, photos: sessionID == nil ? [photo] : frames.map(\.data), session: sessionID)
        if let tag, let stored = try await ledgerCall({ try await store.storedResponse(tag) }) {
            return Self.response(stored, replayed: true)
        }
        let state = try await ledgerCall {
            try await store.verificationState(person: id, key: caller.id, policy: dependencies.configuration.lockout)
        }
        guard let person = state.person else {
            throw APIError(.notFound, "person_not_found", "no person \(id) in the ledger")
        }
        guard caller.covers(unitPath: person.unitPath) else {
            throw APIError(.forbidden, "out_of_scope", "\(id) belongs to a community outside this device's unit \(caller.unitCode)")
        }
        let threshold = dependencies.configuration.matchThreshold
        let kind = caller.role == .kiosk ? "face_verification_kiosk" : "face_verification_mobile"
        // Locked out: recorded, refused with the time to wait.
        let now = Date()
        if let until = [state.personLock.lockedUntil, state.deviceLock.lockedUntil].compactMap({ $0 }).filter({ $0 > now }).max() {
            let wait = Int(until.timeIntervalSince(now).rounded(.up))
            let who = (state.personLock.lockedUntil ?? .distantPast) > now ? "this person" : "this device"
            _ = try await ledgerCall {
                try await store.record(
                    .init(person: id, keyID: caller.id, decision: .locked, distance: nil, reasons: ["locked out"], evidenceKind: kind),
                    tag: nil
                ) { _ in .init(status: 429, body: Data()) }
            }
            dependencies.metrics.recordVerification(decision: "locked")
            throw APIError(
                .tooManyRequests, "locked_out",
                "too many failed verifications for \(who): try again in \(wait) s, or ask community staff for help",
                headers: [.retryAfter: "\(wait)"])
        }
        guard let template = state.template, !template.isEmpty else {
            throw APIError(.conflict, "not_enrolled", "\(id) has no enrolled reference photo; an operator must enroll one first")
        }
        // The engine: bad images are the caller's problem (4xx, no attempt); a face that cannot be
        // used (none, several, too small, too dark...) is a retry, recorded.
        var decision = ServiceStore.Attempt.Decision.retry
        var distance: Double?
        var reasons: [String] = []
        var liveness = "not_checked"
        var payload: [String: String] = [:]
        let templateEmbeddings = template.compactMap(FaceEmbedding.init(values:))
        if let sessionID {
            // Liveness: the session is claimed first (single use, even when the analysis fails).
            let claimed = try await ledgerCall {
                try await store.claimLivenessSession(
                    sessionID, key: caller.id, person: id, frameHashes: frames.map { Data(SHA256.hash(data: $0.data)) })
            }
            let challenges = claimed.session.challenges.compactMap(LivenessChallenge.init(rawValue:))
            let result: LivenessResult
            do throws(FaceEngineError) {
                result = try await dependencies.liveness.analyze(frames, challenges: challenges, template: templateEmbeddings)
            } catch {
                throw APIError(error)
            }
            var verdict = result.verdict
            var checks = result.checks
            if claimed.reusedFrames {
                verdict = .attack
                checks.append(
                    LivenessCheck(name: "fresh_frames", passed: false, score: nil, reason: "frames already submitted in an earlier session")
                )
            }
            let detail = String(decoding: (try? JSON.encoder.encode(checks)) ?? Data(), as: UTF8.self)
            try await ledgerCall { try await store.finishLivenessSession(sessionID, verdict: verdict.rawValue, detail: detail) }
            context.logger.info(
                "liveness", metadata: ["session": "\(sessionID)", "verdict": "\(verdict.rawValue)", "ms": "\(Int(result.milliseconds))"])
            payload["liveness_session"] = sessionID
            switch verdict {
            case .attack:
                decision = .notVerified
                liveness = "failed"
                reasons = ["the check did not pass: stand in front of the camera yourself, in good light, and follow the prompts"]
            case .retry:
                decision = .retry
                liveness = "failed"
                reasons = [result.hint]
            case .live:
                liveness = "passed"
                let best = result.matchDistance ?? .infinity
                distance = best.isFinite ? (best * 10000).rounded() / 10000 : nil
                decision = best <= threshold ? .verified : .notVerified
                if decision == .notVerified { reasons = ["the face does not match the enrolled photo"] }
            }
        } else {
            do throws(FaceEngineError) {
                let analysis = try await dependencies.engine.analyze(photo)
                let problems = PhotoCheck.verification.problems(analysis)
                if problems.isEmpty {
                    let embedding = analysis.primaryFace.embedding
                    let best = templateEmbeddings.map { embedding.distance(to: $0) }.min() ?? .infinity
                    distance = (best * 10000).rounded() / 10000
                    decision = best <= threshold ? .verified : .notVerified
                    if decision == .notVerified { reasons = ["the face does not match the enrolled photo"] }
                } else {
                    reasons = problems.map(\.reason)
                }
            } catch {
                switch error {
                case .noFace: reasons = ["no face found: look straight at the camera, with the whole face in view"]
                default: throw APIError(error)
                }
            }
            payload["mode"] = "match_only"
        }
        payload["liveness"] = liveness
        if let distance { payload["distance"] = String(distance) }
        var attempt = ServiceStore.Attempt(
            person: id, keyID: caller.id, decision: decision, distance: distance, reasons: reasons, evidenceKind: kind)
        attempt.evidencePayload = String(decoding: (try? JSON.encoder.encode(payload)) ?? Data(), as: UTF8.self)
        let (finalDecision, finalDistance, finalReasons, finalLiveness) = (decision, distance, reasons, liveness)
        let stored = try await ledgerCall {
            try await store.record(attempt, tag: tag) { outcome in
                let body = Decision(
                    decision: finalDecision.rawValue, residentId: id.value, distance: finalDistance, threshold: threshold,
                    reasons: finalReasons, deadline: finalDecision == .verified ? outcome.ledger?.deadline.description : nil,
                    status: outcome.ledger?.status.rawValue,
                    attemptId: outcome.attemptID, liveness: finalLiveness)
                return .init(status: 200, body: (try? JSON.encoder.encode(body)) ?? Data())
            }
        }
        dependencies.metrics.recordVerification(decision: decision.rawValue)
        context.logger.info("verification", metadata: ["person": "\(id)", "decision": "\(decision.rawValue)"])
        return Self.response(stored, replayed: false)
    }

    /// The request's idempotency tag: the caller, the key, and a hash of what was asked (the
    /// person and the photo's bytes, whatever the encoding).
    func idempotencyTag(_ request: Request, caller: APIKey, person: ResidentID, photos: [Data], session: String?) throws
        -> ServiceStore.IdempotencyTag?
    {
        guard let key = request.headers[Self.idempotencyHeader] else { return nil }
        guard (1...255).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw APIError(.unprocessableContent, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters")
        }
        var hasher = SHA256()
        hasher.update(data: Data(person.value.utf8))
        if let session { hasher.update(data: Data(("\n" + session).utf8)) }
        for photo in photos { hasher.update(data: Data(SHA256.hash(data: photo))) }
        return .init(keyID: caller.id, key: key, requestHash: Data(hasher.finalize()))
    }

    static func response(_ stored: ServiceStore.StoredResponse, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(
            status: .init(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
    }
}

extension VerificationRoutes {
    /// The session's frames with their capture times (`timestamps`: milliseconds, comma-separated
    /// in multipart, an array in JSON; one per frame, in the frames' order).
    static func frames(_ upload: Upload) throws -> [LivenessFrame] {
        guard !upload.frames.isEmpty else {
            throw APIError(
                .unprocessableContent, "invalid_request",
                "send the session's frames (parts named 'frame', or JSON 'frames'), in capture order")
        }
        guard upload.frames.count <= 30 else {
            throw APIError(.unprocessableContent, "too_many_frames", "send at most 30 frames")
        }
        let stamps = (upload.fields["timestamps"] ?? "").split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard stamps.count == upload.frames.count, stamps.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            throw APIError(
                .unprocessableContent, "invalid_timestamps",
                "send timestamps: one capture time in milliseconds per frame, in the frames' order")
        }
        return zip(upload.frames, stamps).map { LivenessFrame(data: $0, capturedAtMs: $1!) }
    }
}
