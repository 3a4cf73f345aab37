/// What happened to the people at the other end, for a unit's subtree and a month, published so
/// that a bureau (and anyone it answers to) sees how many living people it cut off and how long it
/// took to pay them again (`fastcert stats`, `GET /v1/stats`, the console's overview, and the
/// simulator for its city). Counted live from the ledger, the appeals and the outbox: a month's
/// figures keep changing for 90 days after it (a suspension of that month found alive later).
///
/// The JSON keys dashboards rely on: `suspended_found_alive`, `days_to_restored_payment`
/// (`median`, `p95`), `appeals` (`filed`, `upheld`, `overdue`), `notices` (per channel:
/// `delivered`, `failed`).
public struct Fairness: Sendable, Equatable {
    /// A suspension counts as one of a person later found alive when the person was resumed (by
    /// their own evidence, a face scan, an appeal upheld or an operator's reinstatement) within
    /// this many days of it.
    public static let foundAliveWithinDays = 90

    /// Suspensions (`suspended` ledger events) in the month.
    public var suspensions: Int
    /// Of them, those whose person was resumed within ``foundAliveWithinDays``.
    public var suspendedFoundAlive: Int
    /// Days from each suspension of the month to the payroll run that paid the person again, over
    /// the suspensions whose person was resumed and paid (whenever).
    public var daysToRestoredPayment: Distribution
    /// Resumed after a suspension of the month, not yet paid by any payroll run.
    public var resumedAwaitingPayment: Int
    /// Appeals filed in the month.
    public var appeals: Appeals
    /// Notices queued in the month, by channel.
    public var notices: [String: Notices]

    public struct Distribution: Sendable, Equatable, Encodable {
        /// How many values; nil median and p95 when none.
        public var count: Int
        public var median: Int?
        public var p95: Int?

        /// The median and 95th percentile (nearest rank) of `values`.
        public init(_ values: [Int]) {
            let sorted = values.sorted()
            count = sorted.count
            median = Self.rank(sorted, 0.5)
            p95 = Self.rank(sorted, 0.95)
        }

        /// The nearest-rank percentile `p` of ascending `sorted`: the smallest value with at least
        /// `p` of the values at or below it.
        static func rank(_ sorted: [Int], _ p: Double) -> Int? {
            guard !sorted.isEmpty else { return nil }
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
    }

    public struct Appeals: Sendable, Equatable, Encodable {
        public var filed: Int
        /// Decided in the appellant's favour.
        public var upheld: Int
        /// Open past their due day, or decided after it.
        public var overdue: Int

        public init(filed: Int = 0, upheld: Int = 0, overdue: Int = 0) {
            self.filed = filed
            self.upheld = upheld
            self.overdue = overdue
        }
    }

    public struct Notices: Sendable, Equatable, Encodable {
        public var delivered: Int
        /// Given up on (dead-lettered: the tries ran out, or the gateway refused the recipient).
        public var failed: Int
        /// Not delivered yet (waiting, being sent, or failed once and to be retried).
        public var pending: Int

        public init(delivered: Int = 0, failed: Int = 0, pending: Int = 0) {
            self.delivered = delivered
            self.failed = failed
            self.pending = pending
        }
    }

    public init(
        suspensions: Int = 0, suspendedFoundAlive: Int = 0, daysToRestoredPayment: Distribution = Distribution([]),
        resumedAwaitingPayment: Int = 0, appeals: Appeals = Appeals(), notices: [String: Notices] = [:]
    ) {
        self.suspensions = suspensions
        self.suspendedFoundAlive = suspendedFoundAlive
        self.daysToRestoredPayment = daysToRestoredPayment
        self.resumedAwaitingPayment = resumedAwaitingPayment
        self.appeals = appeals
        self.notices = notices
    }

    /// One suspension's story: the day it began, the day the person was resumed (if they were),
    /// and the day a payroll run first paid them after it (if one has).
    public struct Suspension: Sendable, Equatable {
        public var suspended: Day
        public var resumed: Day?
        public var paid: Day?

        public init(suspended: Day, resumed: Day?, paid: Day?) {
            self.suspended = suspended
            self.resumed = resumed
            self.paid = paid
        }
    }

    /// The suspension figures from each suspension's story (the store and the simulator alike).
    public init(suspensions stories: [Suspension], appeals: Appeals = Appeals(), notices: [String: Notices] = [:]) {
        self.init(
            suspensions: stories.count,
            suspendedFoundAlive: stories.count {
                guard let resumed = $0.resumed else { return false }
                return $0.suspended.days(to: resumed) <= Self.foundAliveWithinDays
            },
            daysToRestoredPayment: Distribution(stories.compactMap { story in story.paid.map { story.suspended.days(to: $0) } }),
            resumedAwaitingPayment: stories.count { $0.resumed != nil && $0.paid == nil }, appeals: appeals, notices: notices)
    }
}
