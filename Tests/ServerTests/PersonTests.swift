import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// Persons and enrollments over HTTP.
@Suite("Persons and enrollment")
struct PersonTests {
    @Test("a kiosk or mobile key reads only what a kiosk shows: name initial, enrolled, deadline; staff read the record")
    func deviceView() async throws {
        try await ServiceFixture.with { fixture, client in
            for role in [APIKey.Role.kiosk, .mobile] {
                let response = try await client.execute(
                    uri: "/v1/persons/\(ServiceFixture.personA)", method: .get, headers: Call.headers(fixture.key(role)))
                let body = Call.body(response)
                #expect(response.status == .ok)
                #expect(Set(body.keys) == ["resident_id", "name_initial", "face_enrolled", "deadline"], "\(role): \(body.keys)")
                #expect(body["name_initial"] as? String == "W" && body["face_enrolled"] as? Bool == true)
                for secret in ["13800000000", "wf1940", "3200.50", "Wang Fang"] {
                    #expect(!String(buffer: response.body).contains(secret), "\(role) must not read \(secret)")
                }
            }
            let staff = Call.body(
                try await client.execute(
                    uri: "/v1/persons/\(ServiceFixture.personA)", method: .get, headers: Call.headers(fixture.key(.operator))))
            #expect(staff["phone"] as? String == "13800000000" && staff["monthly_amount"] as? String == "3200.50")
        }
    }

