import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// Evidence feeds and the operators' lists over HTTP.
@Suite("Evidence and operator lists")
struct LedgerRouteTests {
    @Test("a feed's batch is applied once; re-delivery changes nothing; bad and biometric rows are refused by row")
    func evidenceFeed() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let feed = fixture.key(.feed)
            let a = ServiceFixture.personA
            let rows: [[String: Any]] = [
                [
                    "source": "civil_affairs", "external_id": "CA-1", "resident_id": a, "kind": "civil_affairs_confirmation",
                    "observed_at": "2026-02-01",
                ],
                [
                    "source": "fastcert", "external_id": "F-1", "resident_id": a, "kind": "face_verification_kiosk",
                    "observed_at": "2026-02-02",
                ],
                ["source": "bank", "external_id": "B-1", "resident_id": a, "kind": "no_such_kind", "observed_at": "2026-02-02"],
                ["source": "bank", "external_id": "B-2", "resident_id": "123", "kind": "atm_withdrawal", "observed_at": "2026-02-02"],
            ]
            let first = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: Call.headers(feed, [.contentType: "application/json"]),
                body: Call.json(["rows": rows]))
            #expect(first.status == .ok)
            let body = Call.body(first)
            #expect(body["imported"] as? Int == 1)
            #expect((body["refused"] as? [[String: Any]])?.map { $0["row"] as? Int } == [2, 3, 4])
            #expect((body["ledger_changes"] as? [String: Int])?["certified"] == 1)
            let again = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: Call.headers(feed, [.contentType: "application/json"]),
                body: Call.json(["rows": Array(rows.prefix(1))]))
            #expect(Call.body(again)["already_present"] as? Int == 1 && Call.body(again)["imported"] as? Int == 0)
            let csv = "source,external_id,resident_id,kind,observed_at\ncivil_affairs,CA-2,\(a),civil_affairs_confirmation,2026-03-01\n"
            let csvResponse = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: Call.headers(feed, [.contentType: "text/csv"]), body: ByteBuffer(string: csv))
            #expect(Call.body(csvResponse)["imported"] as? Int == 1)
            let xml = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: Call.headers(feed, [.contentType: "application/xml"]),
                body: ByteBuffer(string: "<a/>"))
            #expect(xml.status == .unsupportedMediaType)
            let broken = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: Call.headers(feed, [.contentType: "application/json"]),
                body: ByteBuffer(string: "{\"rows\": [{\"source\": 5}]}"))
            #expect(broken.status == .unprocessableContent && Call.errorCode(broken) == "invalid_json")
            // One row past the limit, in each format: refused whole, nothing stored.
            let tooMany = [
                // (A number after the limit's row: decoding stops before it, so the answer is too
                // many rows, not malformed JSON.)
                ("application/json", "{\"rows\": [" + Array(repeating: "{}", count: 50_001).joined(separator: ",") + ", 1]}"),
                ("text/csv", "source,external_id,resident_id,kind,observed_at\n" + String(repeating: "a,b,c,d,e\n", count: 50_001)),
            ]
            for (type, text) in tooMany {
                let refused = try await client.execute(
                    uri: "/v1/evidence", method: .post, headers: Call.headers(feed, [.contentType: type]), body: ByteBuffer(string: text))
                #expect(refused.status == .contentTooLarge && Call.errorCode(refused) == "too_many_rows", "\(type)")
            }
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence") == 2)
        }
    }

    @Test("alerts, tasks with an outcome, outbox, payroll and stats for the caller's unit")
    func operatorLists() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let op = fixture.key(.operator)
            // Person A's deadline is 2026-06-01: a sweep on 2026-05-15 opens a field check.
            _ = try await fixture.store.ledger.sweep(on: Day("2026-05-15")!)
            let alerts = try await client.execute(uri: "/v1/alerts?kind=field-check", method: .get, headers: Call.headers(op))
            let list = try #require(Call.body(alerts)["alerts"] as? [[String: Any]])
            #expect(list.map { $0["resident_id"] as? String } == [ServiceFixture.personA])
            let badKind = try await client.execute(uri: "/v1/alerts?kind=nonsense", method: .get, headers: Call.headers(op))
            #expect(badKind.status == .unprocessableContent)
            let tasks = try await client.execute(uri: "/v1/tasks", method: .get, headers: Call.headers(fixture.key(.auditor)))
            let task = try #require((Call.body(tasks)["tasks"] as? [[String: Any]])?.first)
            let taskID = try #require(task["id"] as? Int)
            let outcome = try await client.execute(
                uri: "/v1/tasks/\(taskID)/outcome", method: .post, headers: Call.headers(op, [.contentType: "application/json"]),
                body: Call.json(["outcome": "seen_alive", "day": "2026-05-16"]))
            #expect(outcome.status == .ok)
            #expect((Call.body(outcome)["ledger_changes"] as? [String: Int])?["certified"] == 1)
            let twice = try await client.execute(
                uri: "/v1/tasks/\(taskID)/outcome", method: .post, headers: Call.headers(op, [.contentType: "application/json"]),
                body: Call.json(["outcome": "seen_alive"]))
            #expect(twice.status == .conflict && Call.errorCode(twice) == "task_closed")
            let otherDistrict = try await client.execute(
                uri: "/v1/tasks/\(taskID)/outcome", method: .post,
                headers: Call.headers(fixture.key(.operator, "B"), [.contentType: "application/json"]),
                body: Call.json(["outcome": "unreachable"]))
            #expect(otherDistrict.status == .notFound && Call.errorCode(otherDistrict) == "unknown_task")
            let outbox = try await client.execute(uri: "/v1/outbox?include_sent=true", method: .get, headers: Call.headers(op))
            #expect(outbox.status == .ok && Call.body(outbox)["messages"] is [Any])
            let noRun = try await client.execute(uri: "/v1/payroll?month=2026-07", method: .get, headers: Call.headers(op))
            #expect(noRun.status == .notFound && Call.errorCode(noRun) == "unknown_payroll_run")
            let noMonth = try await client.execute(uri: "/v1/payroll", method: .get, headers: Call.headers(op))
            #expect(noMonth.status == .unprocessableContent)
            let stats = try await client.execute(uri: "/v1/stats?month=2026-05", method: .get, headers: Call.headers(op))
            #expect(Call.body(stats)["field_checks"] as? Int == 1 && Call.body(stats)["persons"] as? Int == 1)
            let unknownUnit = try await client.execute(uri: "/v1/stats?unit=999999", method: .get, headers: Call.headers(op))
            #expect(unknownUnit.status == .notFound)
        }
    }
}

