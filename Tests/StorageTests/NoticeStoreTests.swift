import Foundation
import Ledger
import Storage
import Testing

/// Notices as the ledger queues them (on a real SQLite file): in the person's language, with
/// their community's kiosk sites and office phone; a suspension notice and a resumption receipt
/// once per event; a community notice for a person with no channel; and the outbox's claims.
@Suite("Notices in the ledger")
struct NoticeStoreTests {
    typealias Fixture = LedgerStoreTests
    static let zhao = Fixture.residentID("37020219410101003")

    static let units = """
        code,name,level,parent_code,kiosk_sites,office_phone
        3702,Qingdao,city,,,
        370202,市南区,district,3702,,0532-12345
        370202001,八大关街道,street,370202,,
        370202001001,太平社区,community,370202001,太平社区服务中心; 八大关便民站,0532-82861234
        370202001002,金门社区,community,370202001,,
        """

    static let persons = """
        resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile,language
        \(Fixture.wang),王芳,1940-03-15,370202001001,3,3200.50,13800000000,wf1940,1,0,
        \(Fixture.li),Li Wei,1950-07-20,370202001001,1,4100,13900000000,,0,0,en
        \(zhao),赵强,1941-01-01,370202001002,3,2800,,,0,1,zh
        """

    static func withLedger(_ body: (LedgerStore) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-notices-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = LedgerStore(
            database: try AppDatabase(path: folder.appending(path: "ledger.sqlite").path), rules: try LedgerRules.shipped())
        let units = try await store.importUnits(csv: units)
        #expect(units.imported == 5 && units.problems.isEmpty, "\(units.problems)")
        let persons = try await store.importPersons(csv: persons, today: Day("2025-06-01")!)
        #expect(persons.imported == 3 && persons.problems.isEmpty, "\(persons.problems)")
        try await body(store)
    }

    static func notices(_ store: LedgerStore, _ person: String) async throws -> [OutboxMessage] {
        try await store.outbox(includeSent: true).filter { $0.personID == person }
    }

    @Test("units and persons import the new optional columns; bad ones are refused by line; a re-import sets a unit's sites")
    func importColumns() async throws {
        try await Self.withLedger { store in
            let bad = """
                code,name,level,parent_code,kiosk_sites,office_phone
                370202001003,X,community,370202001,,call us maybe
                370202001004,Y,community,370202001,,0532-8286123456789
                370202001002,金门社区,community,370202001,金门社区服务站,
                """
            let report = try await store.importUnits(csv: bad)
            #expect(report.problems.map(\.line) == [2, 3], "\(report.problems)")
            #expect(report.problems.allSatisfy { $0.reason.contains("office_phone") })
            let person = """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile,language
                \(Fixture.residentID("37020219600101005")),X,1960-01-01,370202001001,2,3000,,,0,0,fr
                """
            let refused = try await store.importPersons(csv: person, today: Day("2025-06-01")!)
            #expect(refused.imported == 0 && refused.problems.first?.reason.contains("language 'fr'") == true, "\(refused.problems)")
            // 金门社区 now has a site: Zhao's reminder names it.
            _ = try await store.sweep(on: Day("2026-03-15")!)
            let zhao = try #require(try await Self.notices(store, Self.zhao).first)
            #expect(zhao.message.contains("金门社区服务站") && zhao.message.contains("0532-12345"), "\(zhao.message)")
        }
    }

    @Test(
        "the reminder in the person's language, with the deadline, the community's sites and office phone; no channel: a community notice"
    )
    func reminders() async throws {
        try await Self.withLedger { store in
            _ = try await store.sweep(on: Day("2026-03-15")!)
            _ = try await store.sweep(on: Day("2026-03-15")!)
            // Wang (86, living alone) also gets her home visit's code (HomeHelpTests).
            let wang = try await Self.notices(store, Fixture.wang).filter { $0.kind != "visit_code" }
            try #require(wang.count == 1)
            #expect(wang[0].kind == "reminder" && wang[0].channel == "wechat" && wang[0].language == "zh" && wang[0].state == "pending")
            for part in ["2026年6月1日", "太平社区服务中心、八大关便民站", "太平社区办公室0532-82861234", "暂停发放", "补发"] {
                #expect(wang[0].message.contains(part), "\(part) in \(wang[0].message)")
            }
            #expect(!wang[0].message.contains("王芳") && !wang[0].message.contains(Fixture.wang), "no name, no resident ID")
            // Zhao has neither WeChat nor a phone: the notice goes to his community's staff, with the
            // district's phone (his community has none) and the fallback for the sites.
            let zhao = try await Self.notices(store, Self.zhao).filter { $0.kind != "visit_code" }
            try #require(zhao.count == 1)
            #expect(zhao[0].channel == "community" && zhao[0].recipient == "370202001002", "\(zhao[0])")
            #expect(zhao[0].message.contains("0532-12345") && zhao[0].message.contains("金门社区办公室"), "\(zhao[0].message)")
            #expect(Set(try await store.outbox(unit: "370202001002").map(\.personID)) == [Self.zhao], "on the community's list")
            // Li reads English, by SMS (no WeChat): a year later, within one SMS.
            _ = try await store.sweep(on: Day("2027-03-15")!)
            let li = try #require(try await Self.notices(store, Fixture.li).first)
            #expect(li.channel == "sms" && li.language == "en" && li.message.contains("1 Jun 2027"), "\(li.message)")
            #expect(SMSLength.isGSM(li.message) && li.message.count <= 160)
        }
    }

