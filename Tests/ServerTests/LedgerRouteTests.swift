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
            let sources = fixture.store.ledger.rules.sources.subtracting(["fastcert"]).sorted()
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
            let city = try await fixture.store.keys.createKey(name: "city", role: .operator, unit: "3702").text
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

/// Operators' decisions over HTTP: the calling key is the actor, the person must lie in its unit,
/// and a four-eyes request needs another key.
@Suite("Decisions over HTTP")
struct DecisionRouteTests {
    @Test("a conflict resolved as death_disputed needs another key's approval; holds and extensions carry a reason and an expiry")
    func decisions() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let a = ServiceFixture.personA
            let feed = fixture.key(.feed)
            let op = fixture.key(.operator)
            let second = try await fixture.store.keys.createKey(name: "second operator A", role: .operator, unit: "370202", sources: [])
                .text
            let json: HTTPFields = [.contentType: "application/json"]
            let rows: [[String: Any]] = [
                [
                    "source": "civil_affairs", "external_id": "CR-1", "resident_id": a, "kind": "civil_affairs_cremation_record",
                    "observed_at": "2026-01-10",
                ],
                ["source": "bank", "external_id": "B-1", "resident_id": a, "kind": "bank_counter_visit", "observed_at": "2026-02-01"],
            ]
            let fed = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: Call.headers(feed, json), body: Call.json(["rows": rows]))
            #expect((Call.body(fed)["ledger_changes"] as? [String: Int])?["conflict"] == 1, "\(Call.body(fed))")
            let listed = try await client.execute(uri: "/v1/conflicts", method: .get, headers: Call.headers(fixture.key(.auditor)))
            let conflict = try #require((Call.body(listed)["conflicts"] as? [[String: Any]])?.first)
            let conflictID = try #require(conflict["id"] as? Int)
            let otherDistrict = try await client.execute(
                uri: "/v1/conflicts?unit=370202", method: .get, headers: Call.headers(fixture.key(.operator, "B")))
            #expect(otherDistrict.status == .forbidden)
            let noReason = try await client.execute(
                uri: "/v1/conflicts/\(conflictID)/resolution", method: .post, headers: Call.headers(op, json),
                body: Call.json(["outcome": "death_disputed", "reason": ""]))
            #expect(noReason.status == .unprocessableContent && Call.errorCode(noReason) == "invalid_decision")
            let resolved = try await client.execute(
                uri: "/v1/conflicts/\(conflictID)/resolution", method: .post, headers: Call.headers(op, json),
                body: Call.json(["outcome": "death_disputed", "reason": "the bank's clerk checked her ID card on 2026-02-01"]))
            #expect(resolved.status == .ok)
            let decisions = try #require(Call.body(resolved)["decisions"] as? [[String: Any]])
            try #require(decisions.map { $0["kind"] as? String } == ["resolve_conflict", "reverse_death"])
            let requestID = try #require(decisions[1]["id"] as? Int)
            #expect(decisions[1]["status"] as? String == "pending")

            let same = try await client.execute(
                uri: "/v1/decisions/\(requestID)/approval", method: .post, headers: Call.headers(op, json), body: Call.json([:]))
            #expect(same.status == .forbidden && Call.errorCode(same) == "same_operator")
            let outside = try await client.execute(
                uri: "/v1/decisions/\(requestID)/approval", method: .post, headers: Call.headers(fixture.key(.operator, "B"), json),
                body: Call.json([:]))
            // Another district's request is answered exactly as one that does not exist (numbers are sequential).
            let missing = try await client.execute(
                uri: "/v1/decisions/999999/approval", method: .post, headers: Call.headers(fixture.key(.operator, "B"), json),
                body: Call.json([:]))
            #expect(outside.status == .notFound && Call.errorCode(outside) == "unknown_decision")
            #expect(
                missing.status == outside.status
                    && String(buffer: missing.body).replacingOccurrences(of: "999999", with: "\(requestID)")
                        == String(buffer: outside.body),
                "\(String(buffer: missing.body)) vs \(String(buffer: outside.body))")
            let otherConflict = try await client.execute(
                uri: "/v1/conflicts/\(conflictID)/resolution", method: .post, headers: Call.headers(fixture.key(.operator, "B"), json),
                body: Call.json(["outcome": "evidence_rejected", "reason": "probing"]))
            #expect(otherConflict.status == .notFound && Call.errorCode(otherConflict) == "unknown_conflict")
            let approved = try await client.execute(
                uri: "/v1/decisions/\(requestID)/approval", method: .post, headers: Call.headers(second, json),
                body: Call.json(["reason": "the civil affairs bureau withdrew the record"]))
            #expect(approved.status == .ok)
            #expect((Call.body(approved)["ledger_changes"] as? [String: Int])?["death_reversed"] == 1)
            #expect(try await fixture.store.ledger.person(ResidentID(a))?.ledger.status == .suspended)
            let again = try await client.execute(
                uri: "/v1/decisions/\(requestID)/rejection", method: .post, headers: Call.headers(second, json),
                body: Call.json(["reason": "late"]))
            #expect(again.status == .conflict && Call.errorCode(again) == "decision_closed")

            // A suspended person's deadline is not extended; a hold needs its expiry; it is released once.
            let extend = try await client.execute(
                uri: "/v1/decisions", method: .post, headers: Call.headers(op, json),
                body: Call.json([
                    "kind": "extend", "resident_id": a, "reason": "abroad", "until": Day(Date()).adding(months: 2).description,
                ]))
            #expect(extend.status == .conflict && Call.errorCode(extend) == "person_state")
            let noUntil = try await client.execute(
                uri: "/v1/decisions", method: .post, headers: Call.headers(op, json),
                body: Call.json(["kind": "hold", "resident_id": a, "reason": "inquiry"]))
            #expect(noUntil.status == .unprocessableContent && Call.errorCode(noUntil) == "invalid_day")
            let hold = try await client.execute(
                uri: "/v1/decisions", method: .post, headers: Call.headers(op, json),
                body: Call.json(["kind": "hold", "resident_id": a, "reason": "inquiry", "until": Day(Date()).adding(days: 30).description]))
            #expect(hold.status == .created)
            let holdID = try #require((Call.body(hold)["decisions"] as? [[String: Any]])?.first?["id"] as? Int)
            let release = try await client.execute(
                uri: "/v1/decisions/\(holdID)/release", method: .post, headers: Call.headers(op, json),
                body: Call.json(["reason": "cleared"]))
            #expect(release.status == .ok)
            let twice = try await client.execute(
                uri: "/v1/decisions/\(holdID)/release", method: .post, headers: Call.headers(op, json), body: Call.json(["reason": "again"])
            )
            #expect(twice.status == .conflict)
            let pending = try await client.execute(uri: "/v1/decisions?status=pending", method: .get, headers: Call.headers(op))
            #expect((Call.body(pending)["decisions"] as? [[String: Any]])?.isEmpty == true)
            let all = try await client.execute(uri: "/v1/decisions", method: .get, headers: Call.headers(fixture.key(.auditor)))
            #expect((Call.body(all)["decisions"] as? [[String: Any]])?.count == 3)
            let bogus = try await client.execute(uri: "/v1/decisions?status=bogus", method: .get, headers: Call.headers(op))
            #expect(bogus.status == .unprocessableContent)
        }
    }
}