/// Two feeds of one department (a district's and the city's) number their rows independently: a
/// row is (source, external id, person), and neither feed can silence the other or learn of
/// persons outside its units.
@Suite("Feeds side by side")
struct FeedIsolationTests {
    static func deliver(_ client: some TestClientProtocol, _ key: String, _ rows: [[String: Any]]) async throws -> [String: Any] {
        let response = try await client.execute(
            uri: "/v1/evidence", method: .post, headers: Call.headers(key, [.contentType: "application/json"]),
            body: Call.json(["rows": rows]))
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return Call.body(response)
    }

    static func claim(_ id: String, _ person: String, _ day: String) -> [String: Any] {
        ["source": "health_insurance", "external_id": id, "resident_id": person, "kind": "outpatient_visit", "observed_at": day]
    }

    @Test(
        "the same external id from another feed for another person is imported; for the same person with other content it is refused by code"
    )
    func sameIDTwoFeeds() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let a = ServiceFixture.personA, b = ServiceFixture.personB
            let sources = fixture.store.ledger.rules.sources.subtracting(["fastcert", "camera_network"]).sorted()
            let city = try await fixture.store.keys.createKey(name: "city health insurance", role: .feed, unit: "3702", sources: sources)
                .text
            let first = try await Self.deliver(client, fixture.key(.feed), [Self.claim("CLAIM-000123", a, "2026-02-01")])
            #expect(first["imported"] as? Int == 1)
            let other = try await Self.deliver(client, city, [Self.claim("CLAIM-000123", b, "2026-02-03")])
            #expect(other["imported"] as? Int == 1 && other["already_present"] as? Int == 0, "\(other)")
            let again = try await Self.deliver(client, city, [Self.claim("CLAIM-000123", a, "2026-02-01")])
            #expect(again["already_present"] as? Int == 1 && again["imported"] as? Int == 0, "the same row is a re-delivery")
            let changed = try await Self.deliver(
                client, city, [Self.claim("CLAIM-000123", a, "2026-03-09"), Self.claim("CLAIM-000124", a, "2026-03-09")])
            let refused = try #require(changed["refused"] as? [[String: Any]])
            #expect(refused.count == 1 && refused.first?["row"] as? Int == 1 && refused.first?["code"] as? String == "external_id_conflict")
            #expect(changed["imported"] as? Int == 1 && changed["already_present"] as? Int == 0)
            #expect(try await fixture.count("SELECT COUNT(*) FROM evidence WHERE external_id = 'CLAIM-000123'") == 2)
            // The same event written another way (the time's zone spelled otherwise, an empty payload) is a re-delivery.
            var timed = Self.claim("CLAIM-000200", a, "2026-04-01T08:00:00Z")
            _ = try await Self.deliver(client, city, [timed])
            timed["observed_at"] = "2026-04-01T08:00:00+00:00"
            timed["payload"] = ""
            let respelled = try await Self.deliver(client, city, [timed])
            #expect(respelled["already_present"] as? Int == 1 && (respelled["refused"] as? [Any])?.isEmpty == true, "\(respelled)")
        }
    }

    @Test("a district's feed is told the same of a person in another district as of an ID that does not exist")
    func noOracle() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let unknown = ResidentID.completing("37020319990101009")!.value
            let answer = try await Self.deliver(
                client, fixture.key(.feed),
                [Self.claim("C-1", ServiceFixture.personB, "2026-02-01"), Self.claim("C-2", unknown, "2026-02-01")])
            let reasons = try #require(answer["refused"] as? [[String: Any]]).compactMap { $0["reason"] as? String }
            #expect(reasons.count == 2)
            #expect(
                reasons.map { $0.replacing(/\d{4}\*+\d{3}[\dX]/, with: "ID") }.allSatisfy {
                    $0 == "no person ID in the units this feed may report on"
                }, "\(reasons)")
        }
    }
}

