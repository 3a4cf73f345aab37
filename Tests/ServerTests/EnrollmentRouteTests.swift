import Certification
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// The duplicate-identity check, dry runs, and what operators can see and delete of an enrollment.
@Suite("Enrollment records and duplicate identities")
struct EnrollmentRouteTests {
    static let personC = ResidentID.completing("37020219410101003")!.value
    static let personD = ResidentID.completing("37020219420101004")!.value

    static func addPersons(_ fixture: ServiceFixture) async throws {
        for (id, name) in [(personC, "Li Na"), (personD, "Sun Wei")] {
            _ = try await fixture.store.persons.createPerson(
                PersonInput(
                    residentID: id, name: name, birthDate: "19" + id.dropFirst(8).prefix(2) + "-01-01", unitCode: "370202001001",
                    benefitLevel: "2", monthlyAmount: "2500", phone: nil, wechatID: nil, livesAlone: false, immobile: false),
                today: Day("2025-06-01")!, scope: "", by: "test")
        }
    }

    @Test("the same face under a second resident ID is refused and recorded; an operator can allow it; another face is enrolled")
    func duplicateIdentity() async throws {
        try await ServiceFixture.with { fixture, client in
            try await Self.addPersons(fixture)
            let op = fixture.key(.operator)
            func enroll(_ person: String, _ photo: String, query: String = "") async throws -> TestResponse {
                let (type, body) = Call.multipart(photos: [try Fixtures.image(photo)])
                return try await client.execute(
                    uri: "/v1/persons/\(person)/enrollments?consent_by=person\(query.replacingOccurrences(of: "?", with: "&"))",
                    method: .post, headers: Call.headers(op, [.contentType: type]),
                    body: body)
            }
            let duplicate = try await enroll(Self.personC, "obama3.jpg")
            #expect(duplicate.status == .conflict && Call.errorCode(duplicate) == "duplicate_identity")
            let matches = try #require((Call.body(duplicate)["error"] as? [String: Any])?["duplicates"] as? [[String: Any]])
            #expect(matches.count == 1 && matches.first?["resident_id"] as? String == ServiceFixture.personA)
            #expect(((matches.first?["distance"] as? Double) ?? 1) < Enroller.defaultDuplicateThreshold)
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 1, "not enrolled")
            #expect(try await fixture.count("SELECT COUNT(*) FROM enrollment_event WHERE action = 'duplicate_refused'") == 1)

            let dry = try await enroll(Self.personD, "biden.jpg", query: "?dry_run=true")
            #expect(dry.status == .ok && Call.body(dry)["status"] as? String == "would_enroll")
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 1, "a dry run stores nothing")
            let other = try await enroll(Self.personD, "biden.jpg")
            #expect(other.status == .created && Call.body(other)["status"] as? String == "enrolled")

