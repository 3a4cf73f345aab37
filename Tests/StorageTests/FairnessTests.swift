import Foundation
import GRDB
import Ledger
import Testing

@testable import Storage

/// Item 6 of issue 31: the published fairness figures, counted from a real ledger file.
@Suite("Fairness figures")
struct FairnessTests {
    typealias T = LedgerStoreTests
    static let chen = T.residentID("37020219410101003")  // level 3, deadline 2026-06-01 like Wang
    static let zhou = T.residentID("37020219420101004")

    @Test("a month's suspensions: found alive within 90 days, days to restored payment, awaiting back pay; appeals; notices")
    func figures() async throws {
        // Wang (86, living alone) has a home visit, overdue at her deadline: her deadline would be
        // held 60 days (HomeHelpTests). Here every lapsed person is suspended on the day.
        var rules = try LedgerRules.shipped()
        rules.home_help.visit_hold_max_days = 0
        try await T.withLedger(rules: rules) { store in
            let more = """
                resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
                \(Self.chen),Chen Jing,1941-01-01,370202001001,3,3000,13700000000,,0,0
                \(Self.zhou),Zhou Min,1942-01-01,370202001001,3,3000,,,0,0
                """
            #expect(try await store.importPersons(csv: more, today: Day("2025-06-01")!).imported == 2)
            for month in ["2026-03", "2026-04", "2026-05", "2026-06"] { try await T.pay(store, month) }
            for day in ["2026-03-15", "2026-05-10", "2026-06-02"] { _ = try await store.sweep(on: Day(day)!) }
            let june = Month("2026-06")!
            var f = try await store.fairness(unit: "3702", month: june, today: Day("2026-06-03")!)
            #expect(f.suspensions == 3 && f.suspendedFoundAlive == 0 && f.daysToRestoredPayment.count == 0)
            #expect(f.daysToRestoredPayment.median == nil && f.resumedAwaitingPayment == 0)
            // July's run pays none of them. Wang is seen at home 48 days after the suspension: found
            // alive; a supplementary run two days later pays him July, 50 days after the suspension.
            #expect(try await T.pay(store, "2026-07").isEmpty)
            var report = ImportReport()
            try await store.importEvidence(T.evidence(["community_office,V-1,\(T.wang),home_visit,2026-07-20"]), into: &report)
            #expect(report.changes["resumed"] == 1)
            f = try await store.fairness(unit: "3702", month: june, today: Day("2026-07-21")!)
            #expect(f.suspendedFoundAlive == 1 && f.resumedAwaitingPayment == 1 && f.daysToRestoredPayment.count == 0)
            let supplement = try await store.runSupplementaryPayroll(on: Day("2026-07-22")!, by: "clerk a via fc_a")
            #expect(supplement.lines == 1)
            try await T.pay(store, "2026-08")
            // Chen comes back after 135 days: alive, but not within the 90 days the figure counts.
            try await store.importEvidence(T.evidence(["community_office,V-2,\(Self.chen),home_visit,2026-10-15"]), into: &report)
            try await T.pay(store, "2026-11", Self.chen)
            f = try await store.fairness(unit: "3702", month: june, today: Day("2026-11-02")!)
            #expect(f.suspensions == 3 && f.suspendedFoundAlive == 1 && f.resumedAwaitingPayment == 0)
            // Days: Wang 2026-06-02 -> 2026-07-22 (50, the supplementary run), Chen -> 2026-11-01 (152); nearest rank.
            #expect(f.daysToRestoredPayment == Fairness.Distribution([50, 152]))
            #expect(f.daysToRestoredPayment.median == 50 && f.daysToRestoredPayment.p95 == 152)
            // The same from the community (the subtree), nothing in another month.
            #expect(try await store.fairness(unit: "370202001001", month: june, today: Day("2026-11-02")!) == f)
            let july = try await store.fairness(unit: "3702", month: Month("2026-07")!, today: Day("2026-11-02")!)
            #expect(july.suspensions == 0 && july.appeals == .init())

            // Notices by channel and state: the reminders of March (Wang has WeChat, and gets her home
            // visit's code there too; Chen a phone; Zhou neither: his community's staff read it out).
            let march = try await store.fairness(unit: "3702", month: Month("2026-03")!, today: Day("2026-11-02")!)
            #expect(
                march.notices["wechat"]?.pending == 2 && march.notices["sms"]?.pending == 1 && march.notices["community"]?.pending == 1,
                "\(march.notices)")
            try await store.database.writer.write { db in
                try db.execute(
                    sql:
                        "UPDATE outbox SET state = 'delivered', sent_at = '2026-03-15T09:00:00Z' WHERE channel = 'wechat' AND created_on < '2026-04'"
                )
                try db.execute(sql: "UPDATE outbox SET state = 'dead' WHERE channel = 'sms' AND created_on < '2026-04'")
            }
            let sent = try await store.fairness(unit: "3702", month: Month("2026-03")!, today: Day("2026-11-02")!).notices
            #expect(sent["wechat"] == .init(delivered: 2) && sent["sms"] == .init(failed: 1) && sent["community"] == .init(pending: 1))

            // Appeals by the month filed: upheld, overdue (open past due, or decided after it).
            try await store.database.writer.write { db in
                for (person, status, due, resolved) in [
                    (T.wang, "upheld", "2026-06-10", "2026-06-09"), (Self.chen, "rejected", "2026-06-10", "2026-06-12"),
                    (Self.zhou, "open", "2026-06-10", nil),
                ] {
                    try db.execute(
                        sql: """
                            INSERT INTO appeal (person_id, unit_code, subject, filed_by_role, filed_by, grounds, filed_on, due_on, status,
                              resolved_on) VALUES (?, '370202001001', 'suspension', 'pensioner', 'test', 'alive', '2026-06-03', ?, ?, ?)
                            """, arguments: [person, due, status, resolved])
                }
            }
            let before = try await store.fairness(unit: "3702", month: june, today: Day("2026-06-10")!).appeals
            #expect(before == .init(filed: 3, upheld: 1, overdue: 1), "Chen's was decided late; Zhou's is not yet past due")
            let after = try await store.fairness(unit: "370202", month: june, today: Day("2026-06-11")!).appeals
            #expect(after == .init(filed: 3, upheld: 1, overdue: 2))
            await #expect(throws: LedgerError.self) { try await store.fairness(unit: "9999", month: june, today: Day("2026-06-11")!) }
        }
    }

    @Test("the median and p95 are nearest-rank: the smallest value with that share of the values at or below it")
    func percentiles() {
        #expect(Fairness.Distribution([]).median == nil)
        #expect(Fairness.Distribution([7]).median == 7 && Fairness.Distribution([7]).p95 == 7)
        let hundred = Fairness.Distribution(Array((1...100).reversed()))
        #expect(hundred.count == 100 && hundred.median == 50 && hundred.p95 == 95)
        #expect(Fairness.Distribution([3, 1, 2]).median == 2 && Fairness.Distribution([3, 1, 2]).p95 == 3)
    }
}
