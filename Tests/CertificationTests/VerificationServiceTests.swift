import Certification
import FaceEngine
import Foundation
import Ledger
import Liveness
import Storage
import Synchronization
import TestSupport
import Testing

/// The verification decision on real photos and the real engine, over an in-memory store: the
/// rules of the certification module without a database or a server.
@Suite("Verification service")
struct VerificationServiceTests {
    static let obama = ResidentID.completing("37020219400315001")!
    static let kiosk = Caller(keyID: "fc_kiosk", channel: .kiosk, unitCode: "c1", unitPath: "/qd/sn/xg/c1/")

    /// A service over a store where Obama is enrolled from obama.jpg.
    static func service(allowMatchOnly: Bool = true, lockout: LockoutPolicy = LockoutPolicy()) async throws -> (
        VerificationService, MemoryStore
    ) {
        let engine = try await SharedEngines.shared.engine()
        let store = MemoryStore(persons: [try MemoryStore.person(obama.value)])
        let reference = try await engine.analyze(try Fixtures.image("obama.jpg")).primaryFace.embedding.values
        try await store.saveEnrollment([reference], photos: [], for: obama, by: "test", replacing: true, detail: nil, scope: nil)
        let policy = VerificationService.Policy(matchThreshold: 0.55, lockout: lockout, allowMatchOnly: allowMatchOnly, sessionSeconds: 120)
        return (
            VerificationService(
                store: store, coordinator: LocalCoordinator(enrollments: store), engine: engine, liveness: LivenessAnalyzer(engine: engine),
                policy: policy), store
        )
    }

    static func verify(_ service: VerificationService, _ photo: String, caller: Caller = kiosk) async throws -> VerificationService.Decision
    {
        let decided = Mutex<VerificationService.Decision?>(nil)
        _ = try await service.verify(.init(person: obama, caller: caller, capture: .photo(try Fixtures.image(photo)), idempotency: nil)) {
            decision in
            decided.withLock { $0 = decision }
            return StoredResponse(status: 200, body: Data())
        }
        return try #require(decided.withLock { $0 })
    }

    @Test(
        "the same person is verified, another is not, each recorded with its evidence kind",
        arguments: [
            ("obama2.jpg", VerificationAttempt.Decision.verified), ("biden.jpg", .notVerified),
        ])
    func decision(photo: String, expected: VerificationAttempt.Decision) async throws {
        let (service, store) = try await Self.service()
        let decided = try await Self.verify(service, photo)
        #expect(decided.decision == expected)
        #expect(decided.liveness == .notChecked)
        let recorded = try #require(store.state.withLock { $0.attempts.last?.attempt })
        #expect(recorded.decision == expected && recorded.evidenceKind == "face_verification_kiosk")
        #expect(recorded.evidencePayload?.contains("\"mode\":\"match_only\"") == true)
        if expected == .notVerified { #expect(decided.reasons == ["the face does not match the enrolled photo"]) }
    }

    @Test("a photo without liveness is refused when match-only is off, before anything is recorded")
    func livenessRequired() async throws {
        let (service, store) = try await Self.service(allowMatchOnly: false)
        await #expect(throws: CertificationError.livenessRequired) { try await Self.verify(service, "obama2.jpg") }
        #expect(store.state.withLock { $0.attempts.isEmpty })
    }

    @Test("a caller outside the person's unit (answered as no such person), an unknown person and a person never enrolled are refused")
    func refusals() async throws {
        let (service, store) = try await Self.service()
        let elsewhere = Caller(keyID: "fc_other", channel: .mobile, unitCode: "c9", unitPath: "/qd/ln/")
        await #expect(throws: CertificationError.personNotFound(Self.obama)) {
            try await Self.verify(service, "obama2.jpg", caller: elsewhere)
        }
        _ = try await store.deleteEnrollment(Self.obama, by: "test", reason: nil, scope: nil)
        await #expect(throws: CertificationError.notEnrolled(Self.obama)) { try await Self.verify(service, "obama2.jpg") }
        await #expect(throws: CertificationError.notEnrolled(Self.obama)) {
            try await service.startSession(for: Self.obama, caller: Self.kiosk)
        }
        let stranger = ResidentID.completing("37020319450101002")!
        await #expect(throws: CertificationError.personNotFound(stranger)) {
            try await service.startSession(for: stranger, caller: Self.kiosk)
        }
    }

    @Test("after the allowed failures the device is locked out (recorded), never the person: another device verifies them")
    func lockout() async throws {
        let (service, store) = try await Self.service(lockout: LockoutPolicy(maxFailures: 2, firstDelay: 60))
        for _ in 0..<2 { #expect(try await Self.verify(service, "biden.jpg").decision == .notVerified) }
        do {
            _ = try await Self.verify(service, "obama2.jpg")
            Issue.record("a locked-out device was heard")
        } catch let error as CertificationError {
            guard case .lockedOut(let seconds, let party) = error else { throw error }
            #expect((1...60).contains(seconds) && party == .device)
        }
        #expect(store.state.withLock { $0.attempts.last?.attempt.decision } == .locked)
        let otherKiosk = Caller(keyID: "fc_kiosk2", channel: .kiosk, unitCode: Self.kiosk.unitCode, unitPath: Self.kiosk.unitPath)
        #expect(try await Self.verify(service, "obama2.jpg", caller: otherKiosk).decision == .verified)
    }

    @Test("a session lists random turn challenges for an enrolled person within the caller's unit")
    func session() async throws {
        let (service, _) = try await Self.service()
        let issued = try await service.startSession(for: Self.obama, caller: Self.kiosk)
        #expect(!issued.challenges.isEmpty && issued.session.person == Self.obama && issued.session.keyID == "fc_kiosk")
        #expect(issued.session.expiresAt > Date().addingTimeInterval(100))
    }
}