@Suite("Money routes")
struct MoneyRouteTests {
    @Test("a city operator runs the month's payroll once; staff read their unit's lines as JSON or CSV; recoveries close with a reason")
    func payrollAndRecoveries() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let json: HTTPFields = [.contentType: "application/json"]
            let op = fixture.key(.operator)
            let city = try await fixture.store.keys.createKey(name: "city payroll", role: .operator, unit: "3702", sources: []).text
            let month = Month(Day(Date())).description
            let district = try await client.execute(
                uri: "/v1/payroll/runs", method: .post, headers: Call.headers(op, json), body: Call.json(["month": month]))
            #expect(district.status == .forbidden && Call.errorCode(district) == "out_of_scope")
            let future = try await client.execute(
                uri: "/v1/payroll/runs", method: .post, headers: Call.headers(city, json),
                body: Call.json(["month": Month(Day(Date())).next.description]))
            #expect(future.status == .conflict && Call.errorCode(future) == "payroll_month")
            let run = try await client.execute(
                uri: "/v1/payroll/runs", method: .post, headers: Call.headers(city, json), body: Call.json(["month": month]))
            #expect(run.status == .created, "\(Call.body(run))")
            #expect(Call.body(run)["lines"] as? Int == 2 && Call.body(run)["total"] as? String == "6000.50")
            let again = try await client.execute(
                uri: "/v1/payroll/runs", method: .post, headers: Call.headers(city, json), body: Call.json(["month": month]))
            #expect(again.status == .conflict && Call.errorCode(again) == "payroll_run_exists")
            let runs = try await client.execute(uri: "/v1/payroll/runs", method: .get, headers: Call.headers(fixture.key(.auditor)))
            #expect((Call.body(runs)["runs"] as? [[String: Any]])?.map { $0["month"] as? String } == [month])

