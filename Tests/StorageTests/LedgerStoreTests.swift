import Foundation
import Ledger
import Storage
import Testing

/// The ledger on a real SQLite file: imports, evidence, the sweep, and what operators read back.
@Suite("Ledger store")
struct LedgerStoreTests {
    static func residentID(_ first17: String) -> String { ResidentID.completing(first17)!.value }

    static let wang = residentID("37020219400315001")  // born 1940-03-15, level 3 (12 months)
    static let li = residentID("37020219500720002")  // born 1950-07-20, level 1 (24 months)

    static let units = """
        code,name,level,parent_code
        3702,Qingdao,city,
        370202,Shinan,district,3702
        370202001,Badaguan Street,street,370202
        370202001001,Taiping Community,community,370202001
        """

    static let persons = """
        resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
        \(wang),Wang Fang,1940-03-15,370202001001,3,3200.50,13800000000,wf1940,1,0
        \(li),Li Wei,1950-07-20,370202001001,1,4100,13900000000,,0,0
        """

    /// A store on a new database file with the units and persons imported, enrolled 2025-06-01.
    static func withLedger(rules: LedgerRules? = nil, _ body: (LedgerStore) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = LedgerStore(
            database: try AppDatabase(path: folder.appending(path: "ledger.sqlite").path), rules: try rules ?? LedgerRules.shipped())
        #expect(try await store.importUnits(csv: units).imported == 4)
        #expect(try await store.importPersons(csv: persons, today: Day("2025-06-01")!).imported == 2)
        try await body(store)
    }

    /// Runs the payroll of `month` on its first day and returns what it paid `person`: one
    /// "for_month kind" a line ("2026-07 back_pay").
    @discardableResult
    static func pay(_ store: LedgerStore, _ month: String, _ person: String = wang) async throws -> [String] {
        let month = Month(month)!
        _ = try await store.runPayroll(month: month, on: month.firstDay, by: "cli:payroll")
        return try await store.payrollLines(month: month).filter { $0.personID == person }.map { "\($0.forMonth) \($0.kind.rawValue)" }
    }

    static func evidence(_ lines: [String]) -> [EvidenceInput] {
        var report = ImportReport()
        return LedgerStore.parseEvidence(
            (["source,external_id,resident_id,kind,observed_at"] + lines).joined(separator: "\n"), report: &report)
    }

    @Test("persons enter active with the period of their level; bad rows are refused by line, the rest committed")
    func importPersons() async throws {
        try await Self.withLedger { store in
            let wang = try #require(try await store.person(ResidentID(Self.wang)))
            #expect(wang.ledger.status == .active)
            #expect(wang.ledger.deadline == Day("2026-06-01"))
            #expect(wang.monthlyAmountFen == 320_050)
            let bad = """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                \(Self.residentID("37020219600101005")),Ok Person,1960-01-01,370202001001,2,3000,,,0,0
                370202196001010050,Bad Check,1960-01-01,370202001001,2,3000,,,0,0
                \(Self.residentID("37020219600101006")),Wrong Birth,1961-01-01,370202001001,2,3000,,,0,0
                \(Self.residentID("37020219600101007")),No Unit,1960-01-01,999,2,3000,,,0,0
                \(Self.residentID("37020219600101008")),Bad Level,1960-01-01,370202001001,9,3000,,,0,0
                \(Self.residentID("37020219600101009")),Bad Amount,1960-01-01,370202001001,2,lots,,,0,0
                """
            let strict = try await store.importPersons(csv: bad, strict: true, today: Day("2025-06-01")!)
            #expect(!strict.committed && strict.imported == 0)
            let report = try await store.importPersons(csv: bad, today: Day("2025-06-01")!)
            #expect(report.imported == 1)
            try #require(report.problems.map(\.line) == [3, 4, 5, 6, 7])
            #expect(report.problems[0].reason.contains("check character"))
            #expect(report.problems[1].reason.contains("disagrees with the resident ID"))
            #expect(report.problems[2].reason.contains("not a known community"))
            #expect(report.problems.allSatisfy { !$0.reason.contains("37020219600101") }, "IDs are masked in messages")
            #expect(try await store.importPersons(csv: bad, today: Day("2025-06-01")!).alreadyPresent == 1)
        }
    }

    @Test("re-delivered evidence changes nothing: applying a batch twice equals applying it once")
    func idempotentEvidence() async throws {
        try await Self.withLedger { store in
            let rows = Self.evidence([
                "social_security_bureau,S-1,\(Self.wang),bureau_counter_confirmation,2026-03-10",
                "health_insurance,H-1,\(Self.li),outpatient_visit,2026-02-01",
                "bank,B-1,\(Self.li),bank_counter_visit,2026-02-10T09:30:00+08:00",
            ])
            var first = ImportReport()
            try await store.importEvidence(rows, batchSize: 2, into: &first)
            #expect(first.imported == 3 && first.changes["certified"] == 2)
            let afterFirst = try #require(try await store.person(ResidentID(Self.li)))
            var second = ImportReport()
            try await store.importEvidence(rows, into: &second)
            #expect(second.imported == 0 && second.alreadyPresent == 3 && second.changes.isEmpty)
            let afterSecond = try #require(try await store.person(ResidentID(Self.li)))
            #expect(afterSecond.ledger == afterFirst.ledger)
            #expect(afterSecond.timeline == afterFirst.timeline)
            // Level 1 (24 months) from the bank visit: a bank clerk checks the face against the ID, so the visit
            // is identity-checked presence and anchors (issue 30); the clinic and the bank are two departments.
            #expect(afterFirst.ledger.deadline == Day("2028-02-10"))
            #expect(try await store.person(ResidentID(Self.wang))?.ledger.deadline == Day("2027-03-10"))
        }
    }