    @Test("create, read and update a person; a duplicate, a bad checksum and another district's community are refused")
    func createReadUpdate() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let op = fixture.key(.operator)
            let id = ResidentID.completing("37020219480808011")!.value
            var person: [String: Any] = [
                "resident_id": id, "name": "Sun Li", "birth_date": "1948-08-08", "unit_code": "370202001001", "benefit_level": "1",
                "monthly_amount": 4100.25, "lives_alone": true,
            ]
            let created = try await client.execute(
                uri: "/v1/persons", method: .post, headers: Call.headers(op, [.contentType: "application/json"]), body: Call.json(person))
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/v1/persons/\(id)")
            #expect(Call.body(created)["monthly_amount"] as? String == "4100.25")
            #expect(Call.body(created)["service_period_months"] as? Int == 24)
            #expect(Call.body(created)["face_enrolled"] as? Bool == false)
            // Who entered them, and when, for operators and auditors.
            let entered = try #require(Call.body(created)["entered_by"] as? String)
            #expect(entered.contains(" via fc_") && Call.body(created)["entered_at"] is String, "\(Call.body(created))")
            let audited = try await client.execute(uri: "/v1/persons/\(id)", method: .get, headers: Call.headers(fixture.key(.auditor)))
            #expect(Call.body(audited)["entered_by"] as? String == entered)
            let again = try await client.execute(
                uri: "/v1/persons", method: .post, headers: Call.headers(op, [.contentType: "application/json"]), body: Call.json(person))
            #expect(again.status == .conflict && Call.errorCode(again) == "person_exists")
            person["resident_id"] = String(id.dropLast()) + (id.last == "0" ? "1" : "0")
            let badChecksum = try await client.execute(
                uri: "/v1/persons", method: .post, headers: Call.headers(op, [.contentType: "application/json"]), body: Call.json(person))
            #expect(badChecksum.status == .unprocessableContent && Call.errorCode(badChecksum) == "invalid_resident_id")
            person["resident_id"] = ResidentID.completing("37020219480808022")!.value
            person["unit_code"] = "370203001001"
            let elsewhere = try await client.execute(
                uri: "/v1/persons", method: .post, headers: Call.headers(op, [.contentType: "application/json"]), body: Call.json(person))
            #expect(elsewhere.status == .forbidden && Call.errorCode(elsewhere) == "out_of_scope")
            let patched = try await client.execute(
                uri: "/v1/persons/\(id)", method: .patch, headers: Call.headers(op, [.contentType: "application/json"]),
                body: Call.json(["phone": "13611112222"]))
            #expect(patched.status == .ok)
            #expect(Call.body(patched)["phone"] as? String == "13611112222")
            // A level, an amount or a name is a four-eyes decision (issue 29): this door refuses it.
            for change: [String: Any] in [["benefit_level": "5"], ["monthly_amount": 5000], ["name": "Sun Lili"]] {
                let refused = try await client.execute(
                    uri: "/v1/persons/\(id)", method: .patch, headers: Call.headers(op, [.contentType: "application/json"]),
                    body: Call.json(change))
                #expect(refused.status == .conflict && Call.errorCode(refused) == "needs_decision", "\(change)")
            }
            let empty = try await client.execute(
                uri: "/v1/persons/\(id)", method: .patch, headers: Call.headers(op, [.contentType: "application/json"]),
                body: Call.json([:]))
            #expect(empty.status == .unprocessableContent && Call.errorCode(empty) == "nothing_to_change")
            let badLevel = try await client.execute(
                uri: "/v1/persons/\(id)", method: .patch, headers: Call.headers(op, [.contentType: "application/json"]),
                body: Call.json(["benefit_level": "99"]))
            #expect(badLevel.status == .conflict && Call.errorCode(badLevel) == "needs_decision")
            let read = try await client.execute(uri: "/v1/persons/\(id)", method: .get, headers: Call.headers(fixture.key(.auditor)))
            #expect(Call.body(read)["benefit_level"] as? String == "1" && Call.body(read)["phone"] as? String == "13611112222")
            let missing = try await client.execute(
                uri: "/v1/persons/\(ResidentID.completing("37020219990101009")!.value)", method: .get, headers: Call.headers(op))
            #expect(missing.status == .notFound && Call.errorCode(missing) == "person_not_found")
            let malformed = try await client.execute(uri: "/v1/persons/not-an-id", method: .get, headers: Call.headers(op))
            #expect(malformed.status == .unprocessableContent && Call.errorCode(malformed) == "invalid_resident_id")
        }
    }

    @Test("enrollment: each photo gets its own result; photos of two people or none usable are refused; re-enrolling needs replace")
    func enrollment() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let op = fixture.key(.operator)
            let uri = "/v1/persons/\(ServiceFixture.personA)/enrollments"
            func enroll(_ photos: [Data], query: String = "") async throws -> TestResponse {
                let (type, body) = Call.multipart(photos: photos)
                return try await client.execute(
                    uri: uri + "?consent_by=person" + query.replacingOccurrences(of: "?", with: "&"), method: .post,
                    headers: Call.headers(op, [.contentType: type]), body: body)
            }
            let mixed = try await enroll([try Fixtures.image("obama.jpg"), try Fixtures.image("biden.jpg")])
            #expect(mixed.status == .unprocessableContent && Call.errorCode(mixed) == "photos_disagree")
            #expect((Call.body(mixed)["error"] as? [String: Any])?["disagreeing"] as? [Int] == [0, 1])
            let unusable = try await enroll([try Fixtures.rotated("obama.jpg", quarterTurns: 2), Data("junk".utf8)])
            #expect(unusable.status == .unprocessableContent && Call.errorCode(unusable) == "no_usable_photo")
            let results = try #require((Call.body(unusable)["error"] as? [String: Any])?["photos"] as? [[String: Any]])
            #expect(
                results.count == 2
                    && results.allSatisfy { $0["accepted"] as? Bool == false && !(($0["reasons"] as? [String]) ?? []).isEmpty })
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 0)
            let good = try await enroll([try Fixtures.image("obama.jpg"), try Fixtures.image("obama2.jpg"), Data("junk".utf8)])
            #expect(good.status == .created)
            #expect(Call.body(good)["reference_photos"] as? Int == 2)
            #expect(!String(buffer: good.body).contains("embedding"))
            #expect(Call.body(good)["status"] as? String == "enrolled")
            // Re-enrolling needs replace=true, then replaces the template.
            let refused = try await enroll([try Fixtures.image("obama3.jpg")])
            #expect(refused.status == .conflict && Call.errorCode(refused) == "already_enrolled")
            let again = try await enroll([try Fixtures.image("obama3.jpg")], query: "?replace=true")
            #expect(again.status == .created && Call.body(again)["status"] as? String == "replaced")
            #expect(Call.body(again)["reference_photos"] as? Int == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 1)
            let json = try await client.execute(
                uri: uri + "?consent_by=person&replace=true", method: .post, headers: Call.headers(op, [.contentType: "application/json"]),
                body: Call.json(["photos": [try Fixtures.image("obama2.jpg").base64EncodedString()]]))
            #expect(json.status == .created)
            let none = try await client.execute(
                uri: uri + "?consent_by=person", method: .post, headers: Call.headers(op, [.contentType: "application/json"]),
                body: Call.json(["photos": []]))
            #expect(none.status == .unprocessableContent && Call.errorCode(none) == "no_photo")
            let many = try await enroll(Array(repeating: Data("small".utf8), count: 21))
            #expect(many.status == .unprocessableContent && Call.errorCode(many) == "too_many_photos")
        }
    }

    @Test(
        "a poor reference photo is rejected with a reason a person can act on",
        arguments: [
            (Fixtures.Degradation.dark, "too_dark"), (.blurred, "blurred"), (.tiny, "face_too_small"), (.tilted, "tilted"),
        ])
    func poorPhotos(degradation: Fixtures.Degradation, code: String) async throws {
        let photo = try Fixtures.degraded("obama2.jpg", degradation)
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let (type, body) = Call.multipart(photos: [photo])
            let response = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personA)/enrollments?consent_by=person", method: .post,
                headers: Call.headers(fixture.key(.operator), [.contentType: type]), body: body)
            #expect(response.status == .unprocessableContent && Call.errorCode(response) == "no_usable_photo")
            let result = try #require(((Call.body(response)["error"] as? [String: Any])?["photos"] as? [[String: Any]])?.first)
            #expect((result["codes"] as? [String])?.contains(code) == true, "\(degradation): \(result)")
            #expect(((result["reasons"] as? [String]) ?? []).allSatisfy { $0.contains(":") })
        }
    }

    @Test("templates are sealed at rest: the database file holds no embedding, and a wrong key cannot open them")
    func templatesSealed() async throws {
        try await ServiceFixture.with { fixture, client in
            let embedding = try await fixture.engine.analyze(try Fixtures.image("obama.jpg")).primaryFace.embedding.values
            let pattern = embedding.prefix(4).reduce(into: Data()) { data, value in
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
            for suffix in ["", "-wal"] {
                let file = (try? Data(contentsOf: URL(filePath: fixture.configuration.database + suffix))) ?? Data()
                #expect(file.count > 0 || suffix == "-wal")
                #expect(file.range(of: pattern) == nil)
            }
            let id = try ResidentID(ServiceFixture.personA)
            #expect(try await fixture.store.templates.template(for: id)?.count == 2)
            let stranger = ServiceStore(ledger: fixture.store.ledger, vault: TemplateVault(key: .init(size: .bits256)))
            await #expect(
                throws: StorageError(
                    .templateUnreadable, "the stored face template cannot be opened with this template key (wrong key file, or altered)")
            ) {
                try await stranger.templates.template(for: id)
            }
        }
    }
}
