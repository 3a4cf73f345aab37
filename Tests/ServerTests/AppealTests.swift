import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// The pensioner's side (issue 31) through the real router, engine and database: the status a
/// person is told, and appeals with a clock.
@Suite("Status and appeals")
struct AppealTests {
    static let phone = HTTPField.Name("X-FastCert-Device")!
    static let nobody = ResidentID.completing("37020219500101003")!.value

    static func status(_ client: some TestClientProtocol, key: String, person: String, phone: String? = nil, query: String = "")
        async throws -> TestResponse
    {
        var headers = Call.headers(key)
        if let phone { headers[Self.phone] = phone }
        return try await client.execute(uri: "/v1/persons/\(person)/status\(query)", method: .get, headers: headers)
    }

    static func file(
        _ client: some TestClientProtocol, key: String, person: String = ServiceFixture.personA, phone: String? = nil, _ body: [String: Any]
    ) async throws -> TestResponse {
        var headers = Call.headers(key, [.contentType: "application/json"])
        if let phone { headers[Self.phone] = phone }
        return try await client.execute(uri: "/v1/persons/\(person)/appeals", method: .post, headers: headers, body: Call.json(body))
    }

    static func resolve(_ client: some TestClientProtocol, key: String, _ id: Any, outcome: String, reason: String) async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/v1/appeals/\(id)/resolve", method: .post, headers: Call.headers(key, [.contentType: "application/json"]),
            body: Call.json(["outcome": outcome, "reason": reason]))
    }

    static func approve(_ client: some TestClientProtocol, key: String, _ id: Any) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/decisions/\(id)/approval", method: .post, headers: Call.headers(key, [.contentType: "application/json"]),
            body: Call.json(["reason": "seen at home"]))
    }

    /// An operator key of Taiping Community (a community worker's, until the staff role) and a
    /// second operator of district A, each issued to a named person.
    static func keys(_ fixture: ServiceFixture) async throws -> (community: String, second: String) {
        let community = try await fixture.store.keys.createKey(
            name: "Taiping worker", role: .operator, unit: "370202001001", sources: [], holder: "li.community"
        ).text
        let second = try await fixture.store.keys.createKey(
            name: "second", role: .operator, unit: "370202", sources: [], holder: "zhang.wei"
        ).text
        return (community, second)
    }

    static func person(_ fixture: ServiceFixture) async throws -> PersonRecord {
        try #require(try await fixture.store.persons.person(ResidentID(ServiceFixture.personA)))
    }

    static func appealRow(_ fixture: ServiceFixture, _ column: String) async throws -> [String] {
        try await fixture.store.ledger.database.texts("SELECT coalesce(\(column), 'NULL') FROM appeal ORDER BY id")
    }

    @Test("status: a mobile key sees only the person it just verified, from the same phone; any other ID is person_not_bound")
    func statusForMobileKey() async throws {
        try await ServiceFixture.with { fixture, client in
            let mobile = fixture.key(.mobile)
            let before = try await Self.status(client, key: mobile, person: ServiceFixture.personA, phone: "phone-1")
            #expect(before.status == .forbidden && Call.errorCode(before) == "person_not_bound")
            let verified = try await VerificationTests.verify(
                client, key: mobile, photo: try Fixtures.image("obama3.jpg"), phone: "phone-1")
            #expect(Call.body(verified)["decision"] as? String == "verified")

            let response = try await Self.status(client, key: mobile, person: ServiceFixture.personA, phone: "phone-1")
            #expect(response.status == .ok)
            let body = Call.body(response)
            #expect(body["resident_id"] as? String == ServiceFixture.personA && body["status"] as? String == "active")
            #expect(body["language"] as? String == "zh" && body["deadline_near"] as? Bool == false)
            let evidence = try #require(body["last_evidence"] as? [String: Any])
            #expect(evidence["kind"] as? String == "face_verification_mobile")
            #expect(evidence["label"] as? String == "手机App刷脸认证" && evidence["department"] as? String == "生存认证服务")
            #expect(evidence["day"] as? String == Day(Date()).description)
            // Never the payload (distance, score), another person, or staff's data (name, phone).
            let text = String(buffer: response.body)
            for secret in ["distance", "score", "payload", "Wang Fang", "13800000000", ServiceFixture.personB] {
                #expect(!text.contains(secret), "\(secret) in \(text)")
            }
            let english = Call.body(
                try await Self.status(client, key: mobile, person: ServiceFixture.personA, phone: "phone-1", query: "?lang=en"))
            #expect((english["last_evidence"] as? [String: Any])?["label"] as? String == "Face and liveness verified in the mobile app")

            // Another phone of the same backend, another person (in or out of its unit), an ID that
            // is nobody's: one answer, before anything about the person is read.
            var answers: Set<String> = []
            for (person, phone) in [
                (ServiceFixture.personA, "phone-2"), (ServiceFixture.personA, nil), (ServiceFixture.personB, "phone-1"),
                (Self.nobody, "phone-1"),
            ] {
                let refused = try await Self.status(client, key: mobile, person: person, phone: phone)
                #expect(refused.status == .forbidden && Call.errorCode(refused) == "person_not_bound", "\(person) \(phone ?? "-")")
                answers.insert(((Call.body(refused)["error"] as? [String: Any])?["message"] as? String) ?? "")
            }
            #expect(answers.count == 1)
            // A kiosk that verified nobody is refused too; an appeal for another person likewise.
            let kiosk = try await Self.status(client, key: fixture.key(.kiosk), person: ServiceFixture.personA)
            #expect(Call.errorCode(kiosk) == "person_not_bound")
            let appeal = try await Self.file(client, key: mobile, person: ServiceFixture.personB, phone: "phone-1", ["grounds": "alive"])
            #expect(appeal.status == .forbidden && Call.errorCode(appeal) == "person_not_bound")
            // Operators read persons of their unit's subtree only.
            #expect(try await Self.status(client, key: fixture.key(.operator), person: ServiceFixture.personA).status == .ok)
            let outside = try await Self.status(client, key: fixture.key(.operator), person: ServiceFixture.personB)
            #expect(outside.status == .notFound && Call.errorCode(outside) == "person_not_found")
        }
    }

    @Test("a suspended person who verifies by face is resumed at once; their open appeal closes as moot")
    func faceResumesAndAppealIsMoot() async throws {
        try await ServiceFixture.with { fixture, client in
            let (community, _) = try await Self.keys(fixture)
            _ = try await fixture.store.ledger.sweep(on: Day("2026-06-02")!)
            #expect(try await Self.person(fixture).ledger.status == .suspended)
            let filed = try await Self.file(client, key: community, ["grounds": "她一直住在家里，只是没有手机"])
            #expect(filed.status == .created, "\(String(buffer: filed.body))")
            let appeal = Call.body(filed)
            #expect(appeal["filed_by_role"] as? String == "community_worker" && appeal["subject"] as? String == "suspension")
            #expect((appeal["filed_by"] as? String)?.hasPrefix("li.community via fc_") == true)
            let due = try #require((appeal["due_on"] as? String).flatMap(Day.init))
            #expect(due == fixture.store.ledger.rules.pensioner_side.dueDay(filed: ServiceClock.today()))
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM outbox WHERE person_id = '\(ServiceFixture.personA)' AND kind = 'appeal_received'") == 1)
            let again = try await Self.file(client, key: community, ["grounds": "a second one"])
            #expect(again.status == .conflict && Call.errorCode(again) == "appeal_open")

            let verified = try await VerificationTests.verify(client, key: fixture.key(.kiosk), photo: try Fixtures.image("obama3.jpg"))
            #expect(Call.body(verified)["decision"] as? String == "verified" && Call.body(verified)["status"] as? String == "active")
            #expect(try await Self.person(fixture).ledger.status == .active)
            #expect(try await fixture.count("SELECT COUNT(*) FROM ledger_event WHERE kind = 'resumed'") == 1)
            #expect(try await Self.appealRow(fixture, "status") == ["moot"])
            let reason = try await Self.appealRow(fixture, "reason")
            #expect(reason.first?.hasPrefix("no decision needed: resumed on") == true, "\(reason)")
            // The kiosk that verified them reads the status: active again, carried by its face check.
            let status = Call.body(try await Self.status(client, key: fixture.key(.kiosk), person: ServiceFixture.personA))
            #expect(status["status"] as? String == "active" && status["appeal"] == nil)
            #expect((status["last_evidence"] as? [String: Any])?["kind"] as? String == "face_verification_kiosk")
        }
    }

    @Test(
        "an overdue appeal escalates to the district with an alert; the filer never decides it; a rejection records actor, reason, rules version, once"
    )
    func overdueEscalatesAndRejection() async throws {
        try await ServiceFixture.with { fixture, client in
            let (community, _) = try await Self.keys(fixture)
            _ = try await fixture.store.ledger.sweep(on: Day("2026-06-02")!)
            // Filed on Monday 2 November 2026: five working days later is Monday 9 November.
            let filed = try await ServiceClock.$testToday.withValue(Day("2026-11-02")!) {
                try await Self.file(client, key: community, ["grounds": "alive and at home"])
            }
            let appeal = Call.body(filed)
            let id = try #require(appeal["id"] as? Int)
            #expect(appeal["filed_on"] as? String == "2026-11-02" && appeal["due_on"] as? String == "2026-11-09")
            _ = try await fixture.store.ledger.sweep(on: Day("2026-11-09")!)
            #expect(try await Self.appealRow(fixture, "escalated_to") == ["NULL"])
            let swept = try await fixture.store.ledger.sweep(on: Day("2026-11-10")!)
            #expect(swept.changes["appeal_escalated"] == 1)
            #expect(try await Self.appealRow(fixture, "escalated_to") == ["370202"])
            let alerts = Call.body(
                try await client.execute(
                    uri: "/v1/alerts?unit=370202&kind=appeal-overdue", method: .get, headers: Call.headers(fixture.key(.operator))))
            let overdue = try #require((alerts["alerts"] as? [[String: Any]])?.first)
            #expect(overdue["resident_id"] as? String == ServiceFixture.personA)
            #expect((overdue["detail"] as? String)?.contains("escalated to 370202") == true)
            let list = Call.body(
                try await client.execute(
                    uri: "/v1/appeals?unit=370202001001&status=open", method: .get, headers: Call.headers(fixture.key(.operator))))
            let listed = try #require((list["appeals"] as? [[String: Any]])?.first)
            #expect(listed["overdue"] as? Bool == true && listed["escalated_to"] as? String == "370202")

            // The community worker who filed it does not decide it.
            let own = try await Self.resolve(client, key: community, id, outcome: "rejected", reason: "not alive")
            #expect(own.status == .forbidden && Call.errorCode(own) == "same_operator")
            let noReason = try await Self.resolve(client, key: fixture.key(.operator), id, outcome: "rejected", reason: " ")
            #expect(noReason.status == .unprocessableContent && Call.errorCode(noReason) == "invalid_decision")
            let rejected = try await Self.resolve(
                client, key: fixture.key(.operator), id, outcome: "rejected", reason: "no visit could find her; a field check is open")
            #expect(rejected.status == .ok, "\(String(buffer: rejected.body))")
            let decided = try #require(Call.body(rejected)["appeal"] as? [String: Any])
            #expect(decided["status"] as? String == "rejected" && decided["resolved_on"] as? String == ServiceClock.today().description)
            #expect((decided["resolved_by"] as? String)?.hasPrefix("operator A via fc_") == true)
            #expect(decided["reason"] as? String == "no visit could find her; a field check is open")
            let version = try #require(fixture.store.ledger.rulesVersion)
            #expect(decided["rules_version"] as? Int == version)
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM outbox WHERE person_id = '\(ServiceFixture.personA)' AND kind = 'appeal_decided'") == 1)
            let twice = try await Self.resolve(client, key: fixture.key(.operator), id, outcome: "upheld", reason: "changed my mind")
            #expect(twice.status == .conflict && Call.errorCode(twice) == "appeal_closed")
            #expect(try await Self.person(fixture).ledger.status == .suspended)
            // Nobody else's appeal is visible: district B's operator sees none, and the number is unknown to them.
            let other = try await Self.resolve(client, key: fixture.key(.operator, "B"), id, outcome: "upheld", reason: "x")
            #expect(other.status == .notFound && Call.errorCode(other) == "unknown_appeal")
        }
    }

    @Test(
        "a death appeal upheld needs a second operator (neither the upholder nor the filer); the approval reverses the death and upholds it"
    )
    func deathAppealNeedsFourEyes() async throws {
        try await ServiceFixture.with { fixture, client in
            let (community, second) = try await Self.keys(fixture)
            // The health commission's feed reports a death in January.
            let death = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: Call.headers(fixture.key(.feed), [.contentType: "application/json"]),
                body: Call.json([
                    "rows": [
                        [
                            "source": "health_commission", "external_id": "D-1", "resident_id": ServiceFixture.personA,
                            "kind": "hospital_death_certificate", "observed_at": "2026-01-10",
                        ]
                    ]
                ]))
            #expect(death.status == .ok, "\(String(buffer: death.body))")
            #expect(try await Self.person(fixture).ledger.status == .deceased)

            // A relative's phone runs the face check: a sign of life after the death (a conflict);
            // the relative then appeals from that phone, naming themselves.
            let mobile = fixture.key(.mobile)
            let verified = try await VerificationTests.verify(
                client, key: mobile, photo: try Fixtures.image("obama3.jpg"), phone: "phone-r")
            #expect(Call.body(verified)["decision"] as? String == "verified")
            let noRelation = try await Self.file(
                client, key: mobile, phone: "phone-r", ["filed_by": "relative", "relative_name": "王小明", "grounds": "我父亲还健在"])
            #expect(noRelation.status == .unprocessableContent && Call.errorCode(noRelation) == "invalid_relative")
            let empty = try await Self.file(
                client, key: mobile, phone: "phone-r", ["filed_by": "relative", "relative_name": "王小明", "relation": "儿子", "grounds": "  "])
            #expect(empty.status == .unprocessableContent && Call.errorCode(empty) == "invalid_grounds")
            let long = try await Self.file(
                client, key: mobile, phone: "phone-r",
                ["filed_by": "relative", "relative_name": "王小明", "relation": "儿子", "grounds": String(repeating: "活", count: 1001)])
            #expect(long.status == .unprocessableContent && Call.errorCode(long) == "invalid_grounds")
            let filed = try await Self.file(
                client, key: mobile, phone: "phone-r",
                ["filed_by": "relative", "relative_name": "王小明", "relation": "儿子", "grounds": "我父亲还健在，刚刚在手机上刷脸"])
            #expect(filed.status == .created, "\(String(buffer: filed.body))")
            let appeal = Call.body(filed)
            let id = try #require(appeal["id"] as? Int)
            #expect(appeal["subject"] as? String == "death" && appeal["filed_by_role"] as? String == "relative")
            #expect(appeal["relative_name"] as? String == "王小明" && appeal["relation"] as? String == "儿子")
            let status = Call.body(try await Self.status(client, key: mobile, person: ServiceFixture.personA, phone: "phone-r"))
            #expect(status["status"] as? String == "deceased" && (status["appeal"] as? [String: Any])?["id"] as? Int == id)
            // The advice writes the due day as the person reads it (a review found ISO dates in Chinese text).
            let due = try #require(Day((status["appeal"] as? [String: Any])?["due_on"] as? String ?? ""))
            let advice = (status["advice"] as? [String]) ?? []
            #expect(
                advice.contains { $0.contains("\(due.year)年\(due.month)月\(due.day)日") } && !advice.joined().contains(due.description),
                "\(advice)")

            // Bad input: an active person has nothing to appeal; an unknown person is unknown.
            let active = try await Self.file(client, key: fixture.key(.operator, "B"), person: ServiceFixture.personB, ["grounds": "x"])
            #expect(active.status == .unprocessableContent && Call.errorCode(active) == "not_appealable")
            let unknown = try await Self.file(client, key: fixture.key(.operator), person: Self.nobody, ["grounds": "x"])
            #expect(unknown.status == .notFound && Call.errorCode(unknown) == "person_not_found")

            // Operator A upholds: a reverse_death request, nothing reversed yet.
            let upheld = try await Self.resolve(
                client, key: fixture.key(.operator), id, outcome: "upheld", reason: "the face check matched after the death")
            #expect(upheld.status == .ok, "\(String(buffer: upheld.body))")
            let request = try #require(Call.body(upheld)["request"] as? [String: Any])
            let decision = try #require(request["id"] as? Int)
            #expect(request["kind"] as? String == "reverse_death" && request["status"] as? String == "pending")
            #expect((Call.body(upheld)["appeal"] as? [String: Any])?["status"] as? String == "open")
            #expect(try await Self.person(fixture).ledger.status == .deceased)
            let again = try await Self.resolve(client, key: second, id, outcome: "rejected", reason: "no")
            #expect(again.status == .conflict && Call.errorCode(again) == "appeal_pending")
            // Neither the upholder nor the community worker (a filer elsewhere) approves alone.
            let same = try await Self.approve(client, key: fixture.key(.operator), decision)
            #expect(same.status == .forbidden && Call.errorCode(same) == "same_operator")
            #expect(try await Self.person(fixture).ledger.status == .deceased)

            let approved = try await Self.approve(client, key: second, decision)
            #expect(approved.status == .ok, "\(String(buffer: approved.body))")
            // The upheld appeal's finding is that the person lives: paid again, not left suspended.
            #expect(try await Self.person(fixture).ledger.status == .active)
            #expect(try await Self.appealRow(fixture, "status") == ["upheld"])
            #expect(try await Self.appealRow(fixture, "decision_id") == [String(decision)])
            #expect(try await Self.appealRow(fixture, "resolved_by").first?.hasPrefix("operator A via fc_") == true)
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM outbox WHERE person_id = '\(ServiceFixture.personA)' AND kind IN ('appeal_received', 'appeal_decided')"
                )
                    == 2)
            let twice = try await Self.resolve(client, key: second, id, outcome: "upheld", reason: "again")
            #expect(twice.status == .conflict && Call.errorCode(twice) == "appeal_closed")
            _ = community
        }
    }

    @Test("a suspension appeal: the filer cannot approve its reinstatement; refused, it is open again; approved, the person is reinstated")
    func suspensionAppealReinstates() async throws {
        try await ServiceFixture.with { fixture, client in
            let (community, second) = try await Self.keys(fixture)
            _ = try await fixture.store.ledger.sweep(on: Day("2026-06-02")!)
            let id = try #require(Call.body(try await Self.file(client, key: community, ["grounds": "in hospital"]))["id"] as? Int)
            let upheld = Call.body(
                try await Self.resolve(client, key: fixture.key(.operator), id, outcome: "upheld", reason: "hospital letter seen"))
            let first = try #require((upheld["request"] as? [String: Any])?["id"] as? Int)
            #expect((upheld["request"] as? [String: Any])?["kind"] as? String == "reinstate")
            // The community worker who filed it is another person than the upholder, but not a second pair of eyes on their own appeal.
            let filer = try await Self.approve(client, key: community, first)
            #expect(filer.status == .forbidden && Call.errorCode(filer) == "same_operator")
            let refused = try await client.execute(
                uri: "/v1/decisions/\(first)/rejection", method: .post, headers: Call.headers(second, [.contentType: "application/json"]),
                body: Call.json(["reason": "the letter is from 2025"]))
            #expect(refused.status == .ok)
            #expect(try await Self.appealRow(fixture, "status") == ["open"])
            #expect(try await Self.appealRow(fixture, "decision_id") == ["NULL"])
            let again = Call.body(
                try await Self.resolve(client, key: fixture.key(.operator), id, outcome: "upheld", reason: "the 2026 letter came"))
            let decision = try #require((again["request"] as? [String: Any])?["id"] as? Int)
            #expect(try await Self.approve(client, key: second, decision).status == .ok)
            #expect(try await Self.person(fixture).ledger.status == .active)
            #expect(try await Self.appealRow(fixture, "status") == ["upheld"])
            #expect(try await fixture.count("SELECT COUNT(*) FROM ledger_event WHERE kind = 'reinstated'") == 1)
        }
    }

    @Test("due days skip weekends and listed holidays, and count make-up workdays")
    func workingDays() throws {
        var side = LedgerRules.PensionerSide.standard
        #expect(side.dueDay(filed: Day("2026-11-02")!) == Day("2026-11-09"))  // Monday to Monday
        #expect(side.dueDay(filed: Day("2026-11-06")!) == Day("2026-11-13"))  // Friday to Friday
        #expect(side.dueDay(filed: Day("2026-11-07")!) == Day("2026-11-13"))  // Saturday: Monday is the first
        side.holidays = ["2026-11-10"]
        #expect(side.dueDay(filed: Day("2026-11-06")!) == Day("2026-11-16"))  // Tuesday off
        side.make_up_workdays = ["2026-11-07"]
        #expect(side.dueDay(filed: Day("2026-11-06")!) == Day("2026-11-13"))  // and Saturday worked
        #expect(Day("2026-12-08")!.weekday == 2)
    }
}
