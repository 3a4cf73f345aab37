import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import Synchronization
import TestSupport
import Testing

/// Verification with liveness sessions, through the real router.
@Suite("Liveness sessions")
struct LivenessRouteTests {
    static func liveOnly(_ configuration: inout ServerConfiguration) { configuration.allowMatchOnly = false }

    static func startSession(_ client: some TestClientProtocol, key: String) async throws -> [String: Any] {
        let response = try await client.execute(
            uri: "/v1/liveness/sessions", method: .post, headers: Call.headers(key, [.contentType: "application/json"]),
            body: Call.json(["person_id": ServiceFixture.personA]))
        #expect(response.status == .created, "\(String(buffer: response.body))")
        return Call.body(response)
    }

    static func submit(
        _ client: some TestClientProtocol, key: String, session: String, frames: [Data], timestamps: [Int]? = nil
    ) async throws -> TestResponse {
        let stamps = (timestamps ?? frames.indices.map { $0 * 100 }).map(String.init).joined(separator: ",")
        let (type, body) = Call.multipart(
            fields: ["person_id": ServiceFixture.personA, "liveness_session": session, "timestamps": stamps], photos: frames,
            photoName: "frame")
        return try await client.execute(
            uri: "/v1/verifications", method: .post, headers: Call.headers(key, [.contentType: type]), body: body)
    }

    /// A print moved in plane, `count` frames, rendered off the concurrency pool.
    static func inPlane(_ count: Int, offset: Int = 0) async throws -> [Data] {
        try await offPool { try (0..<count).map { try Fixtures.tiltedPrint("obama2.jpg", yaw: 0, dx: ($0 + offset) * 9, dy: $0 * 4) } }
    }

