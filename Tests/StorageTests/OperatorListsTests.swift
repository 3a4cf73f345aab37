import Foundation
import Ledger
import Storage
import Synchronization
import Testing

/// What community staff and payroll get from the ledger: alerts, tasks, reminders, payroll, stats.
@Suite("Operator lists")
struct OperatorListsTests {
    typealias Fixture = LedgerStoreTests

    @Test(
        "a warning queues one reminder (WeChat first) and a home visit for the old living alone; a field check opens a task and a second reminder"
    )
    func remindersAndTasks() async throws {
        try await Fixture.withLedger { store in
            _ = try await store.sweep(on: Day("2026-03-15")!)
            _ = try await store.sweep(on: Day("2026-03-16")!)
            let outbox = try await store.outbox()
            try #require(outbox.count == 2)  // the reminder, then the home visit's visit code
            #expect(outbox[0].channel == "wechat" && outbox[0].recipient == "wf1940")
            // The deadline in the person's language (Chinese by default); never their name.
            #expect(!outbox[0].message.contains("Wang Fang") && outbox[0].message.contains("2026年6月1日"))
            #expect(try await store.alerts(unit: "3702", kind: .warning).map(\.personID) == [Fixture.wang])
            _ = try await store.sweep(on: Day("2026-05-10")!)
            let tasks = try await store.tasks(unit: "370202001")
            #expect(tasks.map(\.kind) == ["home_visit", "field_check"])  // Wang is 86 and lives alone
            #expect(try await store.tasks(unit: "370202001001").count == 2)
            #expect(try await store.alerts(unit: "370202", kind: .fieldCheck).count == 1)
            #expect(try await store.markSent([outbox[0].id, 999]) == [999])
            // The home visit's code (not marked sent), the second reminder and the field check's code.
            #expect(try await store.outbox().map(\.personID) == [Fixture.wang, Fixture.wang, Fixture.wang])
        }
    }

    @Test("the sweep in transactions of one person gives what one transaction gave: the same report, tasks, events; a rerun adds nothing")
    func sweepInBatches() async throws {
        let results = Mutex<[(SweepReport, [String], Int)]>([])
        for batch in [1, 20_000] {
            try await Fixture.withLedger { store in
                _ = try await store.sweep(on: Day("2026-03-15")!, batch: batch)
                let report = try await store.sweep(on: Day("2026-06-02")!, batch: batch)
                let tasks = try await store.tasks(unit: "3702", includeClosed: true).map { "\($0.personID) \($0.kind) \($0.keyDay)" }
                let events = try await store.database.count("SELECT COUNT(*) FROM ledger_event")
                #expect(try await store.sweepIfDue(on: Day("2026-06-02")!, by: "serve", batch: batch) == nil, "already swept")
                let again = try await store.sweep(on: Day("2026-06-02")!, batch: batch)
                let eventsAfter = try await store.database.count("SELECT COUNT(*) FROM ledger_event")
                #expect(again.changes.isEmpty && eventsAfter == events)
                results.withLock { $0.append((report, tasks, events)) }
            }
        }
        try #require(results.withLock { $0.count } == 2)
        let (one, all) = results.withLock { ($0[0], $0[1]) }
        // The same work (the audit chain's check differs: two stores, two chains).
        #expect(one.0.changes == all.0.changes && one.0.examined == all.0.examined && one.1 == all.1 && one.2 == all.2, "\(one) vs \(all)")
        #expect(one.0.examined == 1 && !one.0.changes.isEmpty)  // Wang, suspended; with batches of one the walk takes a second, empty, step
    }

    @Test("alerts and tasks page: pages of one, concatenated, are the whole list in order")
    func paging() async throws {
        try await Fixture.withLedger { store in
            _ = try await store.sweep(on: Day("2026-03-15")!)
            _ = try await store.sweep(on: Day("2026-05-10")!)
            let tasks = try await store.tasks(unit: "3702")
            let alerts = try await store.alerts(unit: "3702")
            #expect(tasks.count >= 2 && alerts.count >= 2)
            var pagedTasks: [TaskView] = []
            var pagedAlerts: [Alert] = []
            for offset in 0..<(max(tasks.count, alerts.count) + 1) {
                pagedTasks += try await store.tasks(unit: "3702", offset: offset, limit: 1)
                pagedAlerts += try await store.alerts(unit: "3702", offset: offset, limit: 1)
            }
            #expect(pagedTasks.map(\.id) == tasks.map(\.id))
            #expect(pagedAlerts == alerts)
        }
    }

