import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Storage
import TestSupport
import Testing

@testable import Server

/// The overview's figures in one request, from the stored monthly figures, and the lane heavy
/// reads wait in.
@Suite("Stats routes and the heavy-read lane")
struct StatsRouteTests {
    @Test("one request gives the unit's twelve months and its children's month, the figures /v1/stats gives one by one")
    func seriesInOneRequest() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let op = fixture.key(.operator)
            _ = try await fixture.store.ledger.sweep(on: Day("2026-05-15")!)
            let answer = try await client.execute(uri: "/v1/stats/series?month=2026-05&months=12", method: .get, headers: Call.headers(op))
            #expect(answer.status == .ok)
            let body = Call.body(answer)
            let series = try #require(body["series"] as? [[String: Any]])
            #expect(series.map { $0["month"] as? String } == (0..<12).map { Month(Day("2025-06-01")!.adding(months: $0)).description })
            for figures in series {
                let month = try #require(figures["month"] as? String)
                let one = Call.body(try await client.execute(uri: "/v1/stats?month=\(month)", method: .get, headers: Call.headers(op)))
                for field in ["persons", "field_checks", "suspensions", "silent_share", "reminded_share", "strong_share"] {
                    #expect("\(one[field] ?? "none")" == "\(figures[field] ?? "none")", "\(month) \(field)")
                }
                #expect(figures["stale"] as? Bool == false && figures["computed_at"] is String)
            }
            #expect(series.last?["field_checks"] as? Int == 1)
            let units = Call.body(try await client.execute(uri: "/v1/units", method: .get, headers: Call.headers(op)))
            let unit = try #require(body["unit"] as? String)
            let children = try #require(units["units"] as? [[String: Any]]).filter { $0["parent_code"] as? String == unit }
            let below = try #require(body["children"] as? [[String: Any]])
            #expect(below.map { $0["unit"] as? String } == children.map { $0["code"] as? String })
            #expect(below.allSatisfy { $0["month"] as? String == "2026-05" })
            let future = try await client.execute(uri: "/v1/stats/series?month=2999-01", method: .get, headers: Call.headers(op))
            #expect(future.status == .unprocessableContent && Call.errorCode(future) == "invalid_query")
            let tooMany = try await client.execute(uri: "/v1/stats/series?months=500", method: .get, headers: Call.headers(op))
            #expect(tooMany.status == .unprocessableContent)
            let kiosk = try await client.execute(uri: "/v1/stats/series", method: .get, headers: Call.headers(fixture.key(.kiosk)))
            #expect(kiosk.status == .forbidden)
        }
    }

    @Test("/v1/stats carries the month's fairness figures under the keys dashboards rely on, as the store counts them; a series does not")
    func fairnessKeys() async throws {
        try await ServiceFixture.with(enrollA: false) { fixture, client in
            let op = fixture.key(.operator)
            // The fixture's persons lapse on 2026-06-01; Wang's overdue home visit holds her deadline
            // 60 days, and she is suspended on 2026-08-01.
            for day in ["2026-03-15", "2026-05-10", "2026-06-02", "2026-08-01"] { _ = try await fixture.store.ledger.sweep(on: Day(day)!) }
            let june = Call.body(try await client.execute(uri: "/v1/stats?month=2026-08", method: .get, headers: Call.headers(op)))
            let unit = try #require(june["unit"] as? String)
            let counted = try await fixture.store.ledger.fairness(unit: unit, month: Month("2026-08")!, today: ServiceClock.today())
            #expect(counted.suspensions > 0, "\(counted)")
            #expect(june["suspended_found_alive"] as? Int == counted.suspendedFoundAlive)
            #expect((june["days_to_restored_payment"] as? [String: Any])?["count"] as? Int == counted.daysToRestoredPayment.count)
            #expect(june["resumed_awaiting_payment"] as? Int == counted.resumedAwaitingPayment)
            let appeals = try #require(june["appeals"] as? [String: Any])
            #expect(Set(appeals.keys) == ["filed", "upheld", "overdue"])
            let march = Call.body(try await client.execute(uri: "/v1/stats?month=2026-03", method: .get, headers: Call.headers(op)))
            let notices = try #require(march["notices"] as? [String: [String: Any]])
            #expect(!notices.isEmpty && notices.values.allSatisfy { Set($0.keys) == ["delivered", "failed", "pending"] }, "\(notices)")
            let series = Call.body(
                try await client.execute(uri: "/v1/stats/series?month=2026-06&months=1", method: .get, headers: Call.headers(op)))
            #expect((series["series"] as? [[String: Any]])?.first?["suspended_found_alive"] == nil)
        }
    }

    /// A body that waits until the test lets it go.
    actor Gate {
        var open = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var inside = 0
        var most = 0
        func pass() async {
            inside += 1
            most = max(most, inside)
            if !open { await withCheckedContinuation { waiters.append($0) } }
            inside -= 1
        }
        func release() {
            open = true
            waiters.forEach { $0.resume() }
            waiters = []
        }
        func count() -> Int { inside }
    }

    @Test("the lane runs at most its width at once, queues at most its queue, and refuses the rest at once with 503 heavy_reads_busy")
    func laneBounds() async throws {
        let lane = HeavyLane(width: 2, queue: 3)
        let gate = Gate()
        let runs = (0..<5).map { _ in Task { try await lane.run { await gate.pass() } } }
        while await gate.count() < 2 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))  // the other three are queued
        let clock = ContinuousClock(), start = clock.now
        await #expect(throws: APIError.self) { try await lane.run {} }
        do {
            try await lane.run {}
        } catch let error as APIError {
            #expect(error.code == "heavy_reads_busy" && error.status == .serviceUnavailable && error.headers[.retryAfter] == "2")
        }
        #expect(clock.now - start < .milliseconds(500), "refused at once, not after a wait")
        #expect(await gate.count() == 2)
        await gate.release()
        for run in runs { try await run.value }
        #expect(await gate.most == 2)
        try await lane.run {}  // free again
    }
}
