import Certification
import FaceEngine
import Foundation
import Ledger
import Storage
import TestSupport
import Testing

/// Enrollment and photo quality rules over an in-memory store, on real photos.
@Suite("Enrollment rules")
struct EnrollmentRulesTests {
    static let first = ResidentID.completing("37020219400315001")!
    static let second = ResidentID.completing("37020319450101002")!

    static func request(_ person: ResidentID, _ photos: [String], dryRun: Bool = false) throws -> Enroller.Request {
        Enroller.Request(
            person: person, photos: try photos.map(Fixtures.image), replace: false, dryRun: dryRun, allowDuplicate: false, actor: "test")
    }

    @Test("one face enrolled under two resident IDs is refused as a duplicate identity, and recorded")
    func duplicate() async throws {
        let engine = try await SharedEngines.shared.engine()
        let store = MemoryStore(persons: [
            try MemoryStore.person(Self.first.value, photos: 0), try MemoryStore.person(Self.second.value, photos: 0),
        ])
        let enroller = Enroller(store: store, coordinator: LocalCoordinator(enrollments: store), engine: engine, matchThreshold: 0.55)
        #expect(try await enroller.enroll(Self.request(Self.first, ["obama.jpg", "obama2.jpg"])).status == .enrolled)
        let refused = try await enroller.enroll(Self.request(Self.second, ["obama3.jpg"]))
        #expect(refused.status == .duplicateIdentity && refused.duplicates.first?.residentId == Self.first.value)
        #expect(store.state.withLock { $0.events.last?.action } == "duplicate_refused")
        #expect(try await store.template(for: Self.second) == nil)
    }

    @Test("photos of two people refuse the enrollment and name them; a dry run stores nothing")
    func disagreeAndDryRun() async throws {
        let engine = try await SharedEngines.shared.engine()
        let store = MemoryStore(persons: [try MemoryStore.person(Self.first.value, photos: 0)])
        let enroller = Enroller(store: store, coordinator: LocalCoordinator(enrollments: store), engine: engine, matchThreshold: 0.55)
        let mixed = try await enroller.enroll(Self.request(Self.first, ["obama.jpg", "biden.jpg"]))
        #expect(mixed.status == .photosDisagree && mixed.disagreeing == [0, 1])
        let dry = try await enroller.enroll(Self.request(Self.first, ["obama.jpg"], dryRun: true))
        #expect(dry.status == .wouldEnroll && dry.referencePhotos == 1)
        #expect(try await store.template(for: Self.first) == nil)
    }

    @Test(
        "a degraded photo is refused for enrollment with the reason a person can act on",
        arguments: [
            (Fixtures.Degradation.dark, "too_dark"), (.blurred, "blurred"), (.tiny, "face_too_small"),
        ])
    func quality(degradation: Fixtures.Degradation, code: String) async throws {
        let engine = try await SharedEngines.shared.engine()
        let outcome = try await EnrollmentCheck(engine: engine, matchThreshold: 0.55).evaluate([
            try Fixtures.degraded("obama.jpg", degradation)
        ])
        let result = try #require(outcome.results.first)
        #expect(!result.accepted && result.codes.contains(code), "\(result.codes)")
        #expect(outcome.accepted.isEmpty)
    }
}
