import Foundation
import GRDB
import Ledger
import Simulation
import Testing

@testable import Storage

/// Issue 30, tried as the auditor did: one department alone never carries a person for ever, a
/// hidden-death sign holds the payment until someone checks the person face to face, and
/// evidence from before a person entered the ledger moves nothing.
@Suite("Corroboration and consequences")
struct CorroborationTests {
    typealias Fixture = LedgerStoreTests
    static let rules = try! LedgerRules.shipped()

    /// A person of level 3 (12 months) entered on `enrolled`, in the fixture's community.
    static func enter(_ store: LedgerStore, _ id: String, enrolled: String) async throws {
        let csv = """
            resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile,enrolled_on
            \(id),Zhou Lan,1945-05-05,370202001001,3,3000,13700000000,,0,0,\(enrolled)
            """
        #expect(try await store.importPersons(csv: csv, strict: true, today: Day(enrolled)!).imported == 1)
    }

    static func deliver(_ store: LedgerStore, _ lines: [String], on day: Day) async throws -> ImportReport {
        var report = ImportReport()
        try await store.importEvidence(Fixture.evidence(lines), delivery: .staging(by: "cli:feed", receivedOn: day), into: &report)
        #expect(report.problems.isEmpty, "\(report.problems)")
        return report
    }