/// A record's scope is its person's unit now: a person moved to another district takes their open
/// tasks and recovery cases along, and the old district can neither see nor act on them.
@Suite("Scope by the person's unit now")
struct ScopeNowTests {
    @Test("an enrollment written or deleted by a key of a unit the person has left meanwhile is refused at the write")
    func enrollmentAtTheWrite() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, _ in
            let districtA = try #require(try await fixture.store.ledger.unitPath("370202"))
            let b = try ResidentID(ServiceFixture.personB)  // lives in district B
            let embedding = [Float](repeating: 0.1, count: 128)
            do {
                try await fixture.store.templates.saveEnrollment(
                    [embedding], photos: [], for: b, by: "operator A", replacing: true, scope: districtA)
                Issue.record("district A's key enrolled a face for a person of district B")
            } catch let error as LedgerError {
                #expect(error.code == .personNotFound)
            }
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 0)
            try await fixture.store.templates.saveEnrollment([embedding], photos: [], for: b, by: "operator B", replacing: true)
            await #expect {
                _ = try await fixture.store.templates.deleteEnrollment(b, by: "operator A", reason: "probing", scope: districtA)
            } throws: { ($0 as? LedgerError)?.code == .personNotFound }
            #expect(try await fixture.count("SELECT COUNT(*) FROM face_template") == 1)
        }
    }

    @Test("a task opened in A for a person since moved to B: A neither lists it nor closes it; B does, and the move is recorded")
    func staleTask() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let a = ServiceFixture.personA
            _ = try await fixture.store.ledger.sweep(on: Day("2026-05-15")!)
            let operatorA = fixture.key(.operator), operatorB = fixture.key(.operator, "B")
            let before = try await client.execute(uri: "/v1/tasks", method: .get, headers: Call.headers(operatorA))
            let task = try #require((Call.body(before)["tasks"] as? [[String: Any]])?.first { $0["resident_id"] as? String == a })
            let taskID = try #require(task["id"] as? Int)
            let city = try await fixture.store.keys.createKey(name: "city", role: .operator, unit: "3702", holder: "city clerk").text
            let move = try await client.execute(
                uri: "/v1/persons/\(a)", method: .patch, headers: Call.headers(city, [.contentType: "application/json"]),
                body: Call.json(["unit_code": "370203001001"]))
            #expect(move.status == .ok)
            let listA = try await client.execute(uri: "/v1/tasks", method: .get, headers: Call.headers(operatorA))
            #expect((Call.body(listA)["tasks"] as? [[String: Any]])?.contains { $0["id"] as? Int == taskID } == false)
            let deceased = try await client.execute(
                uri: "/v1/tasks/\(taskID)/outcome", method: .post, headers: Call.headers(operatorA, [.contentType: "application/json"]),
                body: Call.json(["outcome": "deceased"]))
            #expect(deceased.status == .notFound && Call.errorCode(deceased) == "unknown_task")
            let person = try #require(try await fixture.store.persons.person(try ResidentID(a)))
            #expect(person.ledger.deathDay == nil)
            let listB = try await client.execute(uri: "/v1/tasks", method: .get, headers: Call.headers(operatorB))
            let handed = try #require((Call.body(listB)["tasks"] as? [[String: Any]])?.first { $0["id"] as? Int == taskID })
            #expect(handed["unit_code"] as? String == "370203001001")
            let seen = try await client.execute(
                uri: "/v1/tasks/\(taskID)/outcome", method: .post, headers: Call.headers(operatorB, [.contentType: "application/json"]),
                body: Call.json(["outcome": "seen_alive", "day": "2026-05-16"]))
            #expect(seen.status == .ok)
            let timeline = try await client.execute(uri: "/v1/persons/\(a)/ledger", method: .get, headers: Call.headers(operatorB))
            let causes = (Call.body(timeline)["timeline"] as? [[String: Any]] ?? []).compactMap { $0["detail"] as? String }
            #expect(causes.contains { $0.contains("open task handed to 370203001001") })
        }
    }
}
