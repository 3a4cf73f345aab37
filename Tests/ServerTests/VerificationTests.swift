import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// `POST /v1/verifications` through the real router, engine and database.
@Suite("Verifications")
struct VerificationTests {
    static func verify(
        _ client: some TestClientProtocol, key: String, person: String = ServiceFixture.personA, photo: Data,
        idempotencyKey: String? = nil, phone: String? = nil
    ) async throws -> TestResponse {
        let (type, body) = Call.multipart(fields: ["person_id": person], photos: [photo])
        var headers = Call.headers(key, [.contentType: type])
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        if let phone { headers[HTTPField.Name("X-FastCert-Device")!] = phone }
        return try await client.execute(uri: "/v1/verifications", method: .post, headers: headers, body: body)
    }

    @Test("a match is verified and writes exactly one biometric evidence row; the deadline moves; no embedding is returned")
    func verifiedWritesOneRow() async throws {
        try await ServiceFixture.with { fixture, client in
            let before = try #require(try await fixture.store.persons.person(ResidentID(ServiceFixture.personA)))
            let response = try await Self.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama3.jpg"))
            #expect(response.status == .ok)
            let body = Call.body(response)
            #expect(body["decision"] as? String == "verified")
            // The distance is recorded with the attempt, never told to the device (no oracle to climb).
            #expect(body["distance"] == nil && body["threshold"] == nil)
            #expect(try await fixture.count("SELECT COUNT(*) FROM verification_attempt WHERE distance < 0.55") == 1)
            let deadline = try #require(body["deadline"] as? String)
            #expect(Day(deadline)! > before.ledger.deadline)
            #expect(!String(buffer: response.body).contains("embedding"))
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence WHERE kind = 'face_verification_kiosk'") == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM verification_attempt WHERE evidence_id IS NOT NULL") == 1)
            // The mobile backend's success is recorded as its own kind.
            let mobile = try await Self.verify(client, key: fixture.key(.mobile), photo: try Fixtures.image("obama2.jpg"))
            #expect(Call.body(mobile)["decision"] as? String == "verified")
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence WHERE kind = 'face_verification_mobile'") == 1)
        }
    }

    @Test("another face is not verified and writes no evidence; a photo without a usable face asks to retry")
    func notVerifiedAndRetry() async throws {
        try await ServiceFixture.with { fixture, client in
            let other = try await Self.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("biden.jpg"))
            #expect(other.status == .ok)
            #expect(Call.body(other)["decision"] as? String == "not_verified")
            #expect(Call.body(other)["distance"] == nil)
            #expect(try await fixture.count("SELECT COUNT(*) FROM verification_attempt WHERE distance > 0.55") == 1)
            #expect(Call.body(other)["deadline"] == nil)
            let blank = try Fixtures.rotated("obama.jpg", quarterTurns: 2)  // upside down: the detector finds no face
            let retry = try await Self.verify(client, key: fixture.key(.kiosk), photo: blank)
            #expect(retry.status == .ok)
            #expect(Call.body(retry)["decision"] as? String == "retry")
            #expect(!((Call.body(retry)["reasons"] as? [String]) ?? []).isEmpty)
            // The reason as a code too, for a kiosk to say it in its own language.
            #expect(Call.body(other)["hint_code"] as? String == "no_match" && Call.body(retry)["hint_code"] as? String == "no_face")
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0)
            #expect(try await fixture.count("SELECT COUNT(*) FROM verification_attempt") == 2)
        }
    }

    @Test("the same Idempotency-Key and request give the same response and one row; with another request it is refused")
    func idempotency() async throws {
        try await ServiceFixture.with { fixture, client in
            let photo = try Fixtures.image("obama3.jpg")
            let first = try await Self.verify(client, key: fixture.key(.kiosk), photo: photo, idempotencyKey: "kiosk-7-0001")
            let again = try await Self.verify(client, key: fixture.key(.kiosk), photo: photo, idempotencyKey: "kiosk-7-0001")
            #expect(first.status == .ok && again.status == .ok)
            #expect(String(buffer: first.body) == String(buffer: again.body))
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM verification_attempt") == 1)
            // JSON with the same person and photo is the same request.
            let json = try await client.execute(
                uri: "/v1/verifications", method: .post,
                headers: Call.headers(
                    fixture.key(.kiosk), [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "kiosk-7-0001"]),
                body: Call.json(["person_id": ServiceFixture.personA, "photo": photo.base64EncodedString()]))
            #expect(String(buffer: json.body) == String(buffer: first.body))
            let other = try await Self.verify(
                client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama2.jpg"), idempotencyKey: "kiosk-7-0001")
            #expect(other.status == .unprocessableContent && Call.errorCode(other) == "idempotency_key_reused")
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 1)
            // Another caller's keys are their own.
            let mobile = try await Self.verify(client, key: fixture.key(.mobile), photo: photo, idempotencyKey: "kiosk-7-0001")
            #expect(mobile.status == .ok && mobile.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 2)
        }
    }

    @Test(
        "five failures lock the device for 30 s (Retry-After), never the person: the neighbour verifies elsewhere, and a field check opens"
    )
    func lockout() async throws {
        try await ServiceFixture.with { fixture, client in
            // Someone types the neighbour's ID at a kiosk five times with their own face.
            let impostor = try Fixtures.image("biden.jpg")
            for attempt in 1...5 {
                let response = try await Self.verify(client, key: fixture.key(.kiosk), photo: impostor)
                #expect(Call.body(response)["decision"] as? String == "not_verified", "attempt \(attempt)")
            }
            // That kiosk is locked (doubling with each further failure)...
            let locked = try await Self.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama3.jpg"))
            #expect(locked.status == .tooManyRequests && Call.errorCode(locked) == "locked_out")
            let wait = try #require(locked.headers[.retryAfter].flatMap(Int.init))
            #expect((25...30).contains(wait))
            // ...the person is not: from their phone they verify, and staff got a field check to look into it.
            let own = try await Self.verify(client, key: fixture.key(.mobile), photo: try Fixtures.image("obama3.jpg"), phone: "app-7f3a")
            #expect(Call.body(own)["decision"] as? String == "verified", "\(String(buffer: own.body))")
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM task WHERE kind = 'field_check' AND reason LIKE '5 failed face verifications in a row%'") == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM verification_attempt") == 7)
            #expect(try await fixture.count("SELECT COUNT(*) FROM verification_attempt WHERE decision = 'locked'") == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 1)
            // The policy doubles the wait with each further failure.
            let policy = LockoutPolicy()
            let start = Date(timeIntervalSince1970: 0)
            #expect(policy.lockedUntil(failures: 4, last: start) == nil)
            #expect(policy.lockedUntil(failures: 5, last: start) == start.addingTimeInterval(30))
            #expect(policy.lockedUntil(failures: 7, last: start) == start.addingTimeInterval(120))
        }
    }

    @Test("the mobile backend's one key: one phone's failures lock that phone, not the channel; a phone unnamed counts per person")
    func mobileChannel() async throws {
        try await ServiceFixture.with { fixture, client in
            let mobile = fixture.key(.mobile)
            let impostor = try Fixtures.image("biden.jpg")
            for _ in 1...5 { _ = try await Self.verify(client, key: mobile, photo: impostor, phone: "stolen-phone") }
            let sameStolen = try await Self.verify(client, key: mobile, photo: try Fixtures.image("obama3.jpg"), phone: "stolen-phone")
            #expect(Call.errorCode(sameStolen) == "locked_out")
            let anotherPhone = try await Self.verify(client, key: mobile, photo: try Fixtures.image("obama3.jpg"), phone: "grandma-phone")
            #expect(Call.body(anotherPhone)["decision"] as? String == "verified")
            let unnamed = try await Self.verify(
                client, key: mobile, person: ServiceFixture.personA, photo: try Fixtures.image("obama2.jpg"))
            #expect(Call.body(unnamed)["decision"] as? String == "verified", "an unnamed phone is not the stolen one")
            let bad = try await Self.verify(client, key: mobile, photo: impostor, phone: "has space")
            #expect(bad.status == .unprocessableContent && Call.errorCode(bad) == "invalid_request")
        }
    }

    @Test("attempts from one device at once: one is decided, the rest answered device_busy, so the lock cannot be outrun")
    func concurrentAttempts() async throws {
        try await ServiceFixture.with(adjust: { $0.lockoutFailures = 1 }) { fixture, client in
            let kiosk = fixture.key(.kiosk)
            let impostor = try Fixtures.image("biden.jpg")
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let response = try await Self.verify(client, key: kiosk, photo: impostor)
                        return Call.errorCode(response) ?? (Call.body(response)["decision"] as? String ?? "?")
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            // With a limit of one failure, at most one attempt of the six may be decided.
            #expect(codes.filter { $0 == "not_verified" }.count == 1, "\(codes)")
            #expect(codes.allSatisfy { ["not_verified", "device_busy", "locked_out"].contains($0) }, "\(codes)")
            #expect(try await fixture.count("SELECT COUNT(*) FROM verification_attempt WHERE decision = 'not_verified'") == 1)
        }
    }

    @Test(
        "bad uploads get a specific 4xx and write nothing",
        arguments: [
            ("truncated JPEG", "undecodable_image", 422), ("GIF", "unsupported_format", 415), ("text", "unsupported_format", 415),
            ("empty photo", "empty_photo", 422), ("huge declared PNG", "image_too_large", 413),
        ])
    func badImages(name: String, code: String, status: Int) async throws {
        let photo = try Self.badImage(name)
        try await ServiceFixture.with { fixture, client in
            let response = try await Self.verify(client, key: fixture.key(.kiosk), photo: photo)
            #expect(response.status.code == status, "\(name): \(String(buffer: response.body))")
            #expect(Call.errorCode(response) == code)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0)
        }
    }

    static func badImage(_ name: String) throws -> Data {
        switch name {
        case "truncated JPEG": return try Fixtures.image("obama.jpg").prefix(20_000)
        case "GIF": return Data("GIF89a".utf8) + Data(repeating: 0, count: 100)
        case "text": return Data("this is not an image at all".utf8)
        case "empty photo": return Data()
        default: return Fixtures.pngHeader(width: 100_000, height: 100_000)
        }
    }

    @Test("malformed requests: wrong content type, broken JSON and multipart, bad base64, missing fields, oversized bodies")
    func malformedRequests() async throws {
        try await ServiceFixture.with { fixture, client in
            let key = fixture.key(.kiosk)
            func post(_ type: String, _ body: ByteBuffer) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/verifications", method: .post, headers: Call.headers(key, [.contentType: type]), body: body)
            }
            let cases: [(String, ByteBuffer, Int, String)] = [
                ("text/plain", ByteBuffer(string: "hello"), 415, "unsupported_media_type"),
                ("application/json", ByteBuffer(string: "{\"person_id\": "), 422, "invalid_json"),
                ("application/json", ByteBuffer(string: "[1, 2]"), 422, "invalid_json"),
                (
                    "application/json", Call.json(["person_id": ServiceFixture.personA, "photo": "%%% not base64 %%%"]), 422,
                    "invalid_base64"
                ),
                ("application/json", Call.json(["photo": "aGVsbG8="]), 422, "invalid_request"),
                ("application/json", Call.json(["person_id": "12345", "photo": "aGVsbG8="]), 422, "invalid_resident_id"),
                ("application/json", Call.json(["person_id": ServiceFixture.personA]), 422, "invalid_request"),
                ("multipart/form-data", ByteBuffer(string: "--x\r\n"), 422, "invalid_multipart"),
                (
                    "multipart/form-data; boundary=abc", ByteBuffer(string: "--abc\r\nContent-Disposition: form-data\r\n\r\nx\r\n--abc--"),
                    422, "invalid_multipart"
                ),
                (
                    "multipart/form-data; boundary=abc",
                    ByteBuffer(string: "--abc\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nunterminated"), 422,
                    "invalid_multipart"
                ),
            ]
            for (type, body, status, code) in cases {
                let response = try await post(type, body)
                #expect(
                    response.status.code == status && Call.errorCode(response) == code,
                    "\(type) \(String(buffer: body).prefix(40)): \(String(buffer: response.body))")
            }
            let unknown = try await Self.verify(
                client, key: key, person: ResidentID.completing("37020219990101009")!.value, photo: try Fixtures.image("obama.jpg"))
            #expect(unknown.status == .notFound && Call.errorCode(unknown) == "person_not_found")
            let huge = Data(repeating: 0xFF, count: 3 << 20)
            let tooLarge = try await Self.verify(client, key: key, photo: huge)
            #expect(tooLarge.status == .contentTooLarge && Call.errorCode(tooLarge) == "body_too_large")
            #expect(try await fixture.count("SELECT COUNT(*) FROM verification_attempt") == 0)
        }
    }

    @Test("a person never enrolled gets 409 not_enrolled")
    func notEnrolled() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let response = try await Self.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama.jpg"))
            #expect(response.status == .conflict && Call.errorCode(response) == "not_enrolled")
        }
    }

    @Test("when the engine's queue is full, requests get 503 with Retry-After, never a 500")
    func engineBusy() async throws {
        let engine = try await FaceEngine.start(
            configuration: FaceEngineConfiguration(modelDirectory: Fixtures.models, workers: 1, queueCapacity: 1))
        defer { engine.shutdown() }
        try await ServiceFixture.with(engine: engine) { fixture, client in
            let photo = try Fixtures.image("obama3.jpg")
            // Twelve phones through the mobile backend at once (one device's attempts are taken one at a time).
            let key = fixture.key(.mobile)
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for phone in 0..<12 {
                    group.addTask {
                        let response = try await Self.verify(client, key: key, photo: photo, phone: "phone-\(phone)")
                        return (response.status.code, response.headers[.retryAfter])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0.0 == 200 || ($0.0 == 503 && $0.1 != nil) }, "\(statuses)")
            #expect(statuses.contains { $0.0 == 503 })
            #expect(statuses.contains { $0.0 == 200 })
        }
    }
}
