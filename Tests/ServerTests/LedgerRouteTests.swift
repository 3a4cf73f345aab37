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
            #expect(otherDistrict.status == .forbidden)
            let outbox = try await client.execute(uri: "/v1/outbox?include_sent=true", method: .get, headers: Call.headers(op))
            #expect(outbox.status == .ok && Call.body(outbox)["messages"] is [Any])
            let payroll = try await client.execute(uri: "/v1/payroll?month=2026-07", method: .get, headers: Call.headers(op))
            let lines = try #require(Call.body(payroll)["lines"] as? [[String: Any]])
            #expect(lines.count == 1 && lines[0]["payable"] as? Bool == true && lines[0]["total"] as? String == "3200.50")
            let noMonth = try await client.execute(uri: "/v1/payroll", method: .get, headers: Call.headers(op))
            #expect(noMonth.status == .unprocessableContent)
            let stats = try await client.execute(uri: "/v1/stats?month=2026-05", method: .get, headers: Call.headers(op))
            #expect(Call.body(stats)["field_checks"] as? Int == 1 && Call.body(stats)["persons"] as? Int == 1)
            let unknownUnit = try await client.execute(uri: "/v1/stats?unit=999999", method: .get, headers: Call.headers(op))
            #expect(unknownUnit.status == .notFound)
        }
    }
}
