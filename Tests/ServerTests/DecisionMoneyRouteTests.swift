import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

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
            // The fixture's operator key of A is issued to "operator A": a second key of theirs is the same pair of eyes.
            let sameHolder = try await fixture.store.keys.createKey(
                name: "Shinan office 2", role: .operator, unit: "370202", holder: "Operator  A"
            )
            .text
            let second = try await fixture.store.keys.createKey(
                name: "second operator A", role: .operator, unit: "370202", holder: "li.wei"
            )
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
            let secondKeyOfTheSamePerson = try await client.execute(
                uri: "/v1/decisions/\(requestID)/approval", method: .post, headers: Call.headers(sameHolder, json), body: Call.json([:]))
            #expect(
                secondKeyOfTheSamePerson.status == .forbidden && Call.errorCode(secondKeyOfTheSamePerson) == "same_operator",
                "\(String(buffer: secondKeyOfTheSamePerson.body))")
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
            let city = try await fixture.store.keys.createKey(name: "city payroll", role: .operator, unit: "3702", holder: "payroll clerk")
                .text
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
            let head = try #require((Call.body(runs)["runs"] as? [[String: Any]])?.first?["chain_head"] as? String)
            #expect(head.contains(":") && Call.body(run)["chain_head"] as? String == head)

            // District A's operator sees person A's line only.
            let lines = try await client.execute(uri: "/v1/payroll?month=\(month)", method: .get, headers: Call.headers(op))
            let listed = try #require(Call.body(lines)["lines"] as? [[String: Any]])
            #expect(listed.map { $0["resident_id"] as? String } == [ServiceFixture.personA])
            #expect(listed.first?["kind"] as? String == "regular" && listed.first?["amount"] as? String == "3200.50")
            let csv = try await client.execute(uri: "/v1/payroll?month=\(month)&format=csv", method: .get, headers: Call.headers(op))
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            // The run's chain head rides in a header: the body stays the bare CSV.
            #expect(csv.headers[HTTPField.Name("FastCert-Chain-Head")!] == head)
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
            // JSON pages by case id, as the payroll's: a full last page has no next.
            let onePage = Call.body(
                try await client.execute(
                    uri: "/v1/recoveries?status=open&limit=1", method: .get, headers: Call.headers(fixture.key(.auditor))))
            #expect((onePage["recoveries"] as? [Any])?.count == 1 && onePage["next"] == nil, "\(onePage)")
            let pastIt = Call.body(
                try await client.execute(uri: "/v1/recoveries?after=\(id)", method: .get, headers: Call.headers(fixture.key(.auditor))))
            #expect((pastIt["recoveries"] as? [Any])?.isEmpty == true)
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
