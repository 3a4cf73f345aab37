import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Server
import Storage
import TestSupport
import Testing

/// Help at home (issue 31, part 4): staff keys and assisted verifications, visit codes, relatives'
/// phones, overdue tasks escalated, and deadlines held for an overdue home visit. Through the real
/// router on a real database file.
@Suite("Help at home")
struct HomeHelpTests {
    /// Person A (Wang Fang, 86, lives alone) is warned on this day: a home visit opens.
    static let warned = Day("2026-03-15")!

    /// The first row `sql` answers, its non-null columns as text, read from the database file.
    static func row(_ fixture: ServiceFixture, _ sql: String) async throws -> [String: String]? {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: fixture.configuration.database, configuration: configuration)
        return try await queue.read { db -> [String: String]? in
            guard let row = try Row.fetchOne(db, sql: sql) else { return nil }
            var columns: [String: String] = [:]
            for (name, value) in row {
                switch value.storage {
                case .string(let text): columns[name] = text
                case .int64(let number): columns[name] = String(number)
                case .double(let number): columns[name] = String(number)
                case .blob, .null: break
                }
            }
            return columns
        }
    }

    /// Warns person A and returns their home visit's id and code.
    static func warnA(_ fixture: ServiceFixture) async throws -> (task: Int64, code: String) {
        _ = try await fixture.store.ledger.sweep(on: warned)
        let task = try #require(
            try await row(
                fixture, "SELECT id, visit_code, due_on FROM task WHERE kind = 'home_visit' AND person_id = '\(ServiceFixture.personA)'"))
        let code: String = try #require(task["visit_code"])
        #expect(code.count == 6 && code.allSatisfy(\.isNumber))
        #expect(task["due_on"] == warned.adding(days: 30).description)
        return (try #require(task["id"].flatMap { Int64($0) }), code)
    }

    static func session(_ client: some TestClientProtocol, key: String, person: String = ServiceFixture.personA) async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/v1/liveness/sessions", method: .post, headers: Call.headers(key, [.contentType: "application/json"]),
            body: Call.json(["person_id": person]))
    }

    static func submit(
        _ client: some TestClientProtocol, key: String, session: String, frames: [Data], fields: [String: String] = [:],
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        let stamps = frames.indices.map { String($0 * 100) }.joined(separator: ",")
        var all = ["person_id": ServiceFixture.personA, "liveness_session": session, "timestamps": stamps]
        all.merge(fields) { $1 }
        let (type, body) = Call.multipart(fields: all, photos: frames, photoName: "frame")
        var extra = headers
        extra[.contentType] = type
        return try await client.execute(uri: "/v1/verifications", method: .post, headers: Call.headers(key, extra), body: body)
    }

    static let yaws: [Double] = [0, 0, 12, 25, 32, 25, 10, 0, 0, 12, 25, 32, 25, 10, 0]

    static func live(_ configuration: inout ServerConfiguration) {
        configuration.allowMatchOnly = false
        configuration.testChallenges = "turn_left,turn_left"
        configuration.maxBodyBytes = 8 << 20
    }

    @Test("a visit code is in the task, in the notice and on the staff key's own list only")
    func visitCode() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let (task, code) = try await Self.warnA(fixture)
            // The notice: an outbox row of kind visit_code, keyed by the task, its text carrying the code.
            let notice = try #require(
                try await Self.row(
                    fixture, "SELECT message, notice_key FROM outbox WHERE kind = 'visit_code' AND person_id = '\(ServiceFixture.personA)'")
            )
            #expect(notice["notice_key"] == "task:\(task)")
            #expect((notice["message"] ?? "").contains(code))
            // The worker's device lists the visit with its code; the other community's sees nothing of it.
            let mine = Call.body(try await client.execute(uri: "/v1/staff/tasks", method: .get, headers: Call.headers(fixture.key(.staff))))
            let listed = try #require((mine["tasks"] as? [[String: Any]])?.first { ($0["id"] as? Int).map(Int64.init) == task })
            #expect(listed["visit_code"] as? String == code && listed["kind"] as? String == "home_visit")
            let other = Call.body(
                try await client.execute(uri: "/v1/staff/tasks", method: .get, headers: Call.headers(fixture.key(.staff, "B"))))
            #expect((other["tasks"] as? [[String: Any]])?.isEmpty == true)
            // The operators' worklist shows the due day but never the code.
            let worklist = try await client.execute(
                uri: "/v1/tasks?unit=370202", method: .get, headers: Call.headers(fixture.key(.operator)))
            #expect(!String(buffer: worklist.body).contains(code))
            #expect(String(buffer: worklist.body).contains("\"due_on\":\"\(Self.warned.adding(days: 30))\""))
            // A staff key reads nothing else: not the worklist, not a person.
            let forbidden = try await client.execute(
                uri: "/v1/tasks?unit=370202001001", method: .get, headers: Call.headers(fixture.key(.staff)))
            #expect(forbidden.status == .forbidden)
        }
    }

    @Test("a staff key is a named worker's, on a community only")
    func staffKeyRules() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, _ in
            await #expect(throws: LedgerError.self) {
                _ = try await fixture.store.keys.createKey(
                    name: "w", role: .staff, unit: "370202001", requireSignature: false, sources: [], holder: "li.na", by: "test")
            }
            await #expect(throws: LedgerError.self) {
                _ = try await fixture.store.keys.createKey(
                    name: "w", role: .staff, unit: "370202001001", requireSignature: false, sources: [], holder: nil, by: "test")
            }
        }
    }

    @Test(
        "an assisted verification needs the visit code, matches the person's own face, records the worker and counts as the visit"
    )
    func assistedVerification() async throws {
        try await ServiceFixture.with(adjust: {
            Self.live(&$0)
            // Another man's head turn, rendered from a larger photo (970x2204 frames).
            ($0.maxFramePixels, $0.maxRequestPixels, $0.maxBodyBytes) = (2_300_000, 40_000_000, 32 << 20)
        }) { fixture, client in
            let (task, code) = try await Self.warnA(fixture)
            let staff = fixture.key(.staff)
            let frames = try await Fixtures.headTurn("obama2.jpg", yaws: Self.yaws, engine: fixture.engine)
            // Another community's worker: answered as no such person (no oracle).
            let stranger = try await Self.session(client, key: fixture.key(.staff, "B"))
            #expect(stranger.status == .notFound && Call.errorCode(stranger) == "person_not_found")
            // Kiosk and mobile keys cannot claim to be assisted, nor state a code.
            let kioskSession = try #require(Call.body(try await Self.session(client, key: fixture.key(.kiosk)))["session_id"] as? String)
            let claimed = try await Self.submit(
                client, key: fixture.key(.kiosk), session: kioskSession, frames: frames, fields: ["assisted": "true", "visit_code": code])
            #expect(claimed.status == .forbidden && Call.errorCode(claimed) == "assistance_not_allowed")
            // No code, then a wrong code: refused before the engine, the wrong one counted.
            var id = try #require(Call.body(try await Self.session(client, key: staff))["session_id"] as? String)
            let missing = try await Self.submit(client, key: staff, session: id, frames: frames)
            #expect(Call.errorCode(missing) == "visit_code_required")
            let wrongCode = code == "000000" ? "000001" : "000000"
            let wrong = try await Self.submit(client, key: staff, session: id, frames: frames, fields: ["visit_code": wrongCode])
            #expect(wrong.status == .forbidden && Call.errorCode(wrong) == "wrong_visit_code")
            #expect(try await fixture.count("SELECT code_failures FROM task WHERE id = \(task)") == 1)
            // Someone else's face at the door, with the right code: the face match still decides.
            let biden = try await Fixtures.headTurn("biden.jpg", yaws: Self.yaws, engine: fixture.engine)
            let other = try await Self.submit(client, key: staff, session: id, frames: biden, fields: ["visit_code": code])
            #expect(Call.body(other)["decision"] as? String == "not_verified", "\(String(buffer: other.body))")
            #expect(try await fixture.count("SELECT COUNT(*) FROM task WHERE id = \(task) AND status = 'open'") == 1)
            // The person's own live face with the right code: verified, assisted by the worker.
            id = try #require(Call.body(try await Self.session(client, key: staff))["session_id"] as? String)
            let verified = try await Self.submit(client, key: staff, session: id, frames: frames, fields: ["visit_code": code])
            #expect(Call.body(verified)["decision"] as? String == "verified", "\(String(buffer: verified.body))")
            let attempt = try #require(
                try await Self.row(
                    fixture,
                    "SELECT a.mode, a.assisted_by, a.visit_task_id, e.kind, e.class, e.delivered_by, e.payload FROM verification_attempt a JOIN evidence e ON e.id = a.evidence_id"
                ))
            #expect(attempt["mode"] == "assisted")
            #expect((attempt["assisted_by"] ?? "").hasPrefix("worker A via fc_"))
            #expect(attempt["visit_task_id"].flatMap { Int64($0) } == task)
            #expect(attempt["kind"] == "assisted_verification" && attempt["class"] == "biometric")
            #expect(attempt["delivered_by"] == attempt["assisted_by"])
            #expect((attempt["payload"] ?? "").contains("\"worker\":\"worker A via fc_"))
            // Counted as the visit: the home visit is done, seen alive, by the worker.
            let closed = try #require(try await Self.row(fixture, "SELECT status, outcome, closed_by FROM task WHERE id = \(task)"))
            #expect(closed["status"] == "done" && closed["outcome"] == "seen-alive")
            #expect(closed["closed_by"] == attempt["assisted_by"])
            // No visit open now: another assisted verification is unannounced.
            id = try #require(Call.body(try await Self.session(client, key: staff))["session_id"] as? String)
            let again = try await Self.submit(client, key: staff, session: id, frames: frames, fields: ["visit_code": code])
            #expect(again.status == .conflict && Call.errorCode(again) == "no_visit_task")
        }
    }

    @Test("visit codes are bounded: after the limit of wrong ones even the right code is refused, and the person is on the attention list")
    func codeGuessingBounded() async throws {
        try await ServiceFixture.with(adjust: Self.live) { fixture, client in
            let (task, code) = try await Self.warnA(fixture)
            let staff = fixture.key(.staff)
            let frames = try await LivenessRouteTests.inPlane(6)
            let limit = fixture.store.ledger.rules.home_help.visit_code_max_failures
            let id = try #require(Call.body(try await Self.session(client, key: staff))["session_id"] as? String)
            var guesses = 0
            for guess in 0..<1_000_000 where String(format: "%06d", guess) != code {
                let response = try await Self.submit(
                    client, key: staff, session: id, frames: frames, fields: ["visit_code": String(format: "%06d", guess)])
                guesses += 1
                if Call.errorCode(response) == "visit_code_locked" { break }
                #expect(Call.errorCode(response) == "wrong_visit_code")
                if guesses > limit + 1 { break }
            }
            #expect(guesses == limit + 1)
            let right = try await Self.submit(client, key: staff, session: id, frames: frames, fields: ["visit_code": code])
            #expect(right.status == .conflict && Call.errorCode(right) == "visit_code_locked")
            #expect(try await fixture.count("SELECT code_failures FROM task WHERE id = \(task)") == limit)
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM ledger_event WHERE kind = 'attention' AND cause LIKE '%visit code%' AND actor LIKE 'worker A via%'"
                )
                    == 1)
        }
    }

    @Test("a relative's phone is recorded as such, with the phone named; only the mobile key may say so")
    func byRelative() async throws {
        try await ServiceFixture.with { fixture, client in
            let photo = try Fixtures.image("obama2.jpg")
            func verify(_ key: String, _ fields: [String: String], device: String?) async throws -> TestResponse {
                var all = ["person_id": ServiceFixture.personA]
                all.merge(fields) { $1 }
                let (type, body) = Call.multipart(fields: all, photos: [photo])
                var headers: HTTPFields = [.contentType: type]
                if let device { headers[HTTPField.Name("X-FastCert-Device")!] = device }
                return try await client.execute(uri: "/v1/verifications", method: .post, headers: Call.headers(key, headers), body: body)
            }
            let relative = ["by_relative": "true", "relative_name": "Wang Xiaoming", "relative_relation": "son"]
            let kiosk = try await verify(fixture.key(.kiosk), relative, device: "phone-1")
            #expect(kiosk.status == .forbidden && Call.errorCode(kiosk) == "assistance_not_allowed")
            let unnamed = try await verify(fixture.key(.mobile), relative, device: nil)
            #expect(Call.errorCode(unnamed) == "invalid_request")
            let response = try await verify(fixture.key(.mobile), relative, device: "phone-of-son")
            #expect(Call.body(response)["decision"] as? String == "verified", "\(String(buffer: response.body))")
            let attempt = try #require(
                try await Self.row(
                    fixture,
                    "SELECT a.mode, a.relative, a.device, e.kind, e.payload FROM verification_attempt a JOIN evidence e ON e.id = a.evidence_id"
                ))
            #expect(attempt["mode"] == "by_relative")
            #expect(attempt["relative"] == "Wang Xiaoming (son), phone phone-of-son")
            #expect((attempt["device"] ?? "").hasSuffix("device:phone-of-son"))
            // The person's own live face: it counts as their own scan (the mobile kind), the relative named on it.
            #expect(attempt["kind"] == "face_verification_mobile")
            #expect((attempt["payload"] ?? "").contains("\"mode\":\"by_relative\""))
        }
    }

    @Test(
        "a task past due escalates to the street then the district, in alerts; an overdue visit holds the deadline, then the visit finds no one and the person is suspended"
    )
    func escalationAndHold() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, _ in
            let ledger = fixture.store.ledger
            let person = ServiceFixture.personA
            let (task, _) = try await Self.warnA(fixture)
            let help = ledger.rules.home_help
            let due = Self.warned.adding(days: help.dueDays("home_visit"))
            // A day before the street's turn: nothing; on it, the street.
            _ = try await ledger.sweep(on: due.adding(days: help.escalate_street_after_days - 1))
            #expect(try await ledger.alerts(unit: "370202001", kind: .overdue).isEmpty)
            let streetDay = due.adding(days: help.escalate_street_after_days)
            _ = try await ledger.sweep(on: streetDay)
            let street = try await ledger.alerts(unit: "370202001", kind: .overdue)
            #expect(street.count == 1 && street.first?.detail.contains("street 370202001") == true, "\(street)")
            #expect(try await ledger.tasks(unit: "370202001").first { $0.id == task }?.escalatedTo == "370202001")
            // The district's turn.
            let districtDay = streetDay.adding(days: help.escalate_district_after_days)
            _ = try await ledger.sweep(on: districtDay)
            let district = try await ledger.alerts(unit: "370202", kind: .overdue)
            #expect(district.first?.detail.contains("district 370202") == true, "\(district)")
            #expect(
                try await fixture.count(
                    "SELECT COUNT(*) FROM ledger_event WHERE kind = 'escalated' AND actor = 'rule:task_overdue' AND rules_version IS NOT NULL"
                )
                    == 2)
            // The deadline passes with the visit still not made: held, recorded, paid on.
            let deadline = try #require(try await fixture.store.persons.person(ResidentID(person))?.ledger.deadline)
            _ = try await ledger.sweep(on: deadline.adding(days: 1))
            _ = try await ledger.sweep(on: deadline.adding(days: 2))
            #expect(try await fixture.store.persons.person(ResidentID(person))?.ledger.status == .active)
            let held = try #require(
                try await Self.row(fixture, "SELECT actor, rules_version, cause FROM ledger_event WHERE kind = 'deadline_held'"))
            #expect(held["actor"] == "rule:visit_overdue" && held["rules_version"] != nil)
            #expect(try await fixture.count("SELECT COUNT(*) FROM ledger_event WHERE kind = 'deadline_held'") == 1)
            #expect(try await ledger.alerts(unit: "370202001001", kind: .deadlineHeld).count == 1)
            // The visit finds no one: the task closes and the next sweep suspends as usual.
            let visitDay = deadline.adding(days: 3)
            _ = try await ServiceClock.$testToday.withValue(visitDay) {
                try await ledger.completeTask(task, outcome: .unreachable, on: visitDay, by: "cli:test")
            }
            _ = try await ledger.sweep(on: visitDay.adding(days: 1))
            #expect(try await fixture.store.persons.person(ResidentID(person))?.ledger.status == .suspended)
        }
    }

    @Test("the hold is bounded: past visit_hold_max_days the suspension goes ahead though the visit is still open")
    func holdBounded() throws {
        let rules = try LedgerRules.shipped()
        let deadline = Day("2026-06-01")!
        let ledger = PersonLedger(
            status: .active, servicePeriodMonths: 12, lastCertified: nil, deadline: deadline, suspendedOn: nil, deathDay: nil)
        func step(_ day: Day, raised: Set<LedgerChange.Kind> = []) -> SweepStep.Effects {
            SweepStep.run(
                .init(
                    ledger: ledger, alreadyRaised: raised, birthDate: Day("1940-01-01")!, immobile: true, livesAlone: true,
                    hasChannel: false,
                    visitOverdueSince: Day("2026-04-14")!), on: day, rules: DeferralRules(rules: rules))
        }
        let max = rules.home_help.visit_hold_max_days
        #expect(step(deadline.adding(days: 1)).changes.map(\.kind) == [.deadlineHeld])
        #expect(step(deadline.adding(days: 2), raised: [.deadlineHeld]).changes.isEmpty)
        #expect(step(deadline.adding(days: max), raised: [.deadlineHeld]).ledger.status == .active)
        let after = step(deadline.adding(days: max + 1), raised: [.deadlineHeld])
        #expect(after.ledger.status == .suspended && after.changes.map(\.kind) == [.suspended])
    }
}