            let allowed = try await enroll(Self.personC, "obama3.jpg", query: "?allow_duplicate=true")
            #expect(allowed.status == .created)
            #expect((Call.body(allowed)["duplicates"] as? [[String: Any]])?.first?["resident_id"] as? String == ServiceFixture.personA)
            // Now enrolled: a fourth enrollment of the face finds both.
            let third = try await enroll(Self.personD, "obama.jpg", query: "?replace=true")
            let both = (Call.body(third)["error"] as? [String: Any])?["duplicates"] as? [[String: Any]] ?? []
            #expect(
                Set(both.compactMap { $0["resident_id"] as? String }) == [ServiceFixture.personA, Self.personC], "\(Call.body(third))")
        }
    }

    @Test(
        "another district's face: not named, not measured, not allowed by a district operator, even on a dry run; a case opens for its operators"
    )
    func crossDistrictDuplicate() async throws {
        try await ServiceFixture.with { fixture, client in
            // Person A (district A) is enrolled with photos of one man; district B's operator tries his face for person B.
            let operatorB = fixture.key(.operator, "B")
            let (type, body) = Call.multipart(photos: [try Fixtures.image("obama3.jpg")])
            let probe = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personB)/enrollments?consent_by=person&dry_run=true&allow_duplicate=true", method: .post,
                headers: Call.headers(operatorB, [.contentType: type]), body: body)
            let text = String(buffer: probe.body)
            #expect(probe.status == .conflict && Call.errorCode(probe) == "duplicate_identity", "\(text)")
            #expect(!text.contains(ServiceFixture.personA) && !text.contains("distance"), "nothing of who or how near: \(text)")
            #expect(text.contains("another district") && text.contains("case opened"), "\(text)")
            let matches = (Call.body(probe)["error"] as? [String: Any])?["duplicates"] as? [[String: Any]] ?? []
            let caseID = try #require(matches.first?["case_id"] as? Int)
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 1, "nothing enrolled")
            // The search is recorded for person B, the case for person A, a task for district A's operators.
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM enrollment_event WHERE action = 'dry_run' AND person_id = '\(ServiceFixture.personB)'") == 1)
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM enrollment_event WHERE action = 'duplicate_suspected' AND person_id = '\(ServiceFixture.personA)'"
                )
                    == 1)
            let tasksA = try await client.execute(uri: "/v1/tasks?unit=370202", method: .get, headers: Call.headers(fixture.key(.operator)))
            let listed = Call.body(tasksA)["tasks"] as? [[String: Any]] ?? []
            #expect(
                listed.contains { $0["kind"] as? String == "duplicate_identity" && $0["id"] as? Int == caseID },
                "\(String(buffer: tasksA.body))")
            let tasksB = try await client.execute(uri: "/v1/tasks?unit=370203", method: .get, headers: Call.headers(operatorB))
            #expect(!String(buffer: tasksB.body).contains("duplicate_identity"), "the case is not district B's to see")
            // Nor does person B's enrollment history name or measure the other district's person.
            let history = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personB)/enrollments", method: .get, headers: Call.headers(operatorB))
            let historyText = String(buffer: history.body)
            #expect(history.status == .ok && historyText.contains("outside_unit"), "\(historyText)")
            #expect(!historyText.contains(ServiceFixture.personA) && !historyText.contains("distance"), "\(historyText)")
            // Nor the history a deletion answers with (person B enrolled with another face, then deleted).
            let (ownType, ownBody) = Call.multipart(photos: [try Fixtures.image("biden.jpg")])
            let own = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personB)/enrollments?consent_by=person", method: .post,
                headers: Call.headers(operatorB, [.contentType: ownType]),
                body: ownBody)
            #expect(own.status == .created, "\(String(buffer: own.body))")
            let deleted = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personB)/enrollments?reason=test", method: .delete, headers: Call.headers(operatorB))
            let deletedText = String(buffer: deleted.body)
            #expect(deleted.status == .ok && deletedText.contains("outside_unit"), "\(deletedText)")
            #expect(!deletedText.contains(ServiceFixture.personA) && !deletedText.contains("distance"), "\(deletedText)")
        }
    }

    @Test("show lists photo hashes, quality and history, never a template; delete is recorded; list pages by resident ID")
    func showDeleteList() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let op = fixture.key(.operator)
            let uri = "/v1/persons/\(ServiceFixture.personA)/enrollments"
            let photos = [try Fixtures.image("obama.jpg"), Data("junk".utf8)]
            let (type, body) = Call.multipart(photos: photos)
            let enrolled = try await client.execute(
                uri: uri + "?consent_by=person", method: .post, headers: Call.headers(op, [.contentType: type]), body: body)
            try #require(enrolled.status == .created, "\(String(buffer: enrolled.body))")
            let shown = try await client.execute(uri: uri, method: .get, headers: Call.headers(fixture.key(.auditor)))
            #expect(shown.status == .ok)
            let record = Call.body(shown)
            let stored = try #require(record["photos"] as? [[String: Any]])
            try #require(stored.count == 2, "\(record)")
            #expect(stored[0]["sha256"] as? String == EnrollmentCheck.sha256(photos[0]) && stored[0]["accepted"] as? Bool == true)
            #expect(((stored[0]["inter_eye_pixels"] as? Double) ?? 0) > 30 && stored[0]["sharpness"] != nil)
            #expect(stored[1]["accepted"] as? Bool == false && (stored[1]["codes"] as? [String]) == ["unsupported_format"])
            #expect(record["reference_photos"] as? Int == 1 && record["enrolled_by"] as? String != nil)
            #expect(!String(buffer: shown.body).contains("sealed") && !String(buffer: shown.body).contains("embedding"))

            let list = try await client.execute(uri: "/v1/enrollments", method: .get, headers: Call.headers(op))
            #expect((Call.body(list)["enrollments"] as? [[String: Any]])?.first?["resident_id"] as? String == ServiceFixture.personA)
            let elsewhere = try await client.execute(
                uri: "/v1/enrollments", method: .get, headers: Call.headers(fixture.key(.operator, "B")))
            #expect((Call.body(elsewhere)["enrollments"] as? [[String: Any]])?.isEmpty == true, "district B sees none of A's")

            let deleted = try await client.execute(
                uri: uri + "?reason=photo%20of%20the%20wrong%20person", method: .delete, headers: Call.headers(op))
            #expect(deleted.status == .ok && Call.body(deleted)["enrolled"] as? Bool == false)
            let events = try #require(Call.body(deleted)["events"] as? [[String: Any]])
            #expect(events.map { $0["action"] as? String } == ["enrolled", "deleted"])
            #expect((events.last?["detail"] as? String)?.contains("wrong person") == true)
            let again = try await client.execute(uri: uri, method: .delete, headers: Call.headers(op))
            #expect(again.status == .conflict && Call.errorCode(again) == "not_enrolled")
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 0)
            #expect(try await fixture.count("SELECT COUNT(*) FROM enrollment_photo") == 0)
        }
    }
}
