import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// The daily sweep, run by the service itself (no cron): from `hour` (Beijing time) each day it
/// sweeps that day, and at start it catches up the days missed while nothing ran (up to
/// `maxCatchUpDays`, oldest first, so suspensions carry the day they fell due). Each day is swept
/// once, whatever the number of processes on the ledger: a process claims the day through the
/// ``Coordinator`` before it starts (another process skips it rather than doing the work again;
/// a claim whose process died is taken over when its lease ends), and the store records the day
/// in the sweep's own transaction besides. After today's sweep it prunes what the retention no
/// longer keeps.
struct DailySweep: Service {
    let daily: any DailyWorkStore
    let coordinator: any Coordinator
    let hour: Int
    let logger: Logger
    /// What is pruned after each day's sweep (nil: nothing; `fastcert db prune` does it by hand).
    var retention: Retention?
    var now: @Sendable () -> Date = { Date() }
    var checkEvery: Duration = .seconds(600)
    static let maxCatchUpDays = 31
    /// How long a claim of a day holds before another process may take it over (its owner died):
    /// far above the worst sweep measured (a whole city lapsing on one day: about a minute), short
    /// enough that a day claimed by a process that died is swept within the half hour.
    var claimLeaseSeconds = 1800
    /// Who claims: this sweeper, by host, pid and a token of its own.
    var owner =
        "serve \(ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier) \(Data.randomHex(bytes: 4))"

    func run() async throws {
        // Stops at the group's graceful shutdown (or cancellation), between two checks.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await sweepDueDays()
                } catch {
                    logger.error("daily sweep failed; it is retried", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: checkEvery)
            }
        }
    }

    /// The days to sweep now: none before `hour`; else every day after the last one swept, up
    /// to today (at most ``maxCatchUpDays``), or today alone on a ledger never swept.
    static func dueDays(now: Date, hour: Int, lastSwept: Day?) -> [Day] {
        let today = Day(now)
        let secondsIntoDay = (Int(now.timeIntervalSince1970) + Day.zoneOffsetSeconds) % 86_400
        let last = secondsIntoDay >= hour * 3600 ? today : today.adding(days: -1)
        guard let lastSwept else { return secondsIntoDay >= hour * 3600 ? [today] : [] }
        let first = max(lastSwept.adding(days: 1), last.adding(days: -(maxCatchUpDays - 1)))
        guard first <= last else { return [] }
        return (0...first.days(to: last)).map { first.adding(days: $0) }
    }

    /// Sweeps the due days, oldest first; returns those this process claimed and swept. A day another process
    /// has claimed ends the round (the days after it wait for it: the last day swept is where the
    /// next round starts, so a later day swept first would leave this one unswept for good).
    @discardableResult
    func sweepDueDays() async throws -> [Day] {
        var swept: [Day] = []
        for day in Self.dueDays(now: now(), hour: hour, lastSwept: try await daily.lastSweptDay()) {
            let job = CoordinationJob.sweep(day)
            guard try await coordinator.claim(job, by: owner, lease: claimLeaseSeconds, at: now()) else {
                logger.info("daily sweep claimed by another process; the next check goes on", metadata: ["day": "\(day)"])
                break
            }
            let report: SweepReport?
            do {
                report = try await daily.sweepIfDue(on: day, by: "serve", batch: 20_000)
            } catch {
                // Given up in a task of its own: a shutdown cancels this one, and the claim must not
                // wait out its lease.
                let (coordinator, owner) = (coordinator, owner)
                Task.detached { try? await coordinator.abandon(job, by: owner) }
                throw error
            }
            try await coordinator.finish(job, by: owner, at: now())
            swept.append(day)
            guard let report else { continue }
            logger.info(
                "daily sweep", metadata: ["day": "\(day)", "examined": "\(report.examined)", "changes": "\(report.changes)"])
            if let finding = report.audit?.finding {
                // Also an alert of kind `tampering` (the store records the check).
                logger.error(
                    "the audit chain does not verify",
                    metadata: [
                        "day": "\(day)", "table": "\(finding.table)", "row": "\(finding.key)", "problem": "\(finding.problem.rawValue)",
                    ])
            }
            if let retention, day == Self.dueDays(now: now(), hour: hour, lastSwept: nil).last {
                let pruned = try await daily.prune(retention, now: now(), batch: 5_000)
                logger.info(
                    "daily prune",
                    metadata: [
                        "sessions": "\(pruned.sessions)", "frames": "\(pruned.frames)",
                        "idempotent_responses": "\(pruned.idempotentResponses)", "nonces": "\(pruned.nonces)",
                        "payloads": "\(pruned.payloads)", "attempts": "\(pruned.attempts)", "notices": "\(pruned.notices)",
                        "templates": "\(pruned.templates)",
                    ])
            }
        }
        return swept
    }
}
