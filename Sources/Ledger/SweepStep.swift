/// The daily sweep's step for one person, as one pure function: what the sweep knows of the person
/// goes in (``SweepStep/Subject``), what must change comes out (``SweepStep/Effects``). The SQLite
/// store and the simulator's in-memory ledger both call it and only apply its effects, so the two
/// cannot drift apart on what a warning, a field check or a suspension brings with it.
public enum SweepStep {
    /// One person as the sweep sees them on a day.
    public struct Subject: Sendable, Equatable {
        public var ledger: PersonLedger
        /// The sweep changes already recorded for the current deadline (warning, field check): the
        /// step raises each once per deadline, so running the sweep twice changes nothing. Read
        /// only while the deadline is ahead (past it, the one change is suspension).
        public var alreadyRaised: Set<LedgerChange.Kind>
        public var birthDate: Day
        public var immobile: Bool
        public var livesAlone: Bool
        /// WeChat or a phone on file: a reminder reaches them (else a phone call to family).
        public var hasChannel: Bool
        /// Past the deadline only: the due day of the person's open home-visit task for it, when
        /// that day has passed (the visit is overdue by the bureau's own delay); nil otherwise.
        public var visitOverdueSince: Day?

        public init(
            ledger: PersonLedger, alreadyRaised: Set<LedgerChange.Kind>, birthDate: Day, immobile: Bool, livesAlone: Bool,
            hasChannel: Bool, visitOverdueSince: Day? = nil
        ) {
            self.visitOverdueSince = visitOverdueSince
            self.ledger = ledger
            self.alreadyRaised = alreadyRaised
            self.birthDate = birthDate
            self.immobile = immobile
            self.livesAlone = livesAlone
            self.hasChannel = hasChannel
        }
    }

    /// A reminder to queue: once per person, deadline and round (1 at the warning, 2 with the
    /// field check); the caller skips one already queued.
    public struct Reminder: Sendable, Equatable, Hashable {
        public var deadline: Day
        public var round: Int

        public init(deadline: Day, round: Int) {
            self.deadline = deadline
            self.round = round
        }
    }

    /// The kinds of task the sweep opens for the person's community.
    public enum TaskKind: String, Sendable, CaseIterable {
        case fieldCheck = "field_check"
        case homeVisit = "home_visit"
        case phoneCall = "phone_call"
    }

    /// A task to open: once per person, kind and key day (the deadline it is for); the caller
    /// skips one that already exists.
    public struct Task: Sendable, Equatable {
        public var kind: TaskKind
        public var key: Day
        public var reason: String

        public init(kind: TaskKind, key: Day, reason: String) {
            self.kind = kind
            self.key = key
            self.reason = reason
        }
    }

    /// What must change for the person: the ledger after the step, the changes to record (with
    /// their causes), the reminders to queue and the tasks to open. No change: nothing to do.
    public struct Effects: Sendable, Equatable {
        public var ledger: PersonLedger
        public var changes: [LedgerChange] = []
        public var reminders: [Reminder] = []
        public var tasks: [Task] = []

        /// Nothing to do: `ledger` as it was.
        public init(ledger: PersonLedger) {
            self.ledger = ledger
        }
    }

    /// The step on `day` under `rules`: ``DeferralRules/sweep(_:on:alreadyRaised:)`` for the
    /// ledger, then what goes with each change: a warning queues the first reminder and opens the
    /// outreach the person needs (``Outreach``: a home visit, a phone call); a field check queues
    /// the second reminder and opens the field check; a suspension brings nothing else.
    public static func run(_ subject: Subject, on day: Day, rules: DeferralRules) -> Effects {
        var effects = Effects(ledger: subject.ledger)
        if let held = visitHold(subject, on: day, rules: rules.rules.home_help) {
            if !subject.alreadyRaised.contains(.deadlineHeld) { effects.changes = [held] }
            return effects
        }
        effects.changes = rules.sweep(&effects.ledger, on: day, alreadyRaised: day > subject.ledger.deadline ? [] : subject.alreadyRaised)
        for change in effects.changes {
            guard let deadline = change.deadline else { continue }
            switch change.kind {
            case .warning:
                // Everyone is reminded: a person with no WeChat and no phone through their community's
                // staff (a `community` notice, docs/notices.md), besides the phone-call task.
                effects.reminders.append(Reminder(deadline: deadline, round: 1))
                for (kind, reason) in Outreach.tasks(
                    immobile: subject.immobile, livesAlone: subject.livesAlone, age: subject.birthDate.age(on: day),
                    hasChannel: subject.hasChannel, rules: rules.rules.service_ledger)
                {
                    effects.tasks.append(
                        Task(kind: kind == .homeVisit ? .homeVisit : .phoneCall, key: deadline, reason: "\(reason) (deadline \(deadline))"))
                }
            case .fieldCheck:
                effects.reminders.append(Reminder(deadline: deadline, round: 2))
                effects.tasks.append(Task(kind: .fieldCheck, key: deadline, reason: change.cause))
            default: break
            }
        }
        return effects
    }

    /// The actor a deadline held for an overdue home visit is recorded by.
    public static let visitHoldActor = "rule:visit_overdue"

    /// Nobody on the service ledger is suspended while their home visit is overdue by the
    /// bureau's own delay: past the deadline, with an open home-visit task past its due day, the
    /// deadline is held (the person stays active and paid) until the visit happens or the task
    /// closes, and at most `visit_hold_max_days` past the deadline, after which the suspension
    /// goes ahead (a task nobody ever visits cannot keep a person paid for ever). The change to
    /// record (once per deadline), or nil when the rule does not apply.
    public static func visitHold(_ subject: Subject, on day: Day, rules: LedgerRules.HomeHelp) -> LedgerChange? {
        let deadline = subject.ledger.deadline
        guard subject.ledger.status == .active, day > deadline, let due = subject.visitOverdueSince, due < day,
            day <= deadline.adding(days: rules.visit_hold_max_days)
        else { return nil }
        return LedgerChange(
            kind: .deadlineHeld, day: day,
            cause:
                "deadline \(deadline) passed while the home visit due \(due) is still open (the bureau's own delay): "
                + "not suspended, payment continues, until the visit happens or the task closes, "
                + "at most to \(deadline.adding(days: rules.visit_hold_max_days))",
            deadline: deadline)
    }
}