    @Test(
        "completing a field check: seen alive certifies; deceased records a death; a task closes once",
        arguments: [
            (TaskOutcome.seenAlive, PersonLedger.Status.active),
            (.deceased, .deceased),
            (.unreachable, .active),
        ])
    func completeFieldCheck(outcome: TaskOutcome, status: PersonLedger.Status) async throws {
        try await Fixture.withLedger { store in
            _ = try await store.sweep(on: Day("2026-05-10")!)
            let task = try #require(try await store.tasks(unit: "3702").first)
            _ = try await store.completeTask(task.id, outcome: outcome, on: Day("2026-05-12")!)
            let wang = try #require(try await store.person(ResidentID(Fixture.wang)))
            #expect(wang.ledger.status == status)
            if outcome == .seenAlive { #expect(wang.ledger.deadline == Day("2027-05-12")) }
            do {
                _ = try await store.completeTask(task.id, outcome: .seenAlive, on: Day("2026-05-13")!)
                Issue.record("a task completed twice")
            } catch let error as LedgerError {
                #expect(error.code == .taskClosed)
            }
            #expect(try await store.tasks(unit: "3702").isEmpty)
        }
    }

    @Test("payroll: suspended persons are not paid; the run after the resumption pays the owed months once")
    func payroll() async throws {
        try await Fixture.withLedger { store in
            #expect(try await Fixture.pay(store, "2026-05") == ["2026-05 regular"])
            #expect(try await Fixture.pay(store, "2026-06") == ["2026-06 regular"])
            _ = try await store.sweep(on: Day("2026-06-02")!)  // Wang suspended: June was paid on its first day
            #expect(try await Fixture.pay(store, "2026-07").isEmpty)
            #expect(try await Fixture.pay(store, "2026-08").isEmpty)
            var report = ImportReport()
            try await store.importEvidence(
                LedgerStoreTests.evidence(["community_office,V-1,\(Fixture.wang),home_visit,2026-08-05"]), into: &report)
            // July and August were not paid; June was, and is not paid again.
            #expect(try await Fixture.pay(store, "2026-09") == ["2026-07 back_pay", "2026-08 back_pay", "2026-09 regular"])
            #expect(try await store.payrollRun(Month("2026-09")!)?.totalFen == 3 * 320_050 + 410_000)
            #expect(try await Fixture.pay(store, "2026-10") == ["2026-10 regular"])
        }
    }

    @Test("health attention: 85 or older with a recent inpatient stay goes on the attention list, once")
    func attention() async throws {
        try await Fixture.withLedger { store in
            var report = ImportReport()
            try await store.importEvidence(
                LedgerStoreTests.evidence([
                    "health_insurance,H-1,\(Fixture.wang),inpatient_admission,2025-09-01",  // Wang is 85
                    "health_insurance,H-2,\(Fixture.li),inpatient_admission,2025-09-01",  // Li is 75
                ]), into: &report)
            #expect(try await store.sweep(on: Day("2025-09-10")!).changes == ["attention": 1])
            #expect(try await store.sweep(on: Day("2025-09-11")!).changes.isEmpty)
            #expect(try await store.alerts(unit: "3702", kind: .attention).map(\.personID) == [Fixture.wang])
        }
    }

    @Test("stats: silent share, reminders and certifications by class for a unit and month")
    func stats() async throws {
        try await Fixture.withLedger { store in
            var report = ImportReport()
            try await store.importEvidence(
                LedgerStoreTests.evidence(["social_security_bureau,S-1,\(Fixture.li),bureau_counter_confirmation,2026-03-02"]),
                into: &report)
            _ = try await store.sweep(on: Day("2026-03-15")!)  // Wang warned
            let stats = try await store.stats(unit: "3702", month: Month("2026-03")!)
            #expect(stats.persons == 2)
            #expect(stats.silentShare == 0.5)
            #expect(stats.remindedShare == 0.5)
            #expect(stats.certifiedByClass == ["strong": 1])
            do {
                _ = try await store.stats(unit: "nowhere", month: Month("2026-03")!)
                Issue.record("stats for an unknown unit")
            } catch let error as LedgerError {
                #expect(error.code == .unknownUnit)
            }
        }
    }
}
