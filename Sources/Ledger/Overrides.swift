/// Operators' decisions beyond the data: extensions, holds, four-eyes reversals of a death and
/// reinstatements. Pure rules over ``PersonLedger``, like the rest of ``DeferralRules``; storage
/// records who asked, who approved and why. Each throws ``LedgerError`` when the person's state or
/// the asked-for expiry does not allow it.
extension DeferralRules {
    /// A reason an auditor can read: required, trimmed, at most 500 characters.
    public static func reason(_ text: String) throws(LedgerError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw LedgerError(.invalidDecision, "give a reason (an auditor reads it): what happened and how you know")
        }
        guard trimmed.count <= 500, !trimmed.contains(where: { $0.isNewline }) else {
            throw LedgerError(.invalidDecision, "the reason must be one line of at most 500 characters")
        }
        return trimmed
    }

    /// The day staff give for a task's outcome: a visit happened after the task opened and no later
    /// than the day it is recorded (`today`), never before or in the future (`task_outcome`,
    /// `future_day`).
    public static func checkVisitDay(_ day: Day, taskOpened: Day, task id: Int64, today: Day) throws(LedgerError) {
        try ServiceClock.checkNotFuture(day, "the day of task \(id)'s outcome", today: today)
        guard day >= taskOpened else {
            throw LedgerError(.taskOutcome, "task \(id) opened on \(taskOpened): its outcome cannot be dated \(day), before it opened")
        }
    }

    /// An extension on `day` (in hospital, living abroad): an active person's deadline moves to
    /// `until`, later than it is and at most `max_extension_months` after `day`. The extension
    /// expires with the new deadline: the sweep then warns and suspends as for anyone.
    public func extend(_ ledger: inout PersonLedger, until: Day, on day: Day, cause: String) throws(LedgerError) -> LedgerChange {
        guard ledger.status == .active else {
            throw LedgerError(
                .personState,
                "only an active person's deadline can be extended (this person is \(ledger.status.rawValue)); a suspended person certifies or is reinstated with a second operator's approval"
            )
        }
        let limit = day.adding(months: rules.overrides.max_extension_months)
        guard until > ledger.deadline, until <= limit else {
            throw LedgerError(
                .invalidDecision, "an extension must move the deadline \(ledger.deadline) later, to \(limit) at the latest")
        }
        ledger.deadline = until
        return LedgerChange(kind: .extended, day: day, cause: cause, deadline: until)
    }

    /// The expiry of a hold made on `day`: after `day`, at most `max_hold_months` later.
    public func checkHold(until: Day, on day: Day) throws(LedgerError) {
        let limit = day.adding(months: rules.overrides.max_hold_months)
        guard until > day, until <= limit else {
            throw LedgerError(.invalidDecision, "a hold must expire after \(day) and by \(limit) at the latest")
        }
    }

    /// A reinstatement approved on `day`: a suspended person is active again (the next payroll run
    /// pays the months the suspension kept from them, as on resumption) and must certify within `reinstatement_months`.
    public func reinstate(_ ledger: inout PersonLedger, on day: Day, cause: String) throws(LedgerError) -> LedgerChange {
        guard ledger.status == .suspended else {
            throw LedgerError(.personState, "only a suspended person can be reinstated (this person is \(ledger.status.rawValue))")
        }
        ledger.status = .active
        ledger.suspendedOn = nil
        ledger.deadline = day.adding(months: rules.overrides.reinstatement_months)
        return LedgerChange(kind: .reinstated, day: day, cause: cause, deadline: ledger.deadline)
    }

    /// A recorded death reversed on `day` (the record was wrong): the person is suspended from the
    /// "death" day, so that their evidence observed after it, applied again, resumes them with the
    /// months owed; without such evidence they stay suspended until they certify.
    public func reverseDeath(_ ledger: inout PersonLedger, on day: Day, cause: String) throws(LedgerError) -> LedgerChange {
        guard ledger.status == .deceased, let death = ledger.deathDay else {
            throw LedgerError(.personState, "no death is recorded for this person (they are \(ledger.status.rawValue))")
        }
        ledger.status = .suspended
        ledger.suspendedOn = min(ledger.suspendedOn ?? death, death)  // suspended before the "death": from then
        ledger.deathDay = nil
        return LedgerChange(kind: .deathReversed, day: day, cause: cause)
    }
}