    @Test("one hospital registry confirming a dead person every 6 months carries them only single_source_months after entry")
    func oneHospitalSource() async throws {
        try await Fixture.withLedger { store in
            let zhou = Fixture.residentID("37020219450505003")
            try await Self.enter(store, zhou, enrolled: "2022-01-01")
            let months = Self.rules.corroboration.single_source_months
            let limit = Day("2022-01-01")!.adding(months: months)
            // Dead since early 2022; the registry goes on every 6 months until the limit...
            var day = Day("2022-03-01")!
            var n = 0
            while day < limit {
                _ = try await Self.deliver(store, ["health_commission,HC-\(n),\(zhou),health_commission_confirmation,\(day)"], on: day)
                #expect(try await store.person(ResidentID(zhou))!.ledger.deadline <= limit, "after the confirmation of \(day)")
                day = day.adding(months: 6)
                n += 1
            }
            let capped = try #require(try await store.person(ResidentID(zhou)))
            #expect(capped.ledger.deadline == limit)
            #expect(
                capped.timeline.contains {
                    $0.kind == "certified" && $0.detail.contains("health_commission alone carries the person only to \(limit)")
                })
            // ...is suspended the day after it, and the registry alone never resumes them.
            _ = try await store.sweep(on: limit.adding(days: 1))
            while day <= Day("2026-03-01")! {
                _ = try await Self.deliver(store, ["health_commission,HC-\(n),\(zhou),health_commission_confirmation,\(day)"], on: day)
                day = day.adding(months: 6)
                n += 1
            }
            let person = try #require(try await store.person(ResidentID(zhou)))
            #expect(person.ledger.status == .suspended && person.ledger.suspendedOn == limit.adding(days: 1))
            // Another department seeing them (a bureau counter) resumes them, a full period from it.
            _ = try await Self.deliver(
                store, ["social_security_bureau,CTR-1,\(zhou),bureau_counter_confirmation,2026-09-01"], on: Day("2026-09-01")!)
            let resumed = try #require(try await store.person(ResidentID(zhou)))
            #expect(resumed.ledger.status == .active && resumed.ledger.deadline == Day("2027-09-01"))
        }
    }

    @Test(
        "a colluding clinic with app logins: the sign holds the payment from the next run; an unreachable answer keeps it, a visit ends it")
    func colludingClinic() async throws {
        try await Fixture.withLedger { store in
            // Li (24 months) died in July 2025; the clinic bills a visit a month and someone logs in to the app every week.
            var lines: [String] = []
            for (n, month) in LedgerTrustTests.months(from: "2025-06", count: 16).enumerated() {
                lines.append("health_insurance,OV-\(n),\(Fixture.li),outpatient_visit,\(month.firstDay.adding(days: 3))")
                for w in 0..<4 {
                    lines.append(
                        "social_security_bureau,AP-\(n)-\(w),\(Fixture.li),account_update_in_app,\(month.firstDay.adding(days: 1 + 7 * w))")
                }
            }
            let report = try await Self.deliver(store, lines, on: Day("2026-10-01")!)
            #expect(report.changes["certified"] != nil)  // P = 0.900 still certifies: the clinic is presence
            // Behaviour through one clinic alone: never past single_source_months after entry, whatever the anchor.
            let li = try #require(try await store.person(ResidentID(Fixture.li)))
            #expect(li.ledger.deadline <= Day("2025-06-01")!.adding(months: Self.rules.corroboration.single_source_months))
            // A year after entry with no identity-checked presence, only the clinic: the sign, a field check, a hold.
            let signDay = Day("2025-06-01")!.adding(days: Self.rules.hidden_death.uncorroboratedPresenceDays)
            #expect(try await store.sweep(on: signDay.adding(days: -1)).changes["attention"] == nil)
            #expect(try await store.sweep(on: signDay).changes["attention"] == 1)
            let tasks = try await store.tasks(unit: "3702").filter { $0.personID == Fixture.li }
            #expect(Set(tasks.map(\.kind)) == ["attention", "field_check"])
            #expect(tasks.allSatisfy { $0.reason.contains("only by health_insurance") })
            let holds = try await store.decisions(unit: "3702", status: "in_force").filter { $0.personID == Fixture.li }
            let hold = try #require(holds.first)
            #expect(holds.count == 1 && hold.kind == .hold && hold.until == nil && hold.requestedBy == "rule:hidden_death")
            #expect(hold.reason.hasPrefix("hidden-death sign:") && hold.rulesVersion == store.rulesVersion)
            // June was paid on its first day; July and August are not.
            #expect(try await Fixture.pay(store, "2026-06", Fixture.li) == ["2026-06 regular"])
            #expect(try await Fixture.pay(store, "2026-07", Fixture.li).isEmpty)
            // Staff answer unreachable: the hold stays. More clinic visits do not end it.
            let check = try #require(tasks.first { $0.kind == "field_check" })
            _ = try await ServiceClock.$testToday.withValue(Day("2026-07-10")!) {
                try await store.completeTask(check.id, outcome: .unreachable, on: Day("2026-07-10")!, by: "cli:staff")
            }
            // Under the hold the answer does not close the check: it stays open, escalated to the street office.
            let escalated = try #require(try await store.tasks(unit: "3702").first { $0.id == check.id })
            #expect(escalated.status == "open" && escalated.escalatedTo != nil, "\(escalated)")
            _ = try await Self.deliver(
                store, ["health_insurance,OV-late,\(Fixture.li),outpatient_visit,2026-07-20"], on: Day("2026-07-25")!)
            // A department's registry row is not a person-to-person check at the service's doors: the hold stays.
            _ = try await Self.deliver(
                store, ["health_commission,HCR-1,\(Fixture.li),health_commission_confirmation,2026-07-26"], on: Day("2026-07-26")!)
            #expect(try await Fixture.pay(store, "2026-08", Fixture.li).isEmpty)
            #expect(try await store.decisions(unit: "3702", status: "in_force").contains { $0.personID == Fixture.li && $0.kind == .hold })
            #expect(try await store.tasks(unit: "3702").contains { $0.id == check.id && $0.status == "open" }, "the check stays open")
            // An operator's extension moves the deadline but does not close the check a rule's hold keeps open.
            _ = try await store.extend(
                person: Fixture.li, until: Day("2027-07-20")!, reason: "living abroad", by: "clerk a via fc_a", on: Day("2026-07-27")!)
            #expect(try await store.tasks(unit: "3702").contains { $0.id == check.id && $0.status == "open" }, "an extension keeps it open")
            // A visit that finds them (another field check, or any person-to-person check) ends it: back pay follows.
            _ = try await Self.deliver(
                store, ["social_security_bureau,CTR-1,\(Fixture.li),bureau_counter_confirmation,2026-08-20"], on: Day("2026-08-20")!)
            #expect(try await store.decisions(unit: "3702", status: "in_force").contains { $0.personID == Fixture.li } == false)
            #expect(try await store.tasks(unit: "3702").contains { $0.id == check.id && $0.status == "open" } == false)
            #expect(try await Fixture.pay(store, "2026-09", Fixture.li) == ["2026-07 back_pay", "2026-08 back_pay", "2026-09 regular"])
            #expect(try await store.verifyChain().finding == nil)
        }
    }

    @Test("a burst beyond max_events_per_day for one person, source and day is held for review; an operator releases or discards it")
    func burstHeldForReview() async throws {
        try await Fixture.withLedger { store in
            let limit = Self.rules.corroboration.max_events_per_day
            let rows =
                (0..<(limit + 5)).map { "social_security_card,B-\($0),\(Fixture.wang),card_spending,2026-03-01" }
                + ["social_security_card,B-other,\(Fixture.li),card_spending,2026-03-01"]
            let report = try await Self.deliver(store, rows, on: Day("2026-03-02")!)
            #expect(report.imported == limit + 1 && report.held == 5)
            #expect(
                report.heldWhy == [
                    "\(limit + 5) rows for \(try ResidentID(Fixture.wang)) social_security_card 2026-03-01 (more than corroboration.max_events_per_day \(limit)): 5 held for review"
                ])
            // The same delivery again: all present, nothing more held.
            let again = try await Self.deliver(store, rows, on: Day("2026-03-03")!)
            #expect(again.alreadyPresent == limit + 6 && again.held == 0 && again.imported == 0)
            // One more row that day is held too: the stored rows count.
            let more = try await Self.deliver(
                store, ["social_security_card,B-late,\(Fixture.wang),card_spending,2026-03-01"], on: Day("2026-03-04")!)
            #expect(more.held == 1 && more.imported == 0)
            let held = try await store.heldEvidence(unit: "3702")
            #expect(
                held.count == 6
                    && held.allSatisfy { $0.status == "held" && $0.personID == Fixture.wang && $0.reason.contains("held for review") })
            let first = try #require(held.first), second = try #require(held.last)
            await #expect(throws: LedgerError.self) {
                _ = try await store.decideHeldEvidence(first.id, release: true, reason: "checked", by: "cli:nobody", on: Day("2026-03-05")!)
            }
            let released = try await store.decideHeldEvidence(
                first.id, release: true, reason: "the card office confirms a batch of refunds", by: "clerk aa via fc_00000000000000aa",
                on: Day("2026-03-05")!)
            #expect(released.row.status == "released")
            let discarded = try await store.decideHeldEvidence(
                second.id, release: false, reason: "a terminal replayed its log", by: "clerk aa via fc_00000000000000aa",
                on: Day("2026-03-05")!)
            #expect(discarded.row.status == "discarded")
            await #expect(throws: LedgerError.self) {
                _ = try await store.decideHeldEvidence(
                    second.id, release: true, reason: "again", by: "clerk aa via fc_00000000000000aa", on: Day("2026-03-05")!)
            }
            let stored = try await store.database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM evidence WHERE person_id = ?", arguments: [Fixture.wang])!
            }
            #expect(stored == limit + 1)
            #expect(try await store.heldEvidence(unit: "3702").count == 4)
            let wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.timeline.filter { $0.kind == "resolved" && $0.detail.contains("held evidence") }.count == 2)
            #expect(try await store.verifyChain().finding == nil)
        }
    }

    @Test("a field check answered unreachable twice with no person-to-person check between stays open, escalated to the street office")
    func unreachableTwiceEscalates() async throws {
        try await Fixture.withLedger { store in
            // Wang (deadline 2026-06-01): the field check of May, answered unreachable.
            _ = try await store.sweep(on: Day("2026-05-05")!)
            let first = try #require(try await store.tasks(unit: "3702").first { $0.personID == Fixture.wang && $0.kind == "field_check" })
            _ = try await ServiceClock.$testToday.withValue(Day("2026-05-10")!) {
                try await store.completeTask(first.id, outcome: .unreachable, on: Day("2026-05-10")!, by: "cli:staff")
            }
            // A behaviour certification (a clinic and a community camera) moves the deadline on, which does not reset the
            // count: the next deadline's field check answered unreachable escalates.
            var lines: [String] = []
            for (n, month) in LedgerTrustTests.months(from: "2026-05", count: 2).enumerated() {
                lines.append("health_insurance,OV-\(n),\(Fixture.wang),outpatient_visit,\(month.firstDay.adding(days: 14))")
                lines.append("community_video,CV-\(n),\(Fixture.wang),community_video_sighting,\(month.firstDay.adding(days: 15))")
            }
            _ = try await Self.deliver(store, lines, on: Day("2026-07-01")!)
            let moved = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(moved.ledger.deadline > Day("2026-06-01")!)
            _ = try await store.sweep(on: moved.ledger.deadline.adding(days: -20))
            let second = try #require(
                try await store.tasks(unit: "3702").first { $0.personID == Fixture.wang && $0.kind == "field_check" && $0.id != first.id })
            let day = moved.ledger.deadline.adding(days: -15)
            let changes = try await ServiceClock.$testToday.withValue(day) {
                try await store.completeTask(second.id, outcome: .unreachable, on: day, by: "cli:staff")
            }
            #expect(changes == ["escalated": 1])
            let open = try #require(try await store.tasks(unit: "370202001").first { $0.id == second.id })
            #expect(open.status == "open" && open.escalatedTo == "370202001")
            let wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.timeline.contains { $0.kind == "attention" && $0.detail.contains("escalated to 370202001") })
            // Answered unreachable again: stays as it is. Seen alive: closes.
            #expect(
                try await ServiceClock.$testToday.withValue(day) {
                    try await store.completeTask(second.id, outcome: .unreachable, on: day, by: "cli:staff")
                }.isEmpty)
            _ = try await ServiceClock.$testToday.withValue(day) {
                try await store.completeTask(second.id, outcome: .seenAlive, on: day, by: "cli:staff")
            }
            #expect(try await store.tasks(unit: "3702").contains { $0.id == second.id } == false)
        }
    }

    @Test("evidence observed before the person entered the ledger is history: no certification, and a level change counts from entry")
    func evidenceBeforeEntry() async throws {
        try await Fixture.withLedger { store in
            // Wang (12 months) entered 2025-06-01; a counter confirmation of 2020 arrives.
            let report = try await Self.deliver(
                store, ["social_security_bureau,OLD-1,\(Fixture.wang),bureau_counter_confirmation,2020-03-01"], on: Day("2025-07-01")!)
            #expect(report.imported == 1 && report.changes.isEmpty)
            let wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.lastCertified == nil && wang.ledger.deadline == Day("2026-06-01"))
            // Level 3 to level 2 (18 months): the deadline from entry, 2026-12-01, not from 2020.
            let asked = try await store.requestBenefitChange(
                person: Fixture.wang, level: "2", amount: nil, effectiveMonth: "2025-08", reason: "reassessed",
                by: "clerk aa via fc_00000000000000aa",
                on: Day("2025-07-02")!)
            _ = try await store.approve(asked.id, reason: nil, by: "clerk bb via fc_00000000000000bb", on: Day("2025-07-03")!)
            let after = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(after.ledger.deadline == Day("2026-12-01") && after.ledger.status == .active)
            _ = try await store.sweep(on: Day("2025-07-04")!)
            #expect(try await store.person(ResidentID(Fixture.wang))?.ledger.status == .active)
        }
    }

    @Test("random histories: no department alone carries anyone past single_source_months after their entry", arguments: 1...4)
    func noSingleSourceForEver(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        try await Fixture.withLedger { store in
            let months = Self.rules.corroboration.single_source_months
            // One department that sees the person (a registry's strong evidence, a clinic, a rail gate,
            // a hotel, a police station), the rest possession from anyone's hands, over five years, delivered in random batches.
            let carriers: [(String, String)] = [
                ("health_commission", "health_commission_confirmation"), ("health_insurance", "outpatient_visit"),
                ("railway", "rail_ticket_checked"), ("police", "hotel_check_in"), ("police", "police_station_confirmation"),
            ]
            let possession: [(String, String)] = [
                ("social_security_card", "card_spending"), ("bank", "atm_withdrawal"), ("telecom", "phone_call_activity"),
                ("social_security_bureau", "account_update_in_app"), ("transport", "bus_ride_senior_card"),
            ]
            var persons: [String] = []
            var csv =
                "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile,enrolled_on\n"
            for n in 0..<12 {
                let id = Fixture.residentID(String(format: "370202194505%02d%03d", 1 + n, 100 + n))
                csv +=
                    "\(id),P\(n),1945-05-\(String(format: "%02d", 1 + n)),370202001001,\(Int.random(in: 1...5, using: &random)),3000,,,0,0,2021-01-01\n"
                persons.append(id)
            }
            #expect(try await store.importPersons(csv: csv, strict: true, today: Day("2021-01-01")!).imported == 12)
            var rows: [(Day, String)] = []
            for (p, id) in persons.enumerated() {
                let carrier = carriers.randomElement(using: &random)!
                var day = Day("2021-01-01")!.adding(days: Int.random(in: 0...60, using: &random))
                var serial = 0
                while day < Day("2026-06-01")! {
                    serial += 1
                    let (source, kind) = Int.random(in: 0..<3, using: &random) == 0 ? carrier : possession.randomElement(using: &random)!
                    rows.append((day, "\(source),R-\(p)-\(serial),\(id),\(kind),\(day)"))
                    day = day.adding(days: Int.random(in: 1...20, using: &random))
                }
            }
            rows.shuffle(using: &random)
            let limit = Day("2021-01-01")!.adding(months: months)
            for start in stride(from: 0, to: rows.count, by: 400) {
                let batch = rows[start..<min(rows.count, start + 400)]
                _ = try await Self.deliver(store, batch.map(\.1), on: Day("2026-06-01")!)
                let beyond = try await store.database.writer.read { db in
                    try String.fetchAll(
                        db,
                        sql: "SELECT person_id || ' ' || cause FROM ledger_event WHERE kind IN ('certified', 'resumed') AND deadline > ?",
                        arguments: [limit.description])
                }
                #expect(beyond.isEmpty, "carried past \(limit): \(beyond)")
            }
        }
    }

    @Test("random cities: nobody with a standing hidden-death sign is paid by a payroll run after it", arguments: 1...3)
    func noPaymentUnderASign(seed: UInt64) async throws {
        // The simulator's ledger (held equal to the store by MemoryLedgerTests) over a city with
        // hidden deaths and colluding clinics, swept every day, paid every month.
        var random = SplitMix64(seed: seed)
        let ledger = MemoryLedger(rules: Self.rules)
        let start = Day("2024-01-01")!, end = Day("2027-01-01")!
        let kinds = Dictionary(uniqueKeysWithValues: Self.rules.kinds.enumerated().map { ($1.kind, $0) })
        var hidden = Set<Int>()
        var plan: [Int: [MemoryLedger.Row]] = [:]
        for n in 0..<200 {
            let p = ledger.addPerson(
                birth: Day("1940-01-01")!, unit: "c", period: [6, 9, 12, 18, 24].randomElement(using: &random)!, amountFen: 300_000,
                hasChannel: true, livesAlone: false, immobile: false, enrolled: start.adding(days: -Int.random(in: 0...700, using: &random))
            )
            if n % 4 == 0 { hidden.insert(p) }
            let life =
                hidden.contains(p)
                ? ["outpatient_visit", "account_update_in_app", "card_spending", "atm_withdrawal"]
                : ["outpatient_visit", "card_spending", "bank_counter_visit", "community_video_sighting", "phone_call_activity"]
            var day = start
            while day < end {
                let kind = life.randomElement(using: &random)!
                plan[day.adding(days: Int.random(in: 0...10, using: &random)).daysSinceEpoch, default: []].append(
                    MemoryLedger.Row(person: p, kind: kinds[kind]!, day: day))
                day = day.adding(days: Int.random(in: 1...9, using: &random))
            }
        }
        var signed: [Int: Day] = [:]
        var day = start
        while day < end {
            if day.day == 1 {
                let before = (0..<ledger.count).map { ledger.paid($0) }
                ledger.runPayroll(month: Month(day), on: day)
                for (p, since) in signed {
                    let new = ledger.paid(p).subtracting(before[p])
                    #expect(new.allSatisfy { $0 <= Month(since) }, "person \(p) paid \(new.sorted()) under the sign of \(since)")
                }
            }
            if let rows = plan.removeValue(forKey: day.daysSinceEpoch) { ledger.deliver(rows, on: day) }
            ledger.sweep(on: day)
            for p in hidden where signed[p] == nil && ledger.events(p).contains(where: { $0.kind == .held }) { signed[p] = day }
            // Staff find nobody for the hidden deaths (the family answers for them, or no one opens).
            for task in ledger.open() where task.kind == .fieldCheck && hidden.contains(task.person) {
                if ledger.tasks[task]!.created.adding(days: 5) <= day { ledger.complete(task, outcome: .unreachable, on: day) }
            }
            day = day.adding(days: 1)
        }
        #expect(signed.count > hidden.count / 2, "signs raised: \(signed.count) of \(hidden.count)")
    }
}
