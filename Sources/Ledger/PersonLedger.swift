/// Where a person stands: the part of the ledger the deferral rules change.
public struct PersonLedger: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Certified and paid.
        case active
        /// Deadline passed without certification: payments stopped until the person certifies.
        case suspended
        /// A death record arrived: payments stopped for good.
        case deceased
    }

    public var status: Status
    public var servicePeriodMonths: Int
    /// The day of the last certification (nil until the first).
    public var lastCertified: Day?
    /// The person must certify by this day.
    public var deadline: Day
    /// The day the payments were suspended, while suspended.
    public var suspendedOn: Day?
    /// The day of death, as the death record gives it.
    public var deathDay: Day?

    /// A person entering the ledger on `enrolled`: active, with a full service period ahead.
    public init(enrolled: Day, servicePeriodMonths: Int) {
        status = .active
        self.servicePeriodMonths = servicePeriodMonths
        lastCertified = nil
        deadline = enrolled.adding(months: servicePeriodMonths)
    }

    public init(
        status: Status, servicePeriodMonths: Int, lastCertified: Day?, deadline: Day, suspendedOn: Day?, deathDay: Day?
    ) {
        self.status = status
        self.servicePeriodMonths = servicePeriodMonths
        self.lastCertified = lastCertified
        self.deadline = deadline
        self.suspendedOn = suspendedOn
        self.deathDay = deathDay
    }
}

/// One change to a person's ledger, with the cause that explains it. Every change is recorded.
public struct LedgerChange: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case certified, resumed, suspended, deceased, conflict, warning, fieldCheck = "field_check", attention
        /// A certification undone: the evidence it rested on was observed after the person's death.
        case voided
        /// The person's details changed (level, amount, community, contact) by an operator.
        case edited
        /// An operator resolved a conflict (the evidence rejected, or the death disputed).
        case resolved
        /// An operator asked for a four-eyes decision (a death reversed, a suspension lifted).
        case requested
        /// A second operator refused a four-eyes request.
        case rejected
        /// A recorded death reversed on a second operator's approval: the person is suspended until
        /// their evidence after the "death" is applied again (it resumes them if it certifies).
        case deathReversed = "death_reversed"
        /// A suspension lifted on a second operator's approval: active again with a short deadline,
        /// the months since the suspension owed as back pay.
        case reinstated
        /// The deadline moved by an operator (in hospital, living abroad), with a reason and a limit.
        case extended
        /// Payment held by an operator (an inquiry), with a reason and an expiry.
        case held
        /// A hold ended (released by an operator, or expired): the months it held are owed.
        case released
        /// The deadline passed while the person's home visit was overdue (the bureau's own delay):
        /// not suspended, payment goes on, until the visit happens or the task closes, at most
        /// `home_help.visit_hold_max_days` (``SweepStep``). Recorded by `rule:visit_overdue`.
        case deadlineHeld = "deadline_held"
        /// A task still open past its due day escalated by the sweep (`home_help`): to the street,
        /// then the district. Recorded by `rule:task_overdue`.
        case escalated
    }

    public var kind: Kind
    public var day: Day
    /// Why, in words: "evidence bureau_counter_confirmation from social_security_bureau", "deadline 2026-05-31 passed".
    public var cause: String
    /// The deadline after the change (for certifications) or the one that triggered it (for sweeps).
    public var deadline: Day?
    /// Months of back pay owed, on resumption: recorded before stored payroll runs (v9); a run now
    /// pays every owed month not yet paid, so new events leave it nil.
    public var backPayMonths: Int?

    /// A death closes the person's open field checks and visits: nobody is to be visited any more.
    public var closesOpenTasks: Bool { kind == .deceased }

    /// A certification closes the person's open field checks, home visits and phone calls (nobody
    /// needs to check any more); a health-attention visit stays open (a certification does not say
    /// how the person is).
    public var closesFieldChecks: Bool { kind == .certified }

    public init(kind: Kind, day: Day, cause: String, deadline: Day? = nil, backPayMonths: Int? = nil) {
        self.kind = kind
        self.day = day
        self.cause = cause
        self.deadline = deadline
        self.backPayMonths = backPayMonths
    }
}
