import Foundation
import Ledger
import Storage
import Testing

/// The units' monthly figures stored by the daily sweep are the live computation's, for every
/// unit and month of a simulated history (late deaths, moves, persons enrolled midway), and a
/// correction of history marks them stale until the next sweep recomputes them.
@Suite("Monthly figures")
struct MonthlyStatsTests {
    static let units = """
        code,name,level,parent_code
        3702,City,city,
        370202,District A,district,3702
        370203,District B,district,3702
        370202001,Street A1,street,370202
        370203001,Street B1,street,370203
        370202001001,Community A11,community,370202001
        370202001002,Community A12,community,370202001
        370203001001,Community B11,community,370203001
        370203001002,Community B12,community,370203001
        """
    static let communities = ["370202001001", "370202001002", "370203001001", "370203001002"]
    static let allUnits = ["3702", "370202", "370203", "370202001", "370203001"] + communities

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func personsCSV(_ ids: [String], _ random: inout SplitMix) -> String {
        (["resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile"]
            + ids.map { id in
                let community = communities[Int.random(in: 0..<communities.count, using: &random)]
                let phone = Bool.random(using: &random) ? "13800000000" : ""
                return "\(id),Person,1940-03-15,\(community),\(Int.random(in: 2...5, using: &random)),3000,\(phone),,0,0"
            }).joined(separator: "\n")
    }

    func compare(_ store: LedgerStore, _ months: [Month], now: Date) async throws -> (stale: Int, different: [String]) {
        let stored = try await store.monthlyStats(units: Self.allUnits, months: months, now: now)
        var stale = 0
        var different: [String] = []
        for unit in Self.allUnits {
            let series = try #require(stored[unit])
            try #require(series.count == months.count)
            for (month, figures) in zip(months, series) {
                if figures.stale { stale += 1 }
                let live = try await store.stats(unit: unit, month: month)
                if figures.stats != live { different.append("\(unit) \(month): stored \(figures.stats) live \(live)") }
            }
        }
        return (stale, different)
    }

    @Test("stored figures equal the live computation for every unit and month; late history makes them stale until the next sweep")
    func storedEqualsLive() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-monthly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = LedgerStore(
            database: try AppDatabase(path: folder.appending(path: "ledger.sqlite").path), rules: try LedgerRules.shipped())
        var random = SplitMix(state: 42)
        _ = try await store.importUnits(csv: Self.units, strict: true)
        let ids = (0..<90).map { ResidentID.completing("37020219400315" + String(format: "%03d", $0))!.value }
        let start = Day("2025-01-01")!, end = Day("2026-03-20")!
        _ = try await store.importPersons(csv: Self.personsCSV(Array(ids[0..<75]), &random), strict: true, today: start)
        var alive = Array(ids[0..<75])
        var deaths: [(id: String, died: Day, reported: Day)] = []
        var day = start
        var step = 0
        while day <= end {
            step += 1
            if day == Day("2025-07-10")! {  // persons enrolled midway: not in the months before
                _ = try await store.importPersons(csv: Self.personsCSV(Array(ids[75...]), &random), strict: true, today: day)
                alive += ids[75...]
            }
            var rows: [EvidenceInput] = []
            func add(_ id: String, _ kind: String, _ source: String, observed: Day) {
                rows.append(
                    EvidenceInput(
                        line: rows.count + 1, source: source, externalID: "\(id)-\(kind)-\(day)-\(rows.count)", residentID: id, kind: kind,
                        observedAt: observed.description, payload: nil))
            }
            for id in alive {
                let r = Double.random(in: 0..<1, using: &random)
                if r < 0.02 {
                    add(id, "outpatient_visit", "health_insurance", observed: day)
                } else if r < 0.03 {
                    add(id, "bank_counter_visit", "bank", observed: day)
                } else if r < 0.036 {
                    add(id, "bureau_counter_confirmation", "social_security_bureau", observed: day)
                } else if r < 0.06 {
                    add(id, "atm_withdrawal", "bank", observed: day)
                } else if r < 0.0625, day < end.adding(days: -60) {
                    // Dies; the death reaches the ledger one to four months later (a past month changes).
                    let reported = day.adding(days: Int.random(in: 30...120, using: &random))
                    deaths.append((id, day, reported))
                    alive.removeAll { $0 == id }
                }
            }
            for death in deaths where death.reported == day {
                add(death.id, "hospital_death_certificate", "health_commission", observed: death.died)
            }
            if !rows.isEmpty {
                var report = ImportReport()
                try await store.importEvidence(rows, delivery: .staging(by: "test:feeds", receivedOn: day), into: &report)
            }
            _ = try await store.sweep(on: day, by: "test:sweep")
            for task in try await store.tasks(unit: "3702") where task.createdOn.days(to: day) >= 3 {
                guard Double.random(in: 0..<1, using: &random) < 0.3 else { continue }
                let outcome: TaskOutcome =
                    task.kind == "phone_call" ? .reached : Bool.random(using: &random) ? .seenAlive : .unreachable
                do {
                    _ = try await ServiceClock.$testToday.withValue(day) {
                        try await store.completeTask(task.id, outcome: outcome, on: day, by: "test:staff")
                    }
                } catch let error as LedgerError where error.code == .taskClosed {}
            }
            if step % 60 == 0, let moved = alive.randomElement(using: &random) {  // a move rewrites the person's past months
                _ = try await PersonStore(ledger: store).updatePerson(
                    try ResidentID(moved), PersonChanges(unitCode: Self.communities.randomElement(using: &random)!), scope: "/", by: "test")
            }
            day = day.adding(days: 2)
        }
        #expect(deaths.count >= 3, "late deaths in the history")
        let months = (0...14).map { Month(start.adding(months: $0)) }  // 2025-01 to 2026-03
        _ = try await store.sweep(on: end, by: "test:sweep")
        let swept = try await compare(store, months, now: Date())
        #expect(swept.stale == 0)
        #expect(swept.different.isEmpty, "\(swept.different.prefix(3))")

