import Foundation

/// The service's today: the one clock sweeps, payroll runs, task outcomes and decisions are
/// checked against (none may be dated after it).
///
/// Tests move it, never an operator: ``testToday`` is a task-local value only code can set, and
/// `FASTCERT_TEST_TODAY=YYYY-MM-DD` in the environment is read by debug builds only (what `swift
/// test` runs the binary as). A release build, the one a bureau runs, ignores it.
public enum ServiceClock {
    /// A test's today, for the tasks it runs.
    @TaskLocal public static var testToday: Day?

    /// The environment variable a debug build's test clock is read from.
    public static let testVariable = "FASTCERT_TEST_TODAY"

    /// Today, by this machine's clock (or a test's).
    public static func today() -> Day {
        if let testToday { return testToday }
        #if DEBUG
            if let text = ProcessInfo.processInfo.environment[testVariable], let day = Day(text) { return day }
        #endif
        return Day(Date())
    }

    /// Refuses a day after today (`future_day`): `what` names it for the message (`--as-of`, "the sweep").
    public static func checkNotFuture(_ day: Day, _ what: String, today: Day = ServiceClock.today()) throws(LedgerError) {
        guard day <= today else {
            throw LedgerError(
                .futureDay, "\(what) \(day) is after today (\(today)): nothing is decided, swept, paid or visited in the future")
        }
    }
}
