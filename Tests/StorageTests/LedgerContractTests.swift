import Foundation
import Ledger
import Storage
import Testing

/// A ledger backend the contract runs against: each opens empty ``Stores`` with the fixture's
/// units and persons imported (through the protocols). SQLite now; a city's PostgreSQL adds its case.
enum LedgerBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite

    var testDescription: String { rawValue }

    /// New stores on an empty ledger, deleted after `body`.
    func withStores(_ body: (Stores) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-contract-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let ledger = LedgerStore(
                database: try AppDatabase(path: folder.appending(path: "ledger.sqlite").path), rules: try LedgerRules.shipped())
            try await body(ServiceStore(ledger: ledger, vault: TemplateVault(key: .init(size: .bits256))).stores)
        }
    }
}

/// What every ledger backend must do, through the store protocols alone (``Stores``): batches
/// whole or not at all, evidence stored once, pages that cover a list exactly, scope by a unit's
/// path prefix, payroll runs that never change, and once-only claims. The same tests run against
/// each ``LedgerBackend``.
@Suite("Ledger store contract")
struct LedgerContractTests {
    static let units = """
        code,name,level,parent_code
        3702,Qingdao,city,
        370202,Shinan,district,3702
        370202001,Badaguan Street,street,370202
        370202001001,Taiping Community,community,370202001
        370203,Shibei,district,3702
        370203001,Taidong Street,street,370203
        370203001001,Liaoning Community,community,370203001
        """

    /// Persons in two districts, all enrolled 2025-06-01 (deadlines from 2026-06-01 on).
    static func persons(_ count: Int) -> (csv: String, ids: [String]) {
        var ids: [String] = []
        var csv = "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n"
        for n in 0..<count {
            let id = ResidentID.completing("37020219400315" + String(format: "%03d", n + 1))!.value
            ids.append(id)
            csv +=
                "\(id),P\(n),1940-03-15,\(n % 2 == 0 ? "370202001001" : "370203001001"),3,3000,1380000\(String(format: "%04d", n)),,0,0\n"
        }
        return (csv, ids)
    }

    static func setUp(_ stores: Stores, persons count: Int = 6) async throws -> [String] {
        #expect(try await stores.registry.importUnits(csv: units, strict: true).imported == 7)
        let (csv, ids) = persons(count)
        #expect(try await stores.registry.importPersons(csv: csv, today: Day("2025-06-01")!).imported == count)
        return ids
    }

    static func feed(_ lines: [String]) -> EvidenceFeed {
        EvidenceFeed(bytes: Array((["source,external_id,resident_id,kind,observed_at"] + lines).joined(separator: "\n").utf8))
    }

    @Test("a strict batch with one bad row writes nothing; a lenient one writes the good rows", arguments: LedgerBackend.allCases)
    func batchesWhole(_ backend: LedgerBackend) async throws {
        try await backend.withStores { stores in
            _ = try await stores.registry.importUnits(csv: Self.units, strict: true)
            let (csv, ids) = Self.persons(3)
            let bad = csv + "37020219400399999,Bad,1940-13-45,370202001001,3,3000,,,0,0\n"
            let strict = try await stores.registry.importPersons(csv: bad, strict: true, today: Day("2025-06-01")!)
            #expect(!strict.committed && strict.imported == 0 && strict.problems.count == 1)
            #expect(try await stores.persons.person(ResidentID(ids[0])) == nil)
            let lenient = try await stores.registry.importPersons(csv: bad, strict: false, today: Day("2025-06-01")!)
            #expect(lenient.imported == 3 && lenient.problems.count == 1)
        }
    }

    @Test(
        "evidence is stored once: a re-delivered feed changes nothing; the same id with other content is refused by code",
        arguments: LedgerBackend.allCases)
    func evidenceOnce(_ backend: LedgerBackend) async throws {
        try await backend.withStores { stores in
            let ids = try await Self.setUp(stores)
            let lines = [
                "bank,E1,\(ids[0]),atm_withdrawal,2026-05-01", "civil_affairs,E2,\(ids[1]),civil_affairs_cremation_record,2026-04-01",
            ]
            var first = ImportReport()
            try await stores.evidence.stage(Self.feed(lines), into: &first)
            #expect(first.imported == 2 && first.problems.isEmpty)
            let before = try #require(try await stores.queries.person(ResidentID(ids[0])))
            var again = ImportReport()
            try await stores.evidence.stage(Self.feed(lines), into: &again)
            #expect(again.imported == 0 && again.alreadyPresent == 2 && again.changes.isEmpty)
            var changed = ImportReport()
            try await stores.evidence.stage(Self.feed(["bank,E1,\(ids[0]),atm_withdrawal,2026-05-09"]), into: &changed)
            #expect(changed.imported == 0 && changed.problems.first?.code == "external_id_conflict")
            #expect(try await stores.queries.person(ResidentID(ids[0]))?.timeline == before.timeline)
            #expect(try await stores.queries.person(ResidentID(ids[1]))?.ledger.status == .deceased)
        }
    }