    @Test("frames spanning more time than the session has existed are an attack, before any analysis")
    func captureClock() async throws {
        try await ServiceFixture.with(adjust: Self.liveOnly) { fixture, client in
            let key = fixture.key(.kiosk)
            let id = try #require(try await Self.startSession(client, key: key)["session_id"] as? String)
            // Eight frames 1.9 s apart (a plausible pace) arriving at once: 13.3 s of capture in a session a moment old.
            let response = try await Self.submit(
                client, key: key, session: id, frames: try await Self.inPlane(8), timestamps: (0..<8).map { $0 * 1900 })
            #expect(Call.body(response)["decision"] as? String == "not_verified" && Call.body(response)["liveness"] as? String == "failed")
            #expect(
                try await fixture.count("SELECT COUNT(*) FROM liveness_session WHERE verdict = 'attack' AND detail LIKE '%capture_clock%'")
                    == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0)
        }
    }

    @Test("without match-only desks, a photo alone is refused: liveness is required")
    func livenessRequired() async throws {
        try await ServiceFixture.with(adjust: Self.liveOnly) { fixture, client in
            let response = try await VerificationTests.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama3.jpg"))
            #expect(response.status == .unprocessableContent && Call.errorCode(response) == "liveness_required")
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0)
        }
    }

    @Test("a session: 128-bit id, 2 challenges with instructions, an expiry; bound to the device and the person")
    func sessionIssued() async throws {
        try await ServiceFixture.with(adjust: Self.liveOnly) { fixture, client in
            let session = try await Self.startSession(client, key: fixture.key(.kiosk))
            let id = try #require(session["session_id"] as? String)
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            let challenges = try #require(session["challenges"] as? [[String: String]])
            #expect(challenges.count == 2 && challenges.allSatisfy { !($0["instruction"] ?? "").isEmpty })
            #expect(session["expires_at"] is String)
            // Another device (even of the same unit) cannot use it.
            let other = try await Self.submit(client, key: fixture.key(.mobile), session: id, frames: try await Self.inPlane(6))
            #expect(other.status == .forbidden && Call.errorCode(other) == "session_mismatch")
            let unknown = try await Self.submit(
                client, key: fixture.key(.kiosk), session: String(repeating: "0", count: 32), frames: try await Self.inPlane(6))
            #expect(unknown.status == .notFound && Call.errorCode(unknown) == "unknown_session")
            let noStamps = try await Self.submit(
                client, key: fixture.key(.kiosk), session: id, frames: try await Self.inPlane(6), timestamps: [0, 100])
            #expect(noStamps.status == .unprocessableContent && Call.errorCode(noStamps) == "invalid_timestamps")
        }
    }

    @Test("a photo held up as every frame is not verified, writes no evidence, and uses the session up")
    func repeatedPhotoRefused() async throws {
        try await ServiceFixture.with(adjust: Self.liveOnly) { fixture, client in
            let key = fixture.key(.kiosk)
            let id = try #require(try await Self.startSession(client, key: key)["session_id"] as? String)
            let photo = try Fixtures.image("obama2.jpg")
            let response = try await Self.submit(client, key: key, session: id, frames: Array(repeating: photo, count: 8))
            #expect(response.status == .ok)
            let body = Call.body(response)
            #expect(body["decision"] as? String == "not_verified" && body["liveness"] as? String == "failed")
            #expect(body["hint_code"] as? String == "check_failed")
            #expect(!String(buffer: response.body).contains("duplicate"), "reasons and scores stay in the audit trail")
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0)
            #expect(
                try await fixture.count("SELECT COUNT(*) FROM liveness_session WHERE verdict = 'attack' AND detail LIKE '%duplicates%'")
                    == 1)
            let again = try await Self.submit(client, key: key, session: id, frames: try await Self.inPlane(6))
            #expect(again.status == .conflict && Call.errorCode(again) == "session_used")
        }
    }

    @Test("a print moved in the image plane is a presentation attack; the same frames in a new session are a replay")
    func replayedFramesRefused() async throws {
        try await ServiceFixture.with(adjust: Self.liveOnly) { fixture, client in
            let key = fixture.key(.kiosk)
            let frames = try await Self.inPlane(8)
            let first = try #require(try await Self.startSession(client, key: key)["session_id"] as? String)
            let moved = try await Self.submit(client, key: key, session: first, frames: frames)
            #expect(Call.body(moved)["decision"] as? String == "not_verified")
            #expect(Call.body(moved)["liveness"] as? String == "presentation_attack")
            #expect(((Call.body(moved)["reasons"] as? [String])?.first ?? "").contains("a screen or a printed photo"))
            let second = try #require(try await Self.startSession(client, key: key)["session_id"] as? String)
            let replayed = try await Self.submit(client, key: key, session: second, frames: frames)
            #expect(Call.body(replayed)["decision"] as? String == "not_verified")
            #expect(
                try await fixture.count("SELECT COUNT(*) FROM liveness_session WHERE verdict = 'attack' AND detail LIKE '%fresh_frames%'")
                    == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0)
        }
    }

    @Test(
        "an earlier session's frames sent again with a byte appended to each, with a comment segment, or re-encoded (JPEG 90 and 75) are a replay"
    )
    func alteredFramesRefused() async throws {
        try await ServiceFixture.with(adjust: Self.liveOnly) { fixture, client in
            let key = fixture.key(.kiosk)
            let frames = try await Self.inPlane(8)
            let first = try #require(try await Self.startSession(client, key: key)["session_id"] as? String)
            _ = try await Self.submit(client, key: key, session: first, frames: frames)
            let copies: [(String, [Data])] = [
                ("a byte appended", frames.map { $0 + Data([0x00]) }),
                ("an EXIF segment added", frames.map { Fixtures.withExifOrientation($0, 1) }),
                ("re-encoded at quality 90", try await offPool { try frames.map { try Fixtures.reencoded($0, quality: 90) } }),
                ("re-encoded at quality 75", try await offPool { try frames.map { try Fixtures.reencoded($0, quality: 75) } }),
            ]
            for (change, copy) in copies {
                let id = try #require(try await Self.startSession(client, key: key)["session_id"] as? String)
                let replayed = try await Self.submit(client, key: key, session: id, frames: copy)
                #expect(Call.body(replayed)["decision"] as? String == "not_verified", "\(change)")
                #expect(
                    try await fixture.count(
                        "SELECT COUNT(*) FROM liveness_session WHERE id = '\(id)' AND verdict = 'attack' AND detail LIKE '%fresh_frames%'")
                        == 1, "\(change)")
            }
            #expect(try await fixture.count("SELECT COUNT(*) FROM liveness_frame_content") == 8 * 5)
        }
    }

    @Test("a new capture of the same person (the head turn rendered again, the view 12 px over) is verified after an earlier one")
    func freshCaptureVerified() async throws {
        try await ServiceFixture.with(adjust: {
            $0.allowMatchOnly = false
            $0.testChallenges = "turn_left,turn_left"
            $0.maxBodyBytes = 8 << 20  // 15 rendered frames of 626x1200
        }) { fixture, client in
            let key = fixture.key(.kiosk)
            let yaws: [Double] = [0, 0, 12, 25, 32, 25, 10, 0, 0, 12, 25, 32, 25, 10, 0]
            for shift in [0, 12] {
                let frames = try await Fixtures.headTurn("obama2.jpg", yaws: yaws, shift: shift, engine: fixture.engine)
                let id = try #require(try await Self.startSession(client, key: key)["session_id"] as? String)
                let response = try await Self.submit(client, key: key, session: id, frames: frames)
                #expect(Call.body(response)["decision"] as? String == "verified", "shift \(shift): \(String(buffer: response.body))")
            }
            #expect(try await fixture.count("SELECT COUNT(*) FROM liveness_session WHERE detail LIKE '%fresh_frames%'") == 0)
        }
    }

    @Test("an expired session is refused (the service's clock moved past the expiry, no real wait)")
    func expiredSession() async throws {
        let clock = Mutex(Date())
        try await ServiceFixture.with(
            adjust: {
                $0.allowMatchOnly = false; $0.livenessSessionSeconds = 120
            }, now: { clock.withLock { $0 } }
        ) { fixture, client in
            let key = fixture.key(.kiosk)
            let id = try #require(try await Self.startSession(client, key: key)["session_id"] as? String)
            clock.withLock { $0 += 121 }
            let late = try await Self.submit(client, key: key, session: id, frames: try await Self.inPlane(6))
            #expect(late.status == .conflict && Call.errorCode(late) == "session_expired")
        }
    }
}
