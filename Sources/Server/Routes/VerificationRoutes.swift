import Crypto
import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
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
    }

    func register(_ routes: RouteRegistrar) {
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
        guard upload.photos.count == 1, let photo = upload.photos.first else {
            throw APIError(.unprocessableContent, "invalid_request", "send exactly one photo (a part named 'photo', or JSON 'photo')")
        }
        let tag = try idempotencyTag(request, caller: caller, person: id, photo: photo)
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
        do throws(FaceEngineError) {
            let analysis = try await dependencies.engine.analyze(photo)
            let problems = PhotoCheck.verification.problems(analysis)
            if problems.isEmpty {
                let embedding = analysis.primaryFace.embedding
                let best = template.compactMap(FaceEmbedding.init(values:)).map { embedding.distance(to: $0) }.min() ?? .infinity
                distance = (best * 10000).rounded() / 10000
                decision = best <= threshold ? .verified : .notVerified
                if decision == .notVerified { reasons = ["the face does not match the enrolled photo"] }
            } else {
                reasons = problems.map(\.reason)
            }
        } catch {
            switch error {
            case .noFace: reasons = ["no face found: look straight at the camera, with the whole face in view"]
            case .undecodableImage, .unsupportedFormat, .imageTooLarge, .badArgument: throw APIError(error)
            default: throw APIError(error)
            }
        }
        let attempt = ServiceStore.Attempt(
            person: id, keyID: caller.id, decision: decision, distance: distance, reasons: reasons, evidenceKind: kind)
        let (finalDecision, finalDistance, finalReasons) = (decision, distance, reasons)
        let stored = try await ledgerCall {
            try await store.record(attempt, tag: tag) { outcome in
                let body = Decision(
                    decision: finalDecision.rawValue, residentId: id.value, distance: finalDistance, threshold: threshold,
                    reasons: finalReasons, deadline: finalDecision == .verified ? outcome.ledger?.deadline.description : nil,
                    status: outcome.ledger?.status.rawValue,
                    attemptId: outcome.attemptID)
                return .init(status: 200, body: (try? JSON.encoder.encode(body)) ?? Data())
            }
        }
        dependencies.metrics.recordVerification(decision: decision.rawValue)
        context.logger.info("verification", metadata: ["person": "\(id)", "decision": "\(decision.rawValue)"])
        return Self.response(stored, replayed: false)
    }

    /// The request's idempotency tag: the caller, the key, and a hash of what was asked (the
    /// person and the photo's bytes, whatever the encoding).
    func idempotencyTag(_ request: Request, caller: APIKey, person: ResidentID, photo: Data) throws -> ServiceStore.IdempotencyTag? {
        guard let key = request.headers[Self.idempotencyHeader] else { return nil }
        guard (1...255).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw APIError(.unprocessableContent, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters")
        }
        var hasher = SHA256()
        hasher.update(data: Data(person.value.utf8))
        hasher.update(data: Data(SHA256.hash(data: photo)))
        return .init(keyID: caller.id, key: key, requestHash: Data(hasher.finalize()))
    }

    static func response(_ stored: ServiceStore.StoredResponse, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(
            status: .init(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
    }
}