    @Test(
        "suspension: one notice per suspension, the cause in plain words; resumption by evidence: a receipt with its label and the months")
    func suspensionAndResumption() async throws {
        try await Self.withLedger { store in
            _ = try await store.sweep(on: Day("2026-06-02")!)
            _ = try await store.sweep(on: Day("2026-06-03")!)
            let suspension = try await Self.notices(store, Fixture.wang).filter { $0.kind == "suspension" }
            try #require(suspension.count == 1)
            #expect(suspension[0].message.contains("逾期未认证") && suspension[0].message.contains("2026年6月2日"), "\(suspension[0].message)")
            #expect(suspension[0].message.contains("停发的每个月都会补发") && suspension[0].message.contains("太平社区服务中心"))
            #expect(try await Self.notices(store, Self.zhao).contains { $0.kind == "suspension" && $0.channel == "community" })
            var report = ImportReport()
            try await store.importEvidence(
                Fixture.evidence(["social_security_bureau,S-9,\(Fixture.wang),bureau_counter_confirmation,2026-08-10"]),
                delivery: .staging(by: "cli:clerk", receivedOn: Day("2026-08-10")!), into: &report)
            #expect(report.changes["resumed"] == 1, "\(report)")
            let receipt = try #require(try await Self.notices(store, Fixture.wang).first { $0.kind == "resumption" })
            // Suspended on 2026-06-02 (June was paid), resumed 2026-08-10: July and August are owed.
            for part in ["社保窗口当面认证", "2026年8月10日", "2个月", "2026年7月"] {
                #expect(receipt.message.contains(part), "\(part) in \(receipt.message)")
            }
            // The same evidence again changes nothing, and queues nothing.
            try await store.importEvidence(
                Fixture.evidence(["social_security_bureau,S-9,\(Fixture.wang),bureau_counter_confirmation,2026-08-10"]),
                delivery: .staging(by: "cli:clerk", receivedOn: Day("2026-08-10")!), into: &report)
            #expect(try await Self.notices(store, Fixture.wang).filter { $0.kind == "resumption" }.count == 1)
        }
    }

    @Test("a reinstatement by four eyes: a receipt naming it, the months to be paid; once")
    func reinstatement() async throws {
        try await Self.withLedger { store in
            _ = try await store.sweep(on: Day("2026-06-02")!)
            let request = try await store.request(
                .reinstate, person: Fixture.wang, reason: "discharge letter", by: "clerk a via fc_a", on: Day("2026-08-03")!)
            _ = try await store.approve(request.id, reason: nil, by: "clerk b via fc_b", on: Day("2026-08-05")!)
            let receipts = try await Self.notices(store, Fixture.wang).filter { $0.kind == "resumption" }
            try #require(receipts.count == 1)
            for part in ["社保部门复核恢复", "2026年8月5日", "2个月", "2026年7月"] {
                #expect(receipts[0].message.contains(part), "\(part) in \(receipts[0].message)")
            }
        }
    }

    @Test("a death record tells nobody through the outbox (no message to a dead person's phone)")
    func death() async throws {
        try await Self.withLedger { store in
            var report = ImportReport()
            try await store.importEvidence(
                Fixture.evidence(["health_commission,D-1,\(Fixture.wang),hospital_death_certificate,2026-02-20"]),
                delivery: .staging(by: "cli:clerk", receivedOn: Day("2026-03-01")!), into: &report)
            #expect(report.changes["deceased"] == 1, "\(report)")
            _ = try await store.sweep(on: Day("2026-06-02")!)
            #expect(try await Self.notices(store, Fixture.wang).isEmpty)
        }
    }

    @Test(
        "claims: one sender holds a notice until its lease ends; another then takes it over; a claim's outcome is its own; the last try dies"
    )
    func claims() async throws {
        try await Self.withLedger { store in
            _ = try await store.sweep(on: Day("2026-03-15")!)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let first = try await store.claimOutbox(by: "a", limit: 10, lease: 60, maxAttempts: 2, now: start)
            // Wang's reminder and her home visit's code; the community notice is not the gateway's.
            #expect(first.count == 2 && first.allSatisfy { $0.channel == "wechat" && $0.attempts == 1 }, "\(first)")
            #expect(try await store.claimOutbox(by: "b", limit: 10, lease: 60, maxAttempts: 2, now: start.addingTimeInterval(30)).isEmpty)
            #expect(try await store.finishDelivery(first[0].id, by: "b", outcome: .delivered(gatewayID: "x"), now: start) == false)
            // a hangs: past its lease, b takes the notice over; a's late outcome is not recorded.
            let second = try await store.claimOutbox(by: "b", limit: 10, lease: 60, maxAttempts: 2, now: start.addingTimeInterval(61))
            #expect(second.map(\.id) == first.map(\.id) && second[0].attempts == 2)
            #expect(try await store.finishDelivery(first[0].id, by: "a", outcome: .delivered(gatewayID: "late"), now: start) == false)
            // b stops during the last try: the notice is dead, not sent a third time.
            #expect(try await store.claimOutbox(by: "c", limit: 10, lease: 60, maxAttempts: 2, now: start.addingTimeInterval(200)).isEmpty)
            let dead = try #require(try await store.outbox(includeSent: true).first { $0.id == first[0].id })
            #expect(dead.state == "dead" && dead.lastError?.contains("stopped during its last try") == true, "\(dead)")
            // Marked sent by hand (it reached the person another way): delivered.
            #expect(try await store.markSent([dead.id]) == [])
            #expect(try await store.outbox(includeSent: true).first { $0.id == dead.id }?.state == "delivered")
        }
    }
}