    @Test("card spending alone never certifies; unknown persons, kinds and sources are reported, not fatal")
    func referenceAndBadRows() async throws {
        try await Self.withLedger { store in
            var report = ImportReport()
            try await store.importEvidence(
                Self.evidence([
                    "social_security_card,C-1,\(Self.wang),card_spending,2026-02-11",
                    "social_security_card,C-2,\(Self.wang),card_pharmacy_spending,2026-02-12",
                    "social_security_card,C-3,\(Self.wang),card_transit_ride,2026-02-13",
                    "bank,B-9,\(Self.residentID("11010519491231002")),bank_counter_visit,2026-02-13",
                    "bank,B-10,\(Self.wang),teleportation,2026-02-13",
                    "police,B-11,\(Self.wang),bank_counter_visit,2026-02-13",
                    "bank,B-12,\(Self.wang),bank_counter_visit,last tuesday",
                ]), into: &report)
            #expect(report.imported == 3)
            #expect(report.changes.isEmpty)
            #expect(report.problems.map(\.line) == [5, 6, 7, 8])
            let uncertified = try #require(try await store.person(ResidentID(Self.wang)))
            #expect(uncertified.ledger.lastCertified == nil)
        }
    }

    @Test("a death record makes the person deceased; any sign of life after it is a conflict")
    func deathAndConflict() async throws {
        try await Self.withLedger { store in
            var report = ImportReport()
            try await store.importEvidence(
                Self.evidence([
                    "civil_affairs,D-1,\(Self.wang),civil_affairs_cremation_record,2026-01-20",
                    "social_security_card,C-1,\(Self.wang),card_spending,2026-02-11",
                    "police,D-2,\(Self.wang),police_household_deregistration,2026-03-01",
                ]), into: &report)
            #expect(report.changes == ["deceased": 1, "conflict": 1])
            let wang = try #require(try await store.person(ResidentID(Self.wang)))
            #expect(wang.ledger.status == .deceased && wang.ledger.deathDay == Day("2026-01-20"))
            #expect(wang.timeline.contains { $0.kind == "conflict" && $0.detail.contains("card_spending") })
            #expect(try await store.sweep(on: Day("2027-01-01")!).changes.isEmpty)
        }
    }

    @Test("the sweep warns, asks for a field check, suspends; twice changes nothing; certification resumes")
    func sweepLifecycle() async throws {
        try await Self.withLedger { store in
            // Wang's deadline is 2026-06-01.
            #expect(try await store.sweep(on: Day("2026-02-15")!).changes.isEmpty)
            #expect(try await store.sweep(on: Day("2026-03-15")!).changes == ["warning": 1])
            #expect(try await store.sweep(on: Day("2026-03-15")!).changes.isEmpty)
            #expect(try await store.sweep(on: Day("2026-03-20")!).changes.isEmpty)
            // Wang's home visit (86, living alone), due 2026-04-14, is still open: a week after, it goes to the street.
            #expect(try await store.sweep(on: Day("2026-05-10")!).changes == ["field_check": 1, "escalated": 1])
            #expect(try await store.sweep(on: Day("2026-05-11")!).changes.isEmpty)
            // The deadline passes with the visit overdue (the bureau's own delay): held, not suspended; the
            // visit goes on to the district, the field check to the street.
            #expect(try await store.sweep(on: Day("2026-06-02")!).changes == ["deadline_held": 1, "escalated": 2])
            #expect(try await store.sweep(on: Day("2026-06-03")!).changes.isEmpty)
            // At most visit_hold_max_days (60): then suspended all the same.
            #expect(try await store.sweep(on: Day("2026-08-01")!).changes == ["suspended": 1, "escalated": 1])
            #expect(try await store.sweep(on: Day("2026-08-02")!).changes.isEmpty)
            var report = ImportReport()
            try await store.importEvidence(Self.evidence(["community_office,V-1,\(Self.wang),home_visit,2026-08-05"]), into: &report)
            #expect(report.changes == ["certified": 1, "resumed": 1])
            let wang = try #require(try await store.person(ResidentID(Self.wang)))
            #expect(wang.ledger.status == .active && wang.ledger.deadline == Day("2027-08-05"))
            // Tasks show on the timeline: opened with their reason, closed with what closed them.
            #expect(
                wang.timeline.map(\.kind).filter { !["escalated", "deadline_held"].contains($0) } == [
                    "warning", "task_opened", "field_check", "task_opened", "suspended", "evidence", "certified", "resumed", "task_closed",
                    "task_closed",
                ])
            #expect(wang.timeline.filter { $0.kind == "task_closed" }.allSatisfy { $0.detail.hasSuffix(": certified") })
            // Closed by the certification: its deliverer is the actor, as on the certification itself.
            let certifiedBy = wang.timeline.first { $0.kind == "certified" }?.actor
            #expect(certifiedBy != nil && wang.timeline.filter { $0.kind == "task_closed" }.allSatisfy { $0.actor == certifiedBy })
        }
    }
}
