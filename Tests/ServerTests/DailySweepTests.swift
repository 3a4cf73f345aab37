import Foundation
import Ledger
import Logging
import Storage
import Testing

@testable import Server

/// The service sweeps the ledger itself: each day once, from the configured hour, catching up
/// after downtime, whatever the number of processes on the database.
@Suite("Daily sweep")
struct DailySweepTests {
    /// 2026-12-02 at `hour`:30 Beijing time.
    static func beijing(_ day: String, hour: Int) -> Date {
        let midnight = Double(Day(day)!.daysSinceEpoch * 86_400 - Day.zoneOffsetSeconds)
        return Date(timeIntervalSince1970: midnight + Double(hour * 3600 + 1800))
    }

    @Test("due days: none before the hour, today after it, the missed days oldest first, at most 31")
    func dueDays() {
        let noon = Self.beijing("2026-12-02", hour: 12), early = Self.beijing("2026-12-02", hour: 0)
        #expect(DailySweep.dueDays(now: early, hour: 1, lastSwept: nil) == [])
        #expect(DailySweep.dueDays(now: noon, hour: 1, lastSwept: nil) == [Day("2026-12-02")!])
        #expect(DailySweep.dueDays(now: noon, hour: 1, lastSwept: Day("2026-12-02")) == [])
        #expect(
            DailySweep.dueDays(now: noon, hour: 1, lastSwept: Day("2026-11-29")).map(\.description) == [
                "2026-11-30", "2026-12-01", "2026-12-02",
            ])
        #expect(DailySweep.dueDays(now: early, hour: 1, lastSwept: Day("2026-11-29")).map(\.description) == ["2026-11-30", "2026-12-01"])
        #expect(DailySweep.dueDays(now: noon, hour: 1, lastSwept: Day("2025-01-01")).count == 31)
    }

    @Test("two processes on one database: each day is swept exactly once; a lapsed person is suspended without a cron")
    func exactlyOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fastcert-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appending(path: "ledger.sqlite").path
        let store = LedgerStore(database: try AppDatabase(path: path), rules: try LedgerRules.shipped())
        _ = try await store.importUnits(csv: ServiceFixture.units)
        _ = try await store.importPersons(csv: ServiceFixture.persons, today: Day("2025-06-01")!)
        do {
            let other = LedgerStore(database: try AppDatabase(path: path), rules: try LedgerRules.shipped())
            let logger = Logger(label: "test")
            // Wang's deadline was 2026-06-01; nobody ran a sweep since.
            let clock: @Sendable () -> Date = { Self.beijing("2026-12-02", hour: 3) }
            async let first = DailySweep(
                daily: store, coordinator: SQLiteCoordinator(ledger: store), hour: 1, logger: logger, now: clock
            ).sweepDueDays()
            async let second = DailySweep(
                daily: other, coordinator: SQLiteCoordinator(ledger: other), hour: 1, logger: logger, now: clock
            ).sweepDueDays()
            let (mine, theirs) = try await (first, second)
            // The day was claimed before the sweep started: one sweeper did the work, the other skipped it.
            #expect(mine.count + theirs.count == 1, "swept by both: \(mine) and \(theirs)")
            let wang = try #require(try await store.person(ResidentID(ServiceFixture.personA)))
            #expect(wang.ledger.status == .suspended && wang.ledger.suspendedOn == Day("2026-12-02"))
            #expect(wang.timeline.filter { $0.kind == "suspended" }.count == 1)
            #expect(try await store.database.count("SELECT count(*) FROM sweep_run") == 1)
            #expect(try await store.sweepIfDue(on: Day("2026-12-02")!, by: "serve") == nil)
            // A day claimed by another process (still sweeping, or dead within its lease) holds the
            // days after it back: they are not swept before it, or it would never be.
            let later: @Sendable () -> Date = { Self.beijing("2026-12-04", hour: 5) }
            let held = SQLiteCoordinator(ledger: other)
            #expect(try await held.claim(.sweep(Day("2026-12-03")!), by: "a process that died", lease: 60, at: later()))
            let waiting = try await DailySweep(
                daily: other, coordinator: SQLiteCoordinator(ledger: other), hour: 1, logger: logger, now: later
            )
            .sweepDueDays()
            #expect(waiting.isEmpty)
            #expect(try await store.lastSweptDay() == Day("2026-12-02"))
            try await held.abandon(.sweep(Day("2026-12-03")!), by: "a process that died")
            // The next day, after downtime of two days: both missed days are swept, once.
            try await DailySweep(daily: other, coordinator: SQLiteCoordinator(ledger: other), hour: 1, logger: logger, now: later)
                .sweepDueDays()
            #expect(try await store.lastSweptDay() == Day("2026-12-04"))
            #expect(try await store.database.count("SELECT count(*) FROM sweep_run") == 3)
        }
    }
}
