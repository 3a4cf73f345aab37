extension Payroll {
    /// The stored runs as a new run's precondition reads them.
    public struct RunHistory: Sendable, Equatable {
        /// The first stored run's month: the epoch from which months are owed.
        public var first: Month?
        /// The latest stored run's month.
        public var latest: Month?
        /// The stored run of the month asked for, if any.
        public var sameMonth: StoredRun?

        /// A stored run: the day it read the ledger and who ran it.
        public struct StoredRun: Sendable, Equatable {
            public var runOn: Day
            public var actor: String

            public init(runOn: Day, actor: String) {
                self.runOn = runOn
                self.actor = actor
            }
        }

        public init(first: Month?, latest: Month?, sameMonth: StoredRun?) {
            self.first = first
            self.latest = latest
            self.sameMonth = sameMonth
        }
    }

    /// Whether the payroll of `month` may be run on `day`, after the stored runs of `history`:
    /// never twice (a month a run missed is paid as back pay by the next one), not before the
    /// month begins (payroll pays on its first day), not for a month before last (at most a month
    /// late), and not behind the latest run (runs go
    /// forward; what an earlier month still owes is back pay). Returns the epoch, the first
    /// month owed (the first stored run's, or this one's for the first run); throws the refusal.
    public static func admit(run month: Month, on day: Day, after history: RunHistory) throws(LedgerError) -> Month {
        if let done = history.sameMonth {
            throw LedgerError(
                .payrollRunExists,
                "the payroll of \(month) was run on \(done.runOn) by \(done.actor); a run is never repeated: a month it missed is paid as back pay by the next run"
            )
        }
        guard day >= month.firstDay else {
            throw LedgerError(.payrollMonth, "the payroll of \(month) can be run from \(month.firstDay) (today is \(day))")
        }
        // A run is at most a month late: an older month is never a run of its own (a first run
        // dated years back would make every month since owed), only back pay of the next run.
        let previous = Month(Month(day).firstDay.adding(months: -1))
        guard month >= previous else {
            throw LedgerError(
                .payrollMonth,
                "the payroll of \(month) is past: a run pays this month (\(Month(day))) or the last (\(previous)); what earlier months owe is back pay"
            )
        }
        if let latest = history.latest, month < latest {
            throw LedgerError(
                .payrollMonth,
                "runs go forward: the latest is \(latest); what \(month) still owes anyone is paid as back pay by the next run")
        }
        return history.first ?? month
    }
}
