import Foundation
import GRDB
import Ledger
import Simulation
import Testing

@testable import Storage

/// The simulator's in-memory ledger against the SQLite store: the same random city, the same
/// deliveries, sweeps, task outcomes and payroll runs through both, day by day; the same open
/// tasks every day, and at the end the same ledger for every person, the same events, tasks,
/// reminders, payroll months and recovery cases.
@Suite("In-memory ledger = SQLite store")
struct MemoryLedgerTests {
    typealias Fixture = LedgerStoreTests

    struct Planned {
        var person: Int
        var source: String
        var kind: String
        var day: Day
    }

    @Test("a stale use of the card delivered after newer ones is not counted as recent, by either ledger")
    func stalePossessionDeliveredLate() async throws {
        try await Self.withLedgers { store, memory, rules in
            let id = Fixture.residentID("37020219500305001"), enrolled = try #require(Day("2025-12-01"))
            let csv = """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile,enrolled_on
                \(id),P,1950-03-05,370202001001,1,3000,13800000001,,0,0,\(enrolled)

                """
            #expect(try await store.importPersons(csv: csv, strict: true, today: enrolled).imported == 1)
            memory.addPerson(
                birth: try #require(Day("1950-03-05")), unit: "370202001001", period: try #require(rules.servicePeriodMonths(level: "1")),
                amountFen: 300_000, hasChannel: true, livesAlone: false, immobile: false, enrolled: enrolled)
            var serial = 0
            // Rows delivered on `day`, in this order, to both; then both sweep the day. Returns the
            // open tasks of each.
            func deliver(_ rows: [(source: String, kind: String, observed: String)], on day: Day) async throws -> (Set<String>, Set<String>)
            {
                let planned = try rows.map { Planned(person: 0, source: $0.source, kind: $0.kind, day: try #require(Day($0.observed))) }
                try await Self.deliver(planned, ids: [id], on: day, serial: &serial, store, memory)
                _ = try await store.sweep(on: day)
                memory.sweep(on: day)
                let stored = Set(try await store.tasks(unit: "3702").map { "\($0.kind) \($0.keyDay)" })
                return (stored, Set(memory.open().map { "\($0.kind.rawValue) \($0.keyDay)" }))
            }
            // Seen at a clinic in January; from June, only the card: two uses in the last 60 days,
            // then one from March delivered after them (the store counts by day, not by arrival).
            _ = try await deliver([("health_insurance", "outpatient_visit", "2026-01-05")], on: try #require(Day("2026-01-05")))
            let june = try await deliver(
                [
                    ("social_security_card", "card_spending", "2026-05-30"), ("social_security_card", "card_spending", "2026-05-31"),
                    ("social_security_card", "card_spending", "2026-03-01"),
                ], on: try #require(Day("2026-06-01")))
            #expect(june.0.isEmpty && june.1 == june.0, "two recent uses are not a sign: store \(june.0), memory \(june.1)")
            // A third recent use is: both raise the attention and the field check.
            let next = try await deliver([("social_security_card", "card_spending", "2026-06-02")], on: try #require(Day("2026-06-02")))
            #expect(next.0.count == 2 && next.1 == next.0, "store \(next.0), memory \(next.1)")
        }
    }

    @Test("random cities through both ledgers give the same results", arguments: 1...3)
    func sameResults(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        try await Self.withLedgers { store, memory, rules in

            // Persons: old and young (health attention at 85), with and without a phone, alone, immobile.
            let start = try #require(Day("2025-07-01")), end = try #require(Day("2026-11-01"))
            var ids: [String] = []
            var csv =
                "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile,enrolled_on\n"
            for n in 0..<30 {
                let birth = Day(year: Int.random(in: 1928...1960, using: &random), month: Int.random(in: 1...12, using: &random), day: 5)!
                let id = Fixture.residentID(String(format: "370202%04d%02d05%03d", birth.year, birth.month, n))
                let level = Int.random(in: 1...5, using: &random)
                let phone = Int.random(in: 0..<5, using: &random) == 0 ? "" : "1380000\(String(format: "%04d", n))"
                let alone = Bool.random(using: &random), immobile = Int.random(in: 0..<6, using: &random) == 0
                let enrolled = start.adding(days: -Int.random(in: 0...300, using: &random))
                csv +=
                    "\(id),P\(n),\(birth),370202001001,\(level),\(3000 + 10 * n),\(phone),,\(alone ? 1 : 0),\(immobile ? 1 : 0),\(enrolled)\n"
                memory.addPerson(
                    birth: birth, unit: "370202001001", period: rules.servicePeriodMonths(level: String(level))!,
                    amountFen: (3000 + 10 * n) * 100,
                    hasChannel: !phone.isEmpty, livesAlone: alone, immobile: immobile, enrolled: enrolled)
                ids.append(id)
            }
            #expect(try await store.importPersons(csv: csv, strict: true, today: start).imported == 30)

            // What happens: signs of life delivered 0-60 days late, deaths recorded late or hidden
            // (the card and the phone stay in use), hospital stays.
            var deaths: [Int: Day] = [:]
            var plan: [Int: [Planned]] = [:]
            func add(_ p: Int, _ source: String, _ kind: String, _ day: Day, delay: Int) {
                guard day < end else { return }
                plan[day.adding(days: delay).daysSinceEpoch, default: []].append(Planned(person: p, source: source, kind: kind, day: day))
            }
            let life: [(String, String, Int)] = [
                ("health_insurance", "outpatient_visit", 50), ("social_security_card", "card_spending", 12),
                ("telecom", "phone_call_activity", 8),
                ("bank", "bank_counter_visit", 90), ("health_insurance", "inpatient_admission", 300),
                ("transport", "bus_ride_senior_card", 15),
                ("social_security_bureau", "bureau_counter_confirmation", 500), ("community_video", "community_video_sighting", 70),
            ]
            for p in 0..<30 {
                let death = Int.random(in: 0..<3, using: &random) == 0 ? start.adding(days: Int.random(in: 30...450, using: &random)) : nil
                deaths[p] = death
                let quiet = Int.random(in: 0..<4, using: &random) == 0  // no data at all: warned, checked, suspended
                for (source, kind, mean) in life where !quiet {
                    var day = start.adding(days: Int.random(in: 0...mean, using: &random))
                    while day < end, death.map({ day < $0 }) ?? true {
                        add(p, source, kind, day, delay: [0, 0, 1, 7, 30, 60].randomElement(using: &random)!)
                        day = day.adding(days: Int.random(in: 1...(2 * mean), using: &random))
                    }
                }
                guard let death else { continue }
                if Bool.random(using: &random) {
                    add(p, "civil_affairs", "civil_affairs_cremation_record", death, delay: Int.random(in: 0...90, using: &random))
                } else {  // hidden: the family uses the card and the phone
                    var day = death
                    while day < end {
                        add(
                            p, ["social_security_card", "telecom"][day.day % 2], ["card_spending", "phone_call_activity"][day.day % 2], day,
                            delay: 1)
                        day = day.adding(days: Int.random(in: 3...12, using: &random))
                    }
                }
            }

            var serial = 0
            var day = start
            while day < end {
                if day.day == 1, day > start {
                    let month = Month(day)
                    let run = try await store.runPayroll(month: month, on: day, by: "cli:payroll")
                    let mine = memory.runPayroll(month: month, on: day)
                    #expect(run.lines == mine.lines && run.totalFen == mine.fen && run.backPayLines == mine.backPay, "run \(month)")
                }
                if let rows = plan.removeValue(forKey: day.daysSinceEpoch) {
                    try await Self.deliver(rows, ids: ids, on: day, serial: &serial, store, memory)
                }
                _ = try await store.sweep(on: day)
                memory.sweep(on: day)
                let messages = try await store.outbox()
                _ = try await store.markSent(messages.map(\.id))
                // The simulator keeps reminders (the ledger also queues suspension notices and receipts).
                let reminders = messages.filter { $0.kind == "reminder" || $0.kind == "field_check_reminder" }
                #expect(reminders.count == memory.drainOutbox().count, "reminders on \(day)")
                #expect(
                    messages.count { $0.kind == "visit_code" } == memory.drainVisitCodeNotices(), "visit codes on \(day)")

                // The same open tasks; those a week old are visited, with what the truth says.
                let open = try await store.tasks(unit: "3702")
                let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
                let storeOpen = Set(open.map { "\(index[$0.personID]!) \($0.kind) \($0.keyDay)" })
                let memoryOpen = Set(memory.open().map { "\($0.person) \($0.kind.rawValue) \($0.keyDay)" })
                #expect(storeOpen == memoryOpen, "open tasks on \(day)")
                if storeOpen != memoryOpen { return }
                for task in memory.open() where memory.tasks[task]!.created.adding(days: 7) <= day {
                    guard memory.isOpen(task) else { continue }  // closed by an earlier visit today
                    let outcome: MemoryLedger.Outcome
                    if let death = deaths[task.person], death <= day {
                        outcome = .deceased
                    } else if task.kind == .phoneCall {
                        outcome = .reached
                    } else {
                        outcome = (task.person + day.day) % 4 == 0 ? .unreachable : .seenAlive
                    }
                    let stored = try #require(
                        open.first { index[$0.personID] == task.person && $0.kind == task.kind.rawValue && $0.keyDay == task.keyDay })
                    // Staff record the visit on the day they make it: the simulated day is the service's today.
                    _ = try await ServiceClock.$testToday.withValue(day) {
                        try await store.completeTask(stored.id, outcome: TaskOutcome(rawValue: outcome.rawValue)!, on: day, by: "sim")
                    }
                    memory.complete(task, outcome: outcome, on: day)
                }
                day = day.adding(days: 1)
            }

            // The end: every person's ledger, events, tasks, payments and recoveries.
            let people = ids
            let snapshot = try await store.database.writer.read { db in
                var ledgers: [PersonLedger] = [], events: [[String]] = [], paid: [Set<String>] = []
                for id in people {
                    let row = try Row.fetchOne(db, sql: "SELECT \(LedgerStore.ledgerColumns) FROM person WHERE id = ?", arguments: [id])!
                    ledgers.append(LedgerStore.ledger(row, at: 0))
                    events.append(
                        try Row.fetchAll(
                            db,
                            sql:
                                "SELECT kind, day FROM ledger_event WHERE person_id = ? AND kind NOT IN ('conflict', 'voided') ORDER BY id",
                            arguments: [id]
                        ).map { "\($0["kind"] as String) \($0["day"] as String)" })
                    paid.append(
                        Set(try String.fetchAll(db, sql: "SELECT for_month FROM payroll_line WHERE person_id = ?", arguments: [id])))
                }
                let tasks = try Row.fetchAll(db, sql: "SELECT person_id, kind, key_day, status, outcome FROM task").map {
                    "\(people.firstIndex(of: $0["person_id"])!) \($0["kind"] as String) \($0["key_day"] as String) \($0["status"] as String == "open") \($0["outcome"] as String? ?? "-")"
                }
                let recoveries = try Row.fetchAll(db, sql: "SELECT person_id, months, amount_fen FROM recovery").map {
                    "\(people.firstIndex(of: $0["person_id"])!) \($0["months"] as String) \($0["amount_fen"] as Int)"
                }
                let kinds = try String.fetchAll(db, sql: "SELECT kind || ' ' || count(*) FROM ledger_event GROUP BY kind")
                return (ledgers, events, paid, tasks, recoveries, kinds)
            }
            for p in ids.indices {
                #expect(snapshot.0[p] == memory.ledger(p), "person \(p)")
                #expect(snapshot.1[p] == memory.events(p).map { "\($0.kind.rawValue) \($0.day)" }, "events of person \(p)")
                #expect(snapshot.2[p] == Set(memory.paid(p).map(\.description)), "payments of person \(p)")
            }
            #expect(
                Set(snapshot.3)
                    == Set(
                        memory.tasks.map {
                            "\($0.key.person) \($0.key.kind.rawValue) \($0.key.keyDay) \($0.value.open) \($0.value.outcome ?? "-")"
                        }))
            #expect(
                Set(snapshot.4)
                    == Set(memory.recoveries.map { "\($0.person) \($0.months.map(\.description).joined(separator: ",")) \($0.fen)" }))
            print("memory ledger seed \(seed): events \(snapshot.5.sorted()), \(snapshot.3.count) tasks, \(snapshot.4.count) recoveries")
        }
    }

    /// Delivers `rows` on `day` to both ledgers, in this order (the store's evidence ids numbered on
    /// from `serial`).
    static func deliver(
        _ rows: [Planned], ids: [String], on day: Day, serial: inout Int, _ store: LedgerStore, _ memory: MemoryLedger
    ) async throws {
        var inputs: [EvidenceInput] = []
        var mine: [MemoryLedger.Row] = []
        for row in rows {
            serial += 1
            let resident = try #require(ids.indices.contains(row.person) ? ids[row.person] : nil)
            inputs.append(
                EvidenceInput(
                    line: serial, source: row.source, externalID: "E-\(serial)", residentID: resident, kind: row.kind,
                    observedAt: row.day.description, payload: nil))
            mine.append(MemoryLedger.Row(person: row.person, kind: try #require(memory.kindIndex(row.kind)), day: row.day))
        }
        var report = ImportReport()
        try await store.importEvidence(inputs, batchSize: inputs.count + 1, delivery: .staging(by: "sim", receivedOn: day), into: &report)
        #expect(report.problems.isEmpty, "\(report.problems)")
        memory.deliver(mine, on: day)
    }

    /// A new SQLite store on a file and an in-memory ledger under the shipped rules, the units imported.
    static func withLedgers(_ body: (LedgerStore, MemoryLedger, LedgerRules) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rules = try LedgerRules.shipped()
        let store = LedgerStore(database: try AppDatabase(path: folder.appending(path: "ledger.sqlite").path), rules: rules)
        let memory = MemoryLedger(rules: rules)
        _ = try await store.importUnits(csv: Fixture.units)
        try await body(store, memory, rules)
    }
}