            // District A's operator sees person A's line only.
            let lines = try await client.execute(uri: "/v1/payroll?month=\(month)", method: .get, headers: Call.headers(op))
            let listed = try #require(Call.body(lines)["lines"] as? [[String: Any]])
            #expect(listed.map { $0["resident_id"] as? String } == [ServiceFixture.personA])
            #expect(listed.first?["kind"] as? String == "regular" && listed.first?["amount"] as? String == "3200.50")
            let csv = try await client.execute(uri: "/v1/payroll?month=\(month)&format=csv", method: .get, headers: Call.headers(op))
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let text = String(buffer: csv.body)
            #expect(text.hasPrefix("line,run_month,resident_id,name") && text.contains("\(ServiceFixture.personA),Wang Fang"))
            #expect(!text.contains(ServiceFixture.personB))

            // A death from before the month, recorded now: the month paid is claimed back.
            let death = Day(Date()).adding(months: -1)
            let fed = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: Call.headers(fixture.key(.feed), json),
                body: Call.json([
                    "rows": [
                        [
                            "source": "civil_affairs", "external_id": "CR-9", "resident_id": ServiceFixture.personA,
                            "kind": "civil_affairs_cremation_record", "observed_at": death.description,
                        ]
                    ]
                ]))
            #expect(fed.status == .ok)
            let open = try await client.execute(
                uri: "/v1/recoveries?status=open", method: .get, headers: Call.headers(fixture.key(.auditor)))
            let cases = try #require(Call.body(open)["recoveries"] as? [[String: Any]])
            try #require(cases.count == 1)
            #expect(cases[0]["amount"] as? String == "3200.50" && cases[0]["months"] as? [String] == [month])
            let id = try #require(cases.first?["id"] as? Int)
            let elsewhere = try await client.execute(
                uri: "/v1/recoveries", method: .get, headers: Call.headers(fixture.key(.operator, "B")))
            #expect((Call.body(elsewhere)["recoveries"] as? [Any])?.isEmpty == true)
            let notTheirs = try await client.execute(
                uri: "/v1/recoveries/\(id)/closure", method: .post, headers: Call.headers(fixture.key(.operator, "B"), json),
                body: Call.json(["outcome": "recovered", "reason": "bank returned it"]))
            #expect(notTheirs.status == .notFound && Call.errorCode(notTheirs) == "unknown_recovery")
            // The case goes with its person: moved to B, A no longer sees or closes it; B does.
            func move(to community: String) async throws {
                let moved = try await client.execute(
                    uri: "/v1/persons/\(ServiceFixture.personA)", method: .patch, headers: Call.headers(city, json),
                    body: Call.json(["unit_code": community]))
                #expect(moved.status == .ok, "\(String(buffer: moved.body))")
            }
            try await move(to: "370203001001")
            let listedA = try await client.execute(uri: "/v1/recoveries", method: .get, headers: Call.headers(op))
            #expect((Call.body(listedA)["recoveries"] as? [Any])?.isEmpty == true)
            let staleClose = try await client.execute(
                uri: "/v1/recoveries/\(id)/closure", method: .post, headers: Call.headers(op, json),
                body: Call.json(["outcome": "waived", "reason": "not ours any more"]))
            #expect(staleClose.status == .notFound && Call.errorCode(staleClose) == "unknown_recovery")
            let listedB = try await client.execute(uri: "/v1/recoveries", method: .get, headers: Call.headers(fixture.key(.operator, "B")))
            #expect((Call.body(listedB)["recoveries"] as? [[String: Any]])?.map { $0["id"] as? Int } == [id])
            try await move(to: "370202001001")
            let badOutcome = try await client.execute(
                uri: "/v1/recoveries/\(id)/closure", method: .post, headers: Call.headers(op, json),
                body: Call.json(["outcome": "cancelled", "reason": "x"]))
            #expect(badOutcome.status == .unprocessableContent && Call.errorCode(badOutcome) == "invalid_outcome")
            let closed = try await client.execute(
                uri: "/v1/recoveries/\(id)/closure", method: .post, headers: Call.headers(op, json),
                body: Call.json(["outcome": "recovered", "reason": "the bank returned the transfer"]))
            #expect(closed.status == .ok && Call.body(closed)["status"] as? String == "recovered")
            let twice = try await client.execute(
                uri: "/v1/recoveries/\(id)/closure", method: .post, headers: Call.headers(op, json),
                body: Call.json(["outcome": "waived", "reason": "again"]))
            #expect(twice.status == .conflict && Call.errorCode(twice) == "recovery_closed")
            let stats = try await client.execute(uri: "/v1/stats", method: .get, headers: Call.headers(op))
            let recoveries = try #require(Call.body(stats)["recoveries"] as? [String: Any])
            #expect(recoveries["recovered"] as? Int == 1 && recoveries["recovered_amount"] as? String == "3200.50")
            let exported = try await client.execute(uri: "/v1/recoveries?format=csv", method: .get, headers: Call.headers(op))
            #expect(String(buffer: exported.body).contains(",recovered,"))
        }
    }
}