    @Test("pages of a list are disjoint and cover it exactly", arguments: LedgerBackend.allCases)
    func paging(_ backend: LedgerBackend) async throws {
        try await backend.withStores { stores in
            let ids = try await Self.setUp(stores, persons: 9)
            // Everyone's deadline is 2026-06-01: a sweep a week before opens a field check each.
            _ = try await stores.daily.sweep(on: Day("2026-05-25")!)
            let all = try await stores.casework.tasks(unit: "3702", includeClosed: false, kind: nil, offset: 0, limit: nil)
            #expect(all.count == 9)
            var paged: [Int64] = []
            for offset in stride(from: 0, to: 12, by: 4) {
                paged += try await stores.casework.tasks(unit: "3702", includeClosed: false, kind: nil, offset: offset, limit: 4).map(\.id)
            }
            #expect(paged == all.map(\.id))
            _ = try await stores.money.runPayroll(month: Month("2026-05")!, on: Day("2026-05-01")!, by: "contract")
            let lines = try await stores.money.payrollLines(month: Month("2026-05")!, unit: nil, after: 0, limit: nil)
            var after: Int64 = 0
            var keyset: [Int64] = []
            while true {
                let page = try await stores.money.payrollLines(month: Month("2026-05")!, unit: nil, after: after, limit: 4)
                guard let last = page.last else { break }
                keyset += page.map(\.id)
                after = last.id
            }
            #expect(!lines.isEmpty && keyset == lines.map(\.id))

            // Deaths in April, learned after May was paid: a recovery case each. Their pages, by
            // case id, cover the list exactly, district by district.
            var report = ImportReport()
            try await stores.evidence.stage(
                Self.feed(ids.map { "civil_affairs,D-\($0),\($0),civil_affairs_cremation_record,2026-04-20" }), into: &report)
            #expect(report.imported == 9 && report.problems.isEmpty, "\(report.problems)")
            for unit in ["3702", "370202", "370203"] {
                let cases = try await stores.casework.recoveries(unit: unit, status: .open, after: 0, limit: nil)
                var after: Int64 = 0
                var pages: [Int64] = []
                while true {
                    let page = try await stores.casework.recoveries(unit: unit, status: .open, after: after, limit: 2)
                    guard let last = page.last else { break }
                    pages += page.map(\.id)
                    after = last.id
                }
                #expect(cases.count == ["3702": 9, "370202": 5, "370203": 4][unit] && pages == cases.map(\.id), "\(unit)")
            }
        }
    }