        // A death reported now, five months late: the months since are stale (served as stored)
        // until the next sweep recomputes them.
        let late = try #require(alive.first)
        var report = ImportReport()
        try await store.importEvidence(
            [
                EvidenceInput(
                    line: 1, source: "health_commission", externalID: "late-\(late)", residentID: late, kind: "hospital_death_certificate",
                    observedAt: "2025-10-05", payload: nil)
            ], delivery: .staging(by: "test:feeds", receivedOn: end), into: &report)
        #expect(report.imported == 1)
        let corrected = try await compare(store, months, now: Date())
        #expect(corrected.stale == Self.allUnits.count * 6, "2025-10 to 2026-03, every unit")
        #expect(!corrected.different.isEmpty, "the stored figures predate the correction")
        _ = try await store.sweep(on: end.adding(days: 1), by: "test:sweep")
        let resswept = try await compare(store, months, now: Date())
        #expect(resswept.stale == 0)
        #expect(resswept.different.isEmpty, "\(resswept.different.prefix(3))")
    }

    @Test("stale figures older than staleFiguresKept are recomputed by the read; a month never computed is computed by it")
    func readRecomputes() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-monthly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = LedgerStore(
            database: try AppDatabase(path: folder.appending(path: "ledger.sqlite").path), rules: try LedgerRules.shipped())
        var random = SplitMix(state: 7)
        _ = try await store.importUnits(csv: Self.units, strict: true)
        let ids = (0..<6).map { ResidentID.completing("37020219400315" + String(format: "%03d", $0))!.value }
        _ = try await store.importPersons(csv: Self.personsCSV(ids, &random), strict: true, today: Day("2025-01-01")!)
        let month = Month("2025-03")!
        let first = try #require(try await store.monthlyStats(units: ["3702"], months: [month])["3702"]?.first)
        #expect(!first.stale && first.stats.persons == 6)
        var report = ImportReport()
        try await store.importEvidence(
            [
                EvidenceInput(
                    line: 1, source: "health_commission", externalID: "death", residentID: ids[0], kind: "hospital_death_certificate",
                    observedAt: "2025-02-10", payload: nil)
            ], delivery: .staging(by: "test:feeds", receivedOn: Day("2025-04-01")!), into: &report)
        let kept = try #require(try await store.monthlyStats(units: ["3702"], months: [month])["3702"]?.first)
        #expect(kept.stale && kept.stats.persons == 6)
        let later = Date().addingTimeInterval(LedgerStore.staleFiguresKept + 1)
        let recomputed = try #require(try await store.monthlyStats(units: ["3702"], months: [month], now: later)["3702"]?.first)
        let live = try await store.stats(unit: "3702", month: month)
        #expect(!recomputed.stale && recomputed.stats == live)
        #expect(recomputed.stats.persons == 5)
    }
}
