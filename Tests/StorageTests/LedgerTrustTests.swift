import Foundation
import GRDB
import Ledger
import Simulation
import Testing

@testable import Storage

/// The ledger tried as a fraudster would: possession never certifies, feeds deliver only their
/// own departments and possible days, and a death record corrects what was certified after it.
@Suite("Ledger trust")
struct LedgerTrustTests {
    typealias Fixture = LedgerStoreTests
    static let rules = try! LedgerRules.shipped()

    /// A relative's monthly routine with the pensioner's cards, app and bank card, from four departments.
    static func possessionMonth(_ month: Month, person: String, tag: String) -> [String] {
        let day = month.firstDay
        return [
            "social_security_card,\(tag)-C-\(month),\(person),card_pharmacy_spending,\(day.adding(days: 2))",
            "social_security_bureau,\(tag)-A-\(month),\(person),account_update_in_app,\(day.adding(days: 5))",
            "transport,\(tag)-T-\(month),\(person),bus_ride_senior_card,\(day.adding(days: 8))",
            "bank,\(tag)-B-\(month),\(person),atm_withdrawal,\(day.adding(days: 10))",
        ]
    }

    static func months(from first: String, count: Int) -> [Month] {
        var month = Month(first)!
        return (0..<count).map { _ in
            defer { month = month.next }
            return month
        }
    }

