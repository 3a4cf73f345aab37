import Certification
import Crypto
import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Liveness

/// `POST /v1/liveness/sessions` and `POST /v1/verifications`: a kiosk or the mobile backend sends a
/// person's resident ID and a liveness session's frames (or, at an attended desk, one photo); the
/// ``VerificationService`` decides and records. Never returns an embedding.
struct VerificationRoutes {
    let dependencies: ServiceDependencies

    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!

    /// What the device is told: the decision and what to do next. The match distance and the
    /// threshold stay in the attempt row (a device told how near it came could climb to a match).
    struct Decision: Codable {
        var decision: String
        var residentId: String
        var reasons: [String]
        /// The first reason as a stable code, for a device to show in its own language.
        var hintCode: String?
        var deadline: String?
        var status: String?
        var attemptId: Int64
        /// passed, failed, presentation_attack (a screen or a print), or not_checked (match-only desks).
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
        routes.add(.livenessSession) { request, context, body in
            let caller = try context.requireCaller()
            let input = try JSON.decode(SessionRequest.self, from: body)
            let issued = try await dependencies.verifier.startSession(
                for: try ResidentID(input.personId), caller: Caller(key: caller), phone: try Self.phone(request))
            return try JSON.response(
                SessionBody(
                    sessionId: issued.session.id, residentId: issued.session.person.value,
                    challenges: issued.challenges.map { .init(challenge: $0.rawValue, instruction: $0.instruction) },
                    expiresAt: issued.session.expiresAt.formatted(.iso8601), minFrames: issued.minFrames, maxFrames: issued.maxFrames),
                status: .created)
        }
        routes.add(.verify) { request, context, body in
            try await verify(request, context, body)
        }
    }

    /// Parses the upload (one photo, or a liveness session's frames with their capture times),
    /// asks the verification service, and answers its decision (or the stored one, for a
    /// repeated Idempotency-Key).
    func verify(_ request: Request, _ context: APIContext, _ body: ByteBuffer) async throws -> Response {
        let caller = try context.requireCaller()
        let upload = try Upload.parse(request, body: body)
        guard let idText = upload.fields["person_id"], !idText.isEmpty else {
            throw APIError(.invalidRequest, "person_id (the resident ID) is required")
        }
        let id = try ResidentID(idText)
        let capture: VerificationService.Request.Capture
        let photos: [Data]
        if let session = upload.fields["liveness_session"] {
            let frames = try Self.frames(upload)
            try Self.checkPixels(
                frames.map(\.data), perFrame: dependencies.configuration.maxFramePixels,
                perRequest: dependencies.configuration.maxRequestPixels)
            capture = .liveness(session: session, frames: frames)
            photos = frames.map(\.data)
        } else {
            try dependencies.verifier.requireMatchOnlyAllowed(for: Caller(key: caller))
            guard upload.photos.count == 1, let single = upload.photos.first else {
                throw APIError(.invalidRequest, "send exactly one photo (a part named 'photo', or JSON 'photo')")
            }
            capture = .photo(single)
            photos = [single]
        }
        let phone = try Self.phone(request)
        let (relative, visitCode) = try Self.assistance(upload, caller: caller, phone: phone)
        let tag = try idempotencyTag(request, caller: caller, person: id, photos: photos, session: upload.fields["liveness_session"])
        let receipt: VerificationService.Receipt
        do {
            receipt = try await dependencies.verifier.verify(
                .init(
                    person: id, caller: Caller(key: caller), capture: capture, idempotency: tag, phone: phone, relative: relative,
                    visitCode: visitCode),
                respond: Self.respond)
        } catch let error as CertificationError {
            if case .lockedOut = error { dependencies.metrics.recordVerification(decision: "locked") }
            throw error
        }
        if let verdict = receipt.livenessVerdict, case .liveness(let session, _) = capture {
            context.logger.info(
                "liveness",
                metadata: ["session": "\(session)", "verdict": "\(verdict.rawValue)", "ms": "\(Int(receipt.livenessMilliseconds ?? 0))"])
        }
        if let decision = receipt.decision {
            dependencies.metrics.recordVerification(decision: decision.rawValue)
            context.logger.info("verification", metadata: ["person": "\(id)", "decision": "\(decision.rawValue)"])
        }
        return Self.response(receipt.response, replayed: receipt.replayed)
    }

    /// The response body stored with the attempt (the idempotency record keeps it).
    @Sendable static func respond(_ decided: VerificationService.Decision) -> StoredResponse {
        let body = Decision(
            decision: decided.decision.rawValue, residentId: decided.person.value, reasons: decided.reasons, hintCode: decided.hintCode,
            deadline: decided.decision == .verified ? decided.ledger?.deadline.description : nil,
            status: decided.ledger?.status.rawValue, attemptId: decided.attemptID, liveness: decided.liveness.rawValue)
        return StoredResponse(status: 200, body: (try? JSON.encoder.encode(body)) ?? Data())
    }