    @Test(
        "a unit sees its subtree only: lists, and writes scoped to another unit's person are refused as unknown",
        arguments: LedgerBackend.allCases)
    func scopeByPrefix(_ backend: LedgerBackend) async throws {
        try await backend.withStores { stores in
            let ids = try await Self.setUp(stores)
            _ = try await stores.daily.sweep(on: Day("2026-05-25")!)
            let shinan = try await stores.casework.tasks(unit: "370202", includeClosed: false, kind: nil, offset: 0, limit: nil)
            let shibei = try await stores.casework.tasks(unit: "370203", includeClosed: false, kind: nil, offset: 0, limit: nil)
            #expect(shinan.count == 3 && shibei.count == 3)
            #expect(Set(shinan.map(\.personID)).isDisjoint(with: shibei.map(\.personID)))
            #expect(Set(shinan.map(\.personID)).isSubset(of: ids.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)))
            let task = try #require(shibei.first)
            let shinanPath = try #require(try await stores.queries.unitPath("370202"))
            await #expect(throws: LedgerError.self) {
                _ = try await stores.casework.completeTask(
                    task.id, outcome: .seenAlive, on: Day("2026-05-26")!, note: nil, by: "worker", scope: shinanPath)
            }
            #expect(try await stores.casework.tasks(unit: "370203", includeClosed: false, kind: nil, offset: 0, limit: nil).count == 3)
            await #expect(throws: LedgerError.self) {
                _ = try await stores.persons.updatePerson(
                    try ResidentID(task.personID), PersonChanges(phone: "13912345678"), scope: shinanPath, by: "worker")
            }
        }
    }

    @Test("a payroll run is made once and never changes", arguments: LedgerBackend.allCases)
    func payrollImmutable(_ backend: LedgerBackend) async throws {
        try await backend.withStores { stores in
            let ids = try await Self.setUp(stores)
            let month = Month("2026-04")!
            let run = try await stores.money.runPayroll(month: month, on: Day("2026-04-01")!, by: "contract")
            let lines = try await stores.money.payrollLines(month: month, unit: nil, after: 0, limit: nil)
            #expect(run.persons == 6 && lines.count == run.lines)
            var death = ImportReport()
            try await stores.evidence.stage(
                Self.feed(["civil_affairs,D1,\(ids[0]),civil_affairs_cremation_record,2026-03-01"]), into: &death)
            do {
                _ = try await stores.money.runPayroll(month: month, on: Day("2026-04-02")!, by: "contract")
                Issue.record("a second run of \(month) was made")
            } catch let error as LedgerError {
                #expect(error.code == .payrollRunExists)
            }
            #expect(try await stores.money.payrollLines(month: month, unit: nil, after: 0, limit: nil) == lines)
            #expect(try await stores.money.payrollRun(month) == run)
        }
    }

    @Test(
        "four eyes: a reversal asked by one operator is approved by another only, within its scope, once",
        arguments: LedgerBackend.allCases)
    func fourEyes(_ backend: LedgerBackend) async throws {
        try await backend.withStores { stores in
            let ids = try await Self.setUp(stores)
            var death = ImportReport()
            try await stores.evidence.stage(
                Self.feed(["civil_affairs,D1,\(ids[0]),civil_affairs_cremation_record,2026-03-01"]), into: &death)
            let day = Day("2026-03-10")!
            let shinan = try #require(try await stores.queries.unitPath("370202"))
            let shibei = try #require(try await stores.queries.unitPath("370203"))
            let asked = try await stores.casework.request(
                .reverseDeath, person: ids[0], reason: "seen alive", by: "op a via fc_opa", scope: shinan, on: day)
            #expect(asked.status == "pending" && asked.requestedBy == "op a via fc_opa")
            let again = await #expect(throws: LedgerError.self, "a second request while one is pending") {
                _ = try await stores.casework.request(
                    .reverseDeath, person: ids[0], reason: "again", by: "op c via fc_opc", scope: nil, on: day)
            }
            #expect(again?.code == .personState)
            let same = await #expect(throws: LedgerError.self) {
                _ = try await stores.casework.approve(asked.id, reason: nil, by: "op a via fc_opa", scope: nil, on: day)
            }
            #expect(same?.code == .sameOperator)
            let elsewhere = await #expect(throws: LedgerError.self) {
                _ = try await stores.casework.approve(asked.id, reason: nil, by: "op b via fc_opb", scope: shibei, on: day)
            }
            #expect(elsewhere?.code == .unknownDecision, "another district's operator is told it does not exist")
            #expect(try await stores.queries.person(ResidentID(ids[0]))?.ledger.status == .deceased, "nothing changed yet")
            let approved = try await stores.casework.approve(
                asked.id, reason: "wrong record", by: "op b via fc_opb", scope: shinan, on: day)
            #expect(approved.decision.status == "approved" && approved.decision.decidedBy == "op b via fc_opb")
            let reversed = try #require(try await stores.queries.person(ResidentID(ids[0])))
            #expect(reversed.ledger.status != .deceased)
            let twice = await #expect(throws: LedgerError.self) {
                _ = try await stores.casework.approve(asked.id, reason: nil, by: "op c via fc_opc", scope: nil, on: day)
            }
            #expect(twice?.code == .decisionClosed)
        }
    }

    @Test(
        "once-only work: the first claim wins, a finished job is never claimed again, a dead owner's lease is taken over",
        arguments: LedgerBackend.allCases)
    func claims(_ backend: LedgerBackend) async throws {
        try await backend.withStores { stores in try await Self.claimsContract(stores.coordinator) }
    }

    @Test("the in-memory coordinator keeps the same claims contract")
    func claimsInMemory() async throws {
        try await LedgerBackend.sqlite.withStores { stores in
            try await Self.claimsContract(LocalCoordinator(enrollments: stores.enrollment))
        }
    }

    static func claimsContract(_ coordinator: any Coordinator) async throws {
        let job = CoordinationJob.sweep(Day("2026-06-01")!)
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        // Claims at once from several owners: exactly one wins.
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for owner in 0..<8 { group.addTask { try await coordinator.claim(job, by: "p\(owner)", lease: 60, at: now) } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
        #expect(try await !coordinator.claim(job, by: "b", lease: 60, at: now.addingTimeInterval(30)))
        #expect(try await coordinator.claim(job, by: "b", lease: 60, at: now.addingTimeInterval(61)))
        // An owner it was taken from can no longer give it up.
        for owner in 0..<8 { try await coordinator.abandon(job, by: "p\(owner)") }
        #expect(try await !coordinator.claim(job, by: "c", lease: 60, at: now.addingTimeInterval(62)))
        try await coordinator.finish(job, by: "b", at: now.addingTimeInterval(62))
        #expect(try await !coordinator.claim(job, by: "c", lease: 60, at: now.addingTimeInterval(10_000)))
        let other = CoordinationJob.sweep(Day("2026-06-02")!)
        #expect(try await coordinator.claim(other, by: "a", lease: 60, at: now))
        try await coordinator.abandon(other, by: "a")
        #expect(try await coordinator.claim(other, by: "b", lease: 60, at: now))
    }
}