    @Test("four departments of possession for 18 months never certify: warned, field-checked, suspended at the deadline")
    func possessionNeverCertifies() async throws {
        try await Fixture.withLedger { store in
            var report = ImportReport()
            let lines = Self.months(from: "2025-06", count: 18).flatMap { Self.possessionMonth($0, person: Fixture.wang, tag: "P") }
            try await store.importEvidence(Fixture.evidence(lines), into: &report)
            #expect(report.imported == 72 && report.problems.isEmpty, "\(report.problems)")
            #expect(report.changes["certified"] == nil)
            _ = try await store.sweep(on: Day("2026-06-02")!)
            let wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.status == .suspended && wang.ledger.lastCertified == nil)
            // One presence kind (a hotel check-in with ID) with the same possession certifies.
            var presence = ImportReport()
            try await store.importEvidence(
                Fixture.evidence(
                    ["police,H-1,\(Fixture.wang),hotel_check_in,2026-06-20"]
                        + Self.possessionMonth(Month("2026-06")!, person: Fixture.wang, tag: "Q")),
                into: &presence)
            let after = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(after.ledger.status == .active && after.ledger.lastCertified == Day("2026-06-20"))
            #expect(after.timeline.contains { $0.kind == "certified" && $0.detail.contains("in person: hotel_check_in") })
        }
    }

    @Test("behaviour alone carries a person anchor_months after their last anchor; a week's move is not recorded")
    func anchorBoundsBehaviour() async throws {
        var rules = Self.rules
        rules.behaviour_model.anchor_months = 24
        try await Fixture.withLedger(rules: rules) { store in
            // Li (24-month period) entered 2025-06-01: behaviour seen by a clinic and a community camera, neither of which
            // checks the face against the ID, can carry them only anchor_months (24 here) from entry, to 2027-06-01.
            var lines: [String] = []
            for (n, month) in Self.months(from: "2025-09", count: 12).enumerated() {
                lines.append("community_video,HC-\(n),\(Fixture.li),community_video_sighting,\(month.firstDay.adding(days: 3))")
                lines.append("health_insurance,OV-\(n),\(Fixture.li),outpatient_visit,\(month.firstDay.adding(days: 4))")
                lines.append("health_insurance,OW-\(n),\(Fixture.li),outpatient_visit,\(month.firstDay.adding(days: 6))")
            }
            var report = ImportReport()
            try await store.importEvidence(Fixture.evidence(lines), into: &report)
            let li = try #require(try await store.person(ResidentID(Fixture.li)))
            #expect(li.ledger.deadline == Day("2027-06-01"))
            // The first certification reached the bound; no later one moved the deadline a week, so one event.
            #expect(li.timeline.filter { $0.kind == "certified" }.count == 1)
            // A counter visit is an anchor: the deadline runs a full period from it.
            var counter = ImportReport()
            try await store.importEvidence(
                Fixture.evidence(["social_security_bureau,S-9,\(Fixture.li),bureau_counter_confirmation,2026-09-01"]), into: &counter)
            #expect(try await store.person(ResidentID(Fixture.li))?.ledger.deadline == Day("2028-09-01"))
        }
    }

    @Test("a feed key delivers only its departments, days it could have seen, persons born by then; each refusal by row")
    func provenance() async throws {
        try await Fixture.withLedger { store in
            let keys = KeyStore(ledger: store)
            await #expect(throws: LedgerError.self) { _ = try await keys.createKey(name: "bus company", role: .feed, unit: "3702") }
            await #expect(throws: LedgerError.self) {
                _ = try await keys.createKey(name: "bus company", role: .feed, unit: "3702", sources: ["buses"])
            }
            await #expect(throws: LedgerError.self) {
                _ = try await keys.createKey(name: "kiosk", role: .kiosk, unit: "3702", sources: ["transport"])
            }
            let (key, _, _) = try await keys.createKey(name: "bus company", role: .feed, unit: "3702", sources: ["transport"])
            #expect(key.sources == ["transport"])
            let rows = Fixture.evidence([
                "transport,T-1,\(Fixture.wang),bus_ride_senior_card,2026-11-01",
                "police,F-1,\(Fixture.wang),police_station_confirmation,2026-11-01",  // a bus company forging the police
                "police,F-2,\(Fixture.li),police_household_deregistration,2026-11-01",
                "transport,T-2,\(Fixture.wang),ferry_ride,2090-01-01",  // from the future
                "transport,T-3,\(Fixture.wang),ferry_ride,2026-12-03",  // one day of clock skew is allowed
                "transport,T-4,\(Fixture.li),ferry_ride,1949-01-01",  // before Li's birth
                "transport,T-5,\(Fixture.li),ferry_ride,1850-01-01",
            ])
            var report = ImportReport()
            try await store.importEvidence(rows, delivery: .feed(key, receivedOn: Day("2026-12-02")!), into: &report)
            #expect(report.imported == 2)
            try #require(report.problems.map(\.line) == [3, 4, 5, 7, 8])
            #expect(report.problems[0].reason.contains("delivers for transport, not for police"))
            #expect(report.problems[2].reason.contains("later than the day it was received"))
            #expect(report.problems[3].reason.contains("before the person's birth"))
            #expect(report.problems[4].reason.contains("before 1900"))
            #expect(try await store.person(ResidentID(Fixture.li))?.ledger.status == .active)
            let delivered = try await store.database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT delivered_by FROM evidence")
            }
            #expect(delivered == [key.id])
        }
    }

    @Test("a late death record voids what was certified after the death, raises conflicts, stops payment; certifying closes field checks")
    func deathsLookBack() async throws {
        try await Fixture.withLedger { store in
            // Wang's field check opens a month before the 2026-06-01 deadline; a counter visit closes it.
            _ = try await store.sweep(on: Day("2026-05-05")!)
            #expect(try await store.tasks(unit: "3702").map(\.kind) == ["field_check"])
            var report = ImportReport()
            try await store.importEvidence(
                Fixture.evidence([
                    "social_security_bureau,S-1,\(Fixture.wang),bureau_counter_confirmation,2026-05-10",
                    "railway,R-1,\(Fixture.wang),rail_ticket_checked,2026-08-01",
                    "bank,B-1,\(Fixture.wang),atm_withdrawal,2026-08-02",
                    "community_office,V-1,\(Fixture.wang),home_visit,2026-09-15",
                ]), delivery: .staging(by: "cli:test", receivedOn: Day("2026-10-01")!), into: &report)
            #expect(try await store.tasks(unit: "3702").isEmpty)
            #expect(try await store.tasks(unit: "3702", includeClosed: true).first?.outcome == "certified")
            for month in ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"] {
                #expect(try await Fixture.pay(store, month) == ["\(month) regular"])
            }
            // The death certificate says 2026-07-20 and arrives in November.
            var death = ImportReport()
            try await store.importEvidence(
                Fixture.evidence(["health_commission,D-1,\(Fixture.wang),hospital_death_certificate,2026-07-20"]),
                delivery: .staging(by: "cli:test", receivedOn: Day("2026-11-05")!), into: &death)
            // Voided: the behaviour certification of 2026-08-02 (rail gate + ATM) and the home visit's; a conflict per sender.
            #expect(death.changes == ["deceased": 1, "voided": 2, "conflict": 3], "\(death.changes)")
            let wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.status == .deceased && wang.ledger.deathDay == Day("2026-07-20"))
            let voided = wang.timeline.filter { $0.kind == "voided" }.map(\.detail)
            #expect(voided.count == 2, "\(voided)")
            #expect(voided.contains { $0.contains("certified of 2026-08-02") && $0.contains("atm_withdrawal from bank (B-1)") })
            #expect(voided.contains { $0.contains("certified of 2026-09-15") && $0.contains("home_visit") })
            let conflicts = wang.timeline.filter { $0.kind == "conflict" }.map(\.detail)
            #expect(conflicts.contains { $0.contains("atm_withdrawal from bank") && $0.contains("delivered by cli:test") })
            // Paid for July (the month of death); August to November, paid before the record came,
            // are claimed back; nothing is paid from December, whatever was certified after.
            let recovery = try #require(try await store.recoveries(unit: "3702").first)
            #expect(recovery.personID == Fixture.wang && recovery.status == .open && recovery.deathDay == Day("2026-07-20"))
            #expect(recovery.months.map(\.description) == ["2026-08", "2026-09", "2026-10", "2026-11"])
            #expect(recovery.runs.map(\.description) == ["2026-08", "2026-09", "2026-10", "2026-11"])
            #expect(recovery.amountFen == 4 * 320_050)
            #expect(try await Fixture.pay(store, "2026-12").isEmpty)
        }
    }

    @Test("random feeds: no certification rests on possession alone or on evidence observed after a recorded death", arguments: 1...8)
    func noCertificationWithoutPresenceOrAfterDeath(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        try await Fixture.withLedger { store in
            let people = [Fixture.wang, Fixture.li]
            let reference = Self.rules.kinds.filter { $0.class == .reference }
            let possession = reference.filter { $0.proves == .possession }
            let other = Self.rules.kinds.filter { $0.class == .strong || $0.class == .death || $0.class == .visit }
            let lines = (0..<300).map { n -> String in
                let roll = Int.random(in: 0..<100, using: &random)
                let kind =
                    roll < 70
                    ? possession.randomElement(using: &random)!
                    : roll < 95 ? reference.randomElement(using: &random)! : other.randomElement(using: &random)!
                let day = Day("2025-06-01")!.adding(days: Int.random(in: 0...540, using: &random))
                return "\(kind.source),R-\(n),\(people.randomElement(using: &random)!),\(kind.kind),\(day)"
            }
            // Delivered in several batches, in any order of observed day.
            var report = ImportReport()
            try await store.importEvidence(
                Fixture.evidence(lines), batchSize: Int.random(in: 1...80, using: &random),
                delivery: .staging(by: "cli:test", receivedOn: Day("2026-12-01")!), into: &report)
            let window = Self.rules.behaviour_model.window_days
            try await store.database.writer.read { db in
                let certifications = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT le.person_id, le.day, le.kind, e.id AS evidence_id, e.class, e.observed_day, e.external_id, p.death_day
                        FROM ledger_event le JOIN evidence e ON e.id = le.evidence_id JOIN person p ON p.id = le.person_id
                        WHERE le.kind IN ('certified', 'resumed')
                        """)
                for row in certifications {
                    let person: String = row["person_id"]
                    let observed = Day(row["observed_day"] as String)!
                    if row["class"] as String == "reference" {
                        let kinds = try String.fetchAll(
                            db,
                            sql: """
                                SELECT kind FROM evidence WHERE person_id = ? AND class = 'reference' AND id <= ?
                                AND observed_day BETWEEN ? AND ?
                                """,
                            arguments: [person, row["evidence_id"], observed.adding(days: -(window - 1)).description, observed.description])
                        #expect(
                            kinds.contains { Self.rules.kind($0)?.proves == .presence },
                            "a behaviour certification on \(observed) rests on possession alone: \(kinds)")
                    }
                    if let death = (row["death_day"] as String?).flatMap(Day.init), observed > death {
                        let voided = try Int.fetchOne(
                            db, sql: "SELECT count(*) FROM ledger_event WHERE person_id = ? AND kind = 'voided' AND cause LIKE ?",
                            arguments: [person, "%(\(row["external_id"] as String))%"])
                        #expect(voided == 1, "a certification on evidence observed \(observed), after the death on \(death), stands")
                    }
                }
            }
        }
    }

    @Test("presence that stops while possession goes on puts the person on the attention list with a field check at once")
    func hiddenDeath() async throws {
        try await Fixture.withLedger { store in
            // Wang is seen at a hotel in August 2025 and never again; the cards, app and ATM go on every month.
            // Li is seen at an outpatient visit every month besides the same card use: nothing to see.
            var lines = ["police,H-0,\(Fixture.wang),hotel_check_in,2025-08-01"]
            for (n, month) in Self.months(from: "2025-08", count: 5).enumerated() {
                lines += Self.possessionMonth(month, person: Fixture.wang, tag: "W")
                lines += Self.possessionMonth(month, person: Fixture.li, tag: "L")
                lines.append("health_insurance,O-\(n),\(Fixture.li),outpatient_visit,\(month.firstDay.adding(days: 12))")
            }
            var report = ImportReport()
            try await store.importEvidence(Fixture.evidence(lines), into: &report)
            #expect(report.problems.isEmpty, "\(report.problems)")
            // 2025-11-20: seen 111 days ago, not yet a sign.
            #expect(try await store.sweep(on: Day("2025-11-20")!).changes["attention"] == nil)
            let sweep = try await store.sweep(on: Day("2025-12-05")!)
            #expect(sweep.changes["attention"] == 1)
            let tasks = try await store.tasks(unit: "3702")
            #expect(Set(tasks.map(\.kind)) == ["attention", "field_check"] && tasks.allSatisfy { $0.personID == Fixture.wang })
            #expect(tasks.allSatisfy { $0.reason.contains("not seen in person since 2025-08-01") && $0.reason.contains("atm_withdrawal") })
            let wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.timeline.contains { $0.kind == "attention" && $0.detail.contains("possible hidden death") })
            // Sweeping again raises nothing new.
            #expect(try await store.sweep(on: Day("2025-12-06")!).changes["attention"] == nil)
        }
    }

    @Test(
        "the service ledger: a home visit for the old living alone, a phone call for the unreachable, a second reminder; certifying closes them"
    )
    func serviceLedger() async throws {
        try await Fixture.withLedger { store in
            let zhao = Fixture.residentID("37020219450505003")
            let persons = """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                \(zhao),Zhao Min,1945-05-05,370202001001,3,2800,,,0,0
                """
            #expect(try await store.importPersons(csv: persons, today: Day("2025-06-01")!).imported == 1)
            // Warned on 2026-03-15 (deadline 2026-06-01): Wang is 85 and lives alone; Zhao has no WeChat and no phone.
            _ = try await store.sweep(on: Day("2026-03-15")!)
            let tasks = try await store.tasks(unit: "3702")
            #expect(tasks.map { "\($0.kind) \($0.personID)" }.sorted() == ["home_visit \(Fixture.wang)", "phone_call \(zhao)"])
            // Li (24 months) is not due; Zhao has no channel: his reminder goes to his community's staff. Wang's home
            // visit's code goes to her too.
            #expect(
                try await store.outbox().map { "\($0.personID) \($0.channel) \($0.kind)" } == [
                    "\(Fixture.wang) wechat reminder", "\(Fixture.wang) wechat visit_code", "\(zhao) community reminder",
                ])
            // A phone call is not a sighting.
            let call = try #require(tasks.first { $0.kind == "phone_call" })
            await #expect(throws: LedgerError.self) {
                _ = try await store.completeTask(call.id, outcome: .seenAlive, on: Day("2026-03-20")!)
            }
            #expect(try await store.completeTask(call.id, outcome: .reached, on: Day("2026-03-20")!).isEmpty)
            // The field check brings a second reminder.
            _ = try await store.sweep(on: Day("2026-05-05")!)
            #expect(try await store.outbox().filter { $0.personID == Fixture.wang }.count == 4)  // and the field check's code
            // Wang certifies at a counter: the field check and the home visit close themselves.
            var report = ImportReport()
            try await store.importEvidence(
                Fixture.evidence(["social_security_bureau,S-1,\(Fixture.wang),bureau_counter_confirmation,2026-05-08"]),
                delivery: .staging(by: "cli:test", receivedOn: Day("2026-05-08")!), into: &report)
            #expect(try await store.tasks(unit: "3702").map(\.personID).allSatisfy { $0 == zhao })
            let closed = try await store.tasks(unit: "3702", includeClosed: true).filter { $0.personID == Fixture.wang }
            #expect(Set(closed.map(\.kind)) == ["home_visit", "field_check"] && closed.allSatisfy { $0.outcome == "certified" })
        }
    }

    @Test("a person's edit is a ledger event with its actor; a level change recomputes the deadline")
    func editsAreEvents() async throws {
        try await Fixture.withLedger { store in
            let persons = PersonStore(ledger: store)
            let id = try ResidentID(Fixture.wang)
            // Level 3 (12 months) to level 5 (6 months), with a new amount, by a four-eyes decision
            // (issue 29): the deadline comes from entry (2025-06-01) + 6 months.
            let asked = try await store.requestBenefitChange(
                person: id.value, level: "5", amount: "3500", effectiveMonth: "2025-07", reason: "reassessed",
                by: "clerk aa via fc_00000000000000aa",
                on: Day("2025-07-01")!)
            _ = try await store.approve(asked.id, reason: nil, by: "clerk bb via fc_00000000000000bb", on: Day("2025-07-02")!)
            let edited = try #require(try await persons.person(id))
            #expect(edited.ledger.servicePeriodMonths == 6 && edited.ledger.deadline == Day("2025-12-01"))
            let event = try #require(try await store.person(id)?.timeline.first { $0.kind == "edited" })
            #expect(
                event.detail.contains("approved by clerk bb via fc_00000000000000bb: amount 3200.50 to 3500.00 from 2025-07; level 3 to 5"))
            #expect(event.detail.contains("deadline 2025-12-01"))
            // The next sweep suspends: the shorter period has already run out.
            _ = try await store.sweep(on: Day("2026-01-05")!)
            #expect(try await store.person(id)?.ledger.status == .suspended)
            // Nothing changed: no event.
            _ = try await persons.updatePerson(
                id, PersonChanges(benefitLevel: "5"), scope: "/3702/", by: "clerk aa via fc_00000000000000aa")
            #expect(try await store.person(id)?.timeline.filter { $0.kind == "edited" }.count == 1)
        }
    }
}
