import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import TestSupport
import Testing

/// The passive anti-spoofing score on single photos: an attended desk's photo and reference photos.
@Suite("Passive score on single photos")
struct PassivePhotoTests {
    /// obama2.jpg moved in the image plane until its edges are in view: a print held up (the
    /// passive models score it about 0.03).
    static func print() throws -> Data { try Fixtures.tiltedPrint("obama2.jpg", yaw: 0, dx: 63, dy: 28) }

    @Test("a desk's photo of a print is refused as a presentation attack above the configured threshold; by default it is recorded")
    func deskPhoto() async throws {
        try await ServiceFixture.with(adjust: { $0.deskPassiveAttackBelow = 0.5 }) { fixture, client in
            let kiosk = fixture.key(.kiosk)
            let attack = try await VerificationTests.verify(client, key: kiosk, photo: try Self.print())
            #expect(Call.body(attack)["decision"] as? String == "not_verified", "\(Call.body(attack))")
            #expect(Call.body(attack)["liveness"] as? String == "presentation_attack")
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0)
            let genuine = try await VerificationTests.verify(client, key: kiosk, photo: try Fixtures.image("obama3.jpg"))
            #expect(Call.body(genuine)["decision"] as? String == "verified")
            #expect(
                try await fixture.count("SELECT COUNT(*) FROM evidence WHERE payload LIKE '%passive_real%'") == 1, "the score is recorded")
        }
        try await ServiceFixture.with { fixture, client in
            let recorded = try await VerificationTests.verify(client, key: fixture.key(.kiosk), photo: try Self.print())
            #expect(Call.body(recorded)["liveness"] as? String != "presentation_attack", "0: recorded, never refused")
        }
    }

    @Test("a reference photo carries its passive score; above the configured threshold a print is refused with its code")
    func enrollmentPhoto() async throws {
        try await ServiceFixture.with(enrollA: false, adjust: { $0.enrollmentPassiveAttackBelow = 0.5 }) { fixture, client in
            let op = fixture.key(.operator)
            let (type, body) = Call.multipart(photos: [try Self.print(), try Fixtures.image("obama.jpg")])
            let response = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personA)/enrollments?consent_by=person&dry_run=true", method: .post,
                headers: Call.headers(op, [.contentType: type]), body: body)
            let photos = try #require(Call.body(response)["photos"] as? [[String: Any]], "\(Call.body(response))")
            try #require(photos.count == 2)
            #expect(photos[0]["accepted"] as? Bool == false && (photos[0]["codes"] as? [String])?.contains("presentation_attack") == true)
            #expect(photos[1]["accepted"] as? Bool == true && ((photos[1]["passive_real"] as? Double) ?? 0) > 0.9)
        }
    }
}
