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

/// Sightings (issue 30): a camera's stills of the card holder, decided by the real engine on the
/// fixture's photos, through the real router, on the real SQLite file.
@Suite("Sightings at cameras")
struct SightingTests {
    /// `captured_at` for a moment `seconds` from now, written with Beijing's offset.
    static func capturedAt(_ seconds: Double = -60) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        return formatter.string(from: Date().addingTimeInterval(seconds))
    }

    /// Another capture of the face in `name`: the same image as a different file (bytes after the
    /// JPEG's end, which decoders ignore), as two stills of one person are two files.
    static func anotherCapture(_ name: String, _ n: UInt8) throws -> Data {
        try Fixtures.image(name) + Data([0, n])
    }

    static func send(
        _ client: some TestClientProtocol, key: String, person: String = ServiceFixture.personA, capture: String,
        stills: [Data], capturedAt: String = capturedAt(), site: String? = nil
    ) async throws -> TestResponse {
        var fields = ["person_id": person, "capture_id": capture, "captured_at": capturedAt]
        if let site { fields["site"] = site }
        let (type, body) = Call.multipart(fields: fields, photos: stills, photoName: "still")
        return try await client.execute(uri: "/v1/sightings", method: .post, headers: Call.headers(key, [.contentType: type]), body: body)
    }

    @Test("the card holder seen at a camera is confirmed: strong evidence video_confirmation, the deadline moves, the chain verifies")
    func confirmed() async throws {
        try await ServiceFixture.with { fixture, client in
            let id = try ResidentID(ServiceFixture.personA)
            let before = try #require(try await fixture.store.persons.person(id))
            let response = try await Self.send(
                client, key: fixture.key(.camera), capture: "cap-1", stills: [try Fixtures.image("obama3.jpg")])
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let body = Call.body(response)
            #expect(body["outcome"] as? String == "confirmed" && body["reason"] as? String == "match", "\(body)")
            // A camera reads nothing: no distance, no deadline, nothing of the person.
            #expect(body["distance"] == nil && body["deadline"] == nil && body["name"] == nil)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence WHERE kind = 'video_confirmation' AND class = 'strong'") == 1)
            let after = try #require(try await fixture.store.persons.person(id))
            #expect(after.ledger.deadline > before.ledger.deadline)
            #expect(try await fixture.count("SELECT COUNT(*) FROM sighting WHERE outcome = 'confirmed' AND evidence_id IS NOT NULL") == 1)
            // The still is never kept: its hash, the distance, quality and passive score are.
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM sighting WHERE length(stills_sha256) = 32 AND distance < 0.55 AND quality IS NOT NULL AND passive_real IS NOT NULL"
                ) == 1)
            // The same still again under a new capture id, or an enrollment photo, decides nothing.
            for (capture, still, reason) in [
                ("cap-2", try Fixtures.image("obama3.jpg"), "still_seen_before"),
                ("cap-3", try Fixtures.image("obama.jpg"), "enrollment_photo"),
            ] {
                let again = try await Self.send(client, key: fixture.key(.camera), capture: capture, stills: [still])
                #expect(Call.body(again)["outcome"] as? String == "no_decision" && Call.body(again)["reason"] as? String == reason)
            }
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence WHERE kind = 'video_confirmation'") == 1)
            let report = try await fixture.store.stores.audit.verifyChain()
            #expect(report.finding == nil, "\(String(describing: report.finding))")
            let ledger = try await client.execute(
                uri: "/v1/persons/\(ServiceFixture.personA)/ledger", method: .get, headers: Call.headers(fixture.key(.operator)))
            let timeline = try #require(Call.body(ledger)["timeline"] as? [[String: Any]])
            #expect(timeline.contains { $0["kind"] as? String == "sighting" && ($0["detail"] as? String)?.contains("camera A") == true })
        }
    }

    @Test("another person's photo twice is other_face: the second puts the card holder on the attention list and opens a field check")
    func otherFaceTwice() async throws {
        try await ServiceFixture.with { fixture, client in
            let camera = fixture.key(.camera)
            // A camera key speaks for its own site only: naming another site of its unit is refused.
            let invented = try await Self.send(
                client, key: camera, capture: "o-0", stills: [try Fixtures.image("biden.jpg")], site: "Yifeng Pharmacy 12")
            #expect(invented.status == .unprocessableContent && Call.errorCode(invented) == "invalid_site", "\(Call.body(invented))")
            let pharmacy = try await fixture.store.keys.createKey(name: "Yifeng Pharmacy 12", role: .camera, unit: "370202").text
            let first = try await Self.send(
                client, key: pharmacy, capture: "o-1", stills: [try Fixtures.image("biden.jpg")], capturedAt: Self.capturedAt(-2 * 86_400))
            #expect(Call.body(first)["outcome"] as? String == "other_face", "\(Call.body(first))")
            #expect(try await fixture.count("SELECT COUNT(*) FROM task") == 0, "one other face raises nothing")
            let second = try await Self.send(client, key: camera, capture: "o-2", stills: [try Self.anotherCapture("biden.jpg", 1)])
            #expect(Call.body(second)["outcome"] as? String == "other_face")
            #expect(try await fixture.count("SELECT COUNT(*) FROM task WHERE kind = 'attention' AND status = 'open'") == 1)
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM task WHERE kind = 'field_check' AND reason LIKE '%Yifeng Pharmacy 12 on %camera A on %'") == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0, "other_face never certifies")
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM decision WHERE kind = 'hold' AND status = 'in_force' AND until IS NULL AND requested_by = 'rule:other_face' AND reason LIKE '%Yifeng Pharmacy 12%'"
                ) == 1, "the payment is held until a person-to-person check")
            let alerts = try await client.execute(
                uri: "/v1/alerts?kind=other-face", method: .get, headers: Call.headers(fixture.key(.operator)))
            let list = try #require(Call.body(alerts)["alerts"] as? [[String: Any]])
            #expect(list.count == 1 && (list.first?["detail"] as? String)?.contains("Yifeng Pharmacy 12") == true, "\(list)")
            // A third within the window is counted, not another visit.
            let third = try await Self.send(client, key: camera, capture: "o-3", stills: [try Self.anotherCapture("biden.jpg", 2)])
            #expect(Call.body(third)["outcome"] as? String == "other_face")
            #expect(try await fixture.count("SELECT COUNT(*) FROM task WHERE kind = 'field_check'") == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM decision WHERE kind = 'hold'") == 1)
            // The card holder's own face at a camera certifies, but does not end the hold: no one attended it.
            let own = try await Self.send(client, key: camera, capture: "o-4", stills: [try Fixtures.image("obama3.jpg")])
            #expect(Call.body(own)["outcome"] as? String == "confirmed", "\(Call.body(own))")
            #expect(try await fixture.count("SELECT COUNT(*) FROM decision WHERE kind = 'hold' AND status = 'in_force'") == 1)
            // A file sent before for the person, under a new capture id, decides nothing.
            let replayed = try await Self.send(client, key: camera, capture: "o-5", stills: [try Fixtures.image("biden.jpg")])
            #expect(
                Call.body(replayed)["outcome"] as? String == "no_decision"
                    && Call.body(replayed)["reason"] as? String == "still_seen_before")
            #expect((try await fixture.store.stores.audit.verifyChain()).finding == nil)
        }
    }

    @Test("a blurred or tiny face, a rendered phone screen, and a person not enrolled are no_decision and change nothing")
    func noDecision() async throws {
        try await ServiceFixture.with { fixture, client in
            let camera = fixture.key(.camera)
            for (capture, still) in [
                ("blur", try Fixtures.degraded("obama3.jpg", .blurred)), ("tiny", try Fixtures.degraded("obama3.jpg", .tiny)),
            ] {
                let response = try await Self.send(client, key: camera, capture: capture, stills: [still])
                #expect(Call.body(response)["outcome"] as? String == "no_decision", "\(capture): \(Call.body(response))")
            }
            let screen = try await Self.send(client, key: camera, capture: "screen", stills: [try Fixtures.phoneScreen("obama3.jpg")])
            #expect(Call.body(screen)["outcome"] as? String == "no_decision")
            #expect(Call.body(screen)["reason"] as? String == "presentation_attack", "\(Call.body(screen))")
            // Person B (district B) is not enrolled: a city camera's sighting of them decides nothing.
            let city = try await fixture.store.keys.createKey(name: "city gateway", role: .camera, unit: "3702").text
            let unenrolled = try await Self.send(
                client, key: city, person: ServiceFixture.personB, capture: "b-1", stills: [try Fixtures.image("obama3.jpg")])
            #expect(Call.body(unenrolled)["reason"] as? String == "not_enrolled", "\(Call.body(unenrolled))")
            #expect(try await fixture.count("SELECT COUNT(*) FROM sighting WHERE outcome = 'no_decision'") == 4)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 0)
            #expect(try await fixture.count("SELECT COUNT(*) FROM task") == 0)
        }
    }

    @Test("a replayed capture id returns the first answer and changes nothing; reused for another card it is refused")
    func replay() async throws {
        try await ServiceFixture.with { fixture, client in
            let camera = fixture.key(.camera)
            let still = try Fixtures.image("obama3.jpg")
            let first = try await Self.send(client, key: camera, capture: "r-1", stills: [still])
            let counts = { () async throws -> [Int] in
                [
                    try await fixture.count("SELECT COUNT(*) FROM sighting"), try await fixture.count("SELECT COUNT(*) FROM evidence"),
                    try await fixture.count("SELECT COUNT(*) FROM ledger_event"),
                    try await fixture.count("SELECT COUNT(*) FROM audit_chain"),
                ]
            }
            let before = try await counts()
            let again = try await Self.send(client, key: camera, capture: "r-1", stills: [still])
            #expect(again.status == .ok && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(Call.body(again)["sighting_id"] as? Int == Call.body(first)["sighting_id"] as? Int)
            #expect(Call.body(again)["outcome"] as? String == "confirmed")
            #expect(try await counts() == before)
            let reused = try await Self.send(client, key: camera, capture: "r-1", stills: [try Fixtures.image("biden.jpg")])
            #expect(reused.status == .conflict && Call.errorCode(reused) == "capture_id_reused")
            #expect(try await counts() == before)
        }
    }

    @Test("a camera key reads nothing and cannot enroll or verify; captures from the future or too old are refused with their code")
    func cameraLimits() async throws {
        try await ServiceFixture.with { fixture, client in
            let camera = fixture.key(.camera)
            let a = ServiceFixture.personA
            for (uri, method) in [
                ("/v1/persons/\(a)", HTTPRequest.Method.get), ("/v1/persons/\(a)/ledger", .get), ("/v1/persons/\(a)/enrollments", .get),
                ("/v1/me", .get), ("/v1/alerts", .get), ("/v1/stats/sightings", .get),
            ] {
                let response = try await client.execute(uri: uri, method: method, headers: Call.headers(camera))
                #expect(response.status == .forbidden && Call.errorCode(response) == "forbidden_role", "\(uri)")
            }
            let verify = try await VerificationTests.verify(client, key: camera, photo: try Fixtures.image("obama3.jpg"))
            #expect(verify.status == .forbidden)
            let future = try await Self.send(
                client, key: camera, capture: "f-1", stills: [try Fixtures.image("obama3.jpg")], capturedAt: Self.capturedAt(3600))
            #expect(future.status == .unprocessableContent && Call.errorCode(future) == "capture_in_future")
            let old = try await Self.send(
                client, key: camera, capture: "f-2", stills: [try Fixtures.image("obama3.jpg")], capturedAt: Self.capturedAt(-8 * 86_400))
            #expect(old.status == .unprocessableContent && Call.errorCode(old) == "capture_too_old")
            let noOffset = try await Self.send(
                client, key: camera, capture: "f-3", stills: [try Fixtures.image("obama3.jpg")], capturedAt: "2026-12-07T09:30:00")
            #expect(Call.errorCode(noOffset) == "invalid_captured_at")
            let four = try await Self.send(
                client, key: camera, capture: "f-4", stills: Array(repeating: try Fixtures.degraded("obama3.jpg", .tiny), count: 4))
            #expect(Call.errorCode(four) == "invalid_stills")
            // A district B camera is told of person A what it would be told of an ID that does not exist.
            let elsewhere = try await Self.send(
                client, key: fixture.key(.camera, "B"), capture: "x-1", stills: [try Fixtures.image("obama3.jpg")])
            #expect(elsewhere.status == .notFound && Call.errorCode(elsewhere) == "person_not_found")
            #expect(try await fixture.count("SELECT COUNT(*) FROM sighting") == 0)
        }
    }

    @Test("a gateway's batch: each line decided or refused on its own; the stats count sightings by outcome per unit")
    func batchAndStats() async throws {
        try await ServiceFixture.with { fixture, client in
            let gateway = try await fixture.store.keys.createKey(name: "Yifeng gateway", role: .camera, unit: "3702").text
            func line(_ capture: String, _ still: Data, site: String = "Yifeng 7", unit: String? = "370202", at: String = Self.capturedAt())
                -> String
            {
                var object: [String: Any] = [
                    "person_id": ServiceFixture.personA, "capture_id": capture, "captured_at": at, "site": site,
                    "stills": [still.base64EncodedString()],
                ]
                if let unit { object["unit"] = unit }
                return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            }
            let body = [
                line("g-1", try Fixtures.image("obama3.jpg")), "{not json", line("g-3", try Fixtures.image("biden.jpg")),
                line("g-4", try Fixtures.image("obama3.jpg"), at: Self.capturedAt(7200)),
            ].joined(separator: "\n")
            let response = try await client.execute(
                uri: "/v1/sightings/batch", method: .post, headers: Call.headers(gateway, [.contentType: "application/x-ndjson"]),
                body: ByteBuffer(string: body))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let results = try #require(Call.body(response)["results"] as? [[String: Any]])
            try #require(results.count == 4)
            #expect(results[0]["outcome"] as? String == "confirmed")
            #expect((results[1]["error"] as? [String: Any])?["code"] as? String == "invalid_json")
            #expect(results[2]["outcome"] as? String == "other_face")
            #expect((results[3]["error"] as? [String: Any])?["code"] as? String == "capture_in_future")
            #expect(try await fixture.count("SELECT COUNT(*) FROM sighting WHERE site = 'Yifeng 7' AND site_unit = '370202'") == 2)
            // The JSON form: the same capture again is the first answer; a bad item stands alone.
            let first = try #require(try JSONSerialization.jsonObject(with: Data(body.split(separator: "\n")[0].utf8)))
            let json = try await client.execute(
                uri: "/v1/sightings/batch", method: .post, headers: Call.headers(gateway, [.contentType: "application/json"]),
                body: Call.json(["sightings": [first, 7]]))
            let items = try #require(Call.body(json)["results"] as? [[String: Any]], "\(String(buffer: json.body))")
            try #require(items.count == 2)
            #expect(items[0]["replayed"] as? Bool == true && items[0]["outcome"] as? String == "confirmed")
            #expect((items[1]["error"] as? [String: Any])?["code"] as? String == "invalid_json")
            let stats = try await client.execute(
                uri: "/v1/stats/sightings?unit=3702", method: .get, headers: Call.headers(try await cityAuditor(fixture)))
            let units = try #require(Call.body(stats)["units"] as? [[String: Any]], "\(Call.body(stats))")
            let district = try #require(units.first { $0["unit"] as? String == "370202" })
            #expect(district["confirmed"] as? Int == 1 && district["other_face"] as? Int == 1 && district["no_decision"] as? Int == 0)
            #expect(units.first { $0["unit"] as? String == "3702" }?["confirmed"] as? Int == 1)
        }
    }

    @Test("rules made before sightings (no video_confirmation kind) take no sightings: 409 sightings_not_in_rules, not a 500")
    func rulesWithoutTheKind() async throws {
        var rules = try LedgerRules.shipped()
        rules.kinds.removeAll { $0.kind == "video_confirmation" }
        let old = rules
        #expect(SightingRules.current(old).confirms == false)
        #expect(SightingRules.current(try LedgerRules.shipped()).confirms)
        #expect(APIError.status(LedgerError.Code.sightingsNotInRules) == .conflict)
        try await ServiceFixture.with { fixture, _ in
            let service = SightingService(
                store: fixture.store.sightings, engine: try await SharedEngines.shared.engine(),
                policy: SightingService.Policy(confirmThreshold: 0.5), rules: SightingRules.current(old), unitPath: { _ in nil })
            let key = APIKey(
                id: "fc_0000000000000000", name: "camera", role: .camera, unitCode: "3702", unitPath: "/3702/", requireSignature: false,
                createdAt: "", secretHash: Data())
            let capture = SightingService.Capture(
                person: try ResidentID(ServiceFixture.personA), captureID: "c", capturedAt: Self.capturedAt(), site: nil, unit: nil,
                stills: [try Fixtures.image("obama3.jpg")])
            let error = await #expect(throws: LedgerError.self) { _ = try await service.submit(capture, key: key) }
            #expect(error?.code == .sightingsNotInRules)
            #expect(try await fixture.count("SELECT COUNT(*) FROM sighting") == 0)
        }
    }

    static func cityAuditor(_ fixture: ServiceFixture) async throws -> String {
        try await fixture.store.keys.createKey(name: "city auditor", role: .auditor, unit: "3702").text
    }
}

extension SightingTests {
    func cityAuditor(_ fixture: ServiceFixture) async throws -> String { try await Self.cityAuditor(fixture) }
}