    /// The request's idempotency tag: the caller, the key, and a hash of what was asked (the
    /// person and the photo's bytes, whatever the encoding).
    func idempotencyTag(_ request: Request, caller: APIKey, person: ResidentID, photos: [Data], session: String?) throws
        -> IdempotencyTag?
    {
        guard let key = request.headers[Self.idempotencyHeader] else { return nil }
        guard (1...255).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw APIError(.invalidIdempotencyKey, "Idempotency-Key must be 1 to 255 visible ASCII characters")
        }
        var hasher = SHA256()
        hasher.update(data: Data(person.value.utf8))
        if let session { hasher.update(data: Data(("\n" + session).utf8)) }
        for photo in photos { hasher.update(data: Data(SHA256.hash(data: photo))) }
        return .init(keyID: caller.id, key: key, requestHash: Data(hasher.finalize()))
    }

    static func response(_ stored: StoredResponse, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(
            status: .init(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
    }
}

extension VerificationRoutes {
    static let deviceHeader = HTTPField.Name("X-FastCert-Device")!

    /// Who helps, as the request says and the key allows (docs/http-api.md, "Help at home"): a
    /// staff key's verification is assisted by its worker and carries the visit code
    /// (`visit_code`); the mobile backend may say a relative's phone runs it (`by_relative`, with
    /// `relative_name` and `relative_relation`, and the phone named in `X-FastCert-Device`). No
    /// other key claims either (`assistance_not_allowed`): assistance comes from the key, never
    /// from what a request says.
    static func assistance(_ upload: Upload, caller: APIKey, phone: String?) throws -> (relative: String?, visitCode: String?) {
        let byRelative = ["true", "1", "yes"].contains(upload.fields["by_relative"]?.lowercased() ?? "")
        if let assisted = upload.fields["assisted"], caller.role != .staff, ["true", "1", "yes"].contains(assisted.lowercased()) {
            throw LedgerError(.assistanceNotAllowed, "only a community worker's staff key runs an assisted verification")
        }
        if caller.role != .staff, upload.fields["visit_code"] != nil {
            throw LedgerError(.assistanceNotAllowed, "visit_code is stated by a community worker's staff key, not by this key")
        }
        guard byRelative else { return (nil, caller.role == .staff ? upload.fields["visit_code"] : nil) }
        guard caller.role == .mobile else {
            throw LedgerError(
                .assistanceNotAllowed, "by_relative is a relative's phone in the app (the mobile backend's key), not this key")
        }
        guard let phone else {
            throw APIError(.invalidRequest, "a relative's phone names itself: send X-FastCert-Device with by_relative")
        }
        func field(_ name: String) throws -> String {
            let value = (upload.fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...64).contains(value.count), !value.contains(where: { $0.isNewline || $0 == ";" }) else {
                throw APIError(.invalidRequest, "by_relative needs \(name): 1 to 64 characters")
            }
            return value
        }
        return ("\(try field("relative_name")) (\(try field("relative_relation"))), phone \(phone)", nil)
    }

    /// The phone the mobile backend names for the lockout (`X-FastCert-Device`: 1 to 64 visible
    /// ASCII characters, the app's installation id); nil when absent.
    static func phone(_ request: Request) throws -> String? {
        guard let value = request.headers[deviceHeader] else { return nil }
        guard (1...64).contains(value.count), value.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.isPrintableASCII }) else {
            throw APIError(.invalidRequest, "X-FastCert-Device must be 1 to 64 visible ASCII characters (the app installation's id)")
        }
        return value
    }

    /// The pixel budgets, from the frames' headers before anything is decoded: a frame larger than
    /// `perFrame`, or frames larger than `perRequest` together, are refused (413) whole. A frame
    /// whose header cannot be read is left to the engine, which names what is wrong with it.
    static func checkPixels(_ frames: [Data], perFrame: Int, perRequest: Int) throws {
        var total = 0
        for (index, frame) in frames.enumerated() {
            guard let size = ImageHeader.dimensions(frame) else { continue }
            let pixels = size.width * size.height
            guard pixels <= perFrame else {
                throw APIError(
                    .tooManyPixels,
                    "frame \(index + 1) is \(size.width)x\(size.height); frames may have at most \(perFrame) pixels (640x480 is plenty)")
            }
            total += pixels
        }
        guard total <= perRequest else {
            throw APIError(
                .tooManyPixels, "the frames have \(total) pixels together; at most \(perRequest) (send 640x480 frames, 5 to 15 of them)")
        }
    }

    /// The session's frames with their capture times (`timestamps`: milliseconds, comma-separated
    /// in multipart, an array in JSON; one per frame, in the frames' order).
    static func frames(_ upload: Upload) throws -> [LivenessFrame] {
        guard !upload.frames.isEmpty else {
            throw APIError(
                .invalidRequest,
                "send the session's frames (parts named 'frame', or JSON 'frames'), in capture order")
        }
        guard upload.frames.count <= 30 else {
            throw APIError(.tooManyFrames, "send at most 30 frames")
        }
        let stamps = (upload.fields["timestamps"] ?? "").split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard stamps.count == upload.frames.count, stamps.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            throw APIError(
                .invalidTimestamps,
                "send timestamps: one capture time in milliseconds per frame, in the frames' order")
        }
        return zip(upload.frames, stamps).map { LivenessFrame(data: $0, capturedAtMs: $1!) }
    }
}

extension Character {
    fileprivate var isPrintableASCII: Bool { asciiValue.map { (0x21...0x7E).contains($0) } ?? false }
}
