/// A ledger input or rule that cannot be applied (or a store's refusal of it), with a stable code and a message a
/// person can act on.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable codes, one per reason; the service maps each to one HTTP status.
    public enum Code: String, Sendable, CaseIterable {
        case alreadyEnrolled = "already_enrolled"
        /// Appeals (issue 31): an appeal already decided, or upheld and waiting for a second operator
        case appealClosed = "appeal_closed"
        case appealPending = "appeal_pending"
        /// the person already has an open appeal
        case appealOpen = "appeal_open"
        /// empty grounds, or longer than the rules allow
        case invalidGrounds = "invalid_grounds"
        /// a relative's appeal without the relative's name or relation
        case invalidRelative = "invalid_relative"
        /// an active person: nothing to appeal
        case notAppealable = "not_appealable"
        /// a kiosk or mobile key asking about a person it has not just verified
        case personNotBound = "person_not_bound"
        case unknownAppeal = "unknown_appeal"
        /// a sighting's capture id already used at the site for another person or other stills
        case captureIdReused = "capture_id_reused"
        /// a sighting captured later than now (beyond the clock skew allowed)
        case captureInFuture = "capture_in_future"
        /// a sighting captured longer ago than the rules allow
        case captureTooOld = "capture_too_old"
        /// the rules in force have no `video_confirmation` kind (a database made before sightings):
        /// a confirmed sighting could not be recorded until a rules version adds it
        case sightingsNotInRules = "sightings_not_in_rules"
        /// the latest check of the audit chain found tampering, and no clean check came since: no
        /// payroll is run on a ledger that shows it (docs/audit.md)
        case chainTampered = "chain_tampered"
        /// an enrollment without the person's (or a guardian's) consent to process the face (PIPL)
        case consentRequired = "consent_required"
        /// a consent withdrawal for a person with no consent in force
        case noConsent = "no_consent"
        /// a four-eyes request or a hold that is no longer pending or in force
        case decisionClosed = "decision_closed"
        case idempotencyKeyReused = "idempotency_key_reused"
        case invalidAmount = "invalid_amount"
        case invalidBenefitLevel = "invalid_benefit_level"
        case invalidBirthDate = "invalid_birth_date"
        case invalidContact = "invalid_contact"
        /// an override without a reason, or with an expiry out of range
        case invalidDecision = "invalid_decision"
        /// a day after today (the service's clock): a sweep, payroll run, task outcome or decision in the future
        case futureDay = "future_day"
        case invalidKeyOptions = "invalid_key_options"
        case invalidName = "invalid_name"
        case invalidResidentId = "invalid_resident_id"
        /// a change that only a four-eyes decision makes (an amount, a level, a name), asked of a
        /// door that changes a person directly
        case needsDecision = "needs_decision"
        case keyRevoked = "key_revoked"
        case outOfScope = "out_of_scope"
        /// a payroll run for a month that was already run
        case payrollRunExists = "payroll_run_exists"
        /// a payroll run for a month not yet begun, or earlier than the latest run
        case payrollMonth = "payroll_month"
        case personExists = "person_exists"
        case personNotFound = "person_not_found"
        /// the person's state does not allow the decision (reinstating someone not suspended...)
        case personState = "person_state"
        /// a recovery case already closed
        case recoveryClosed = "recovery_closed"
        /// four eyes: the operator who asked cannot approve
        case sameOperator = "same_operator"
        /// four eyes: the request or approval came from the system account or a key issued to nobody by name
        case namedOperatorRequired = "named_operator_required"
        case rulesInvalid = "rules_invalid"
        case rulesMissing = "rules_missing"
        case rulesUnreadable = "rules_unreadable"
        case sessionExpired = "session_expired"
        /// a device asked for more liveness sessions than it may (a minute's rate, or open at once)
        case sessionLimit = "session_limit"
        case sessionMismatch = "session_mismatch"
        case sessionUsed = "session_used"
        case taskClosed = "task_closed"
        case taskOutcome = "task_outcome"
        case unknownKey = "unknown_key"
        case unknownSession = "unknown_session"
        case unknownTask = "unknown_task"
        case unknownCommunity = "unknown_community"
        case unknownConflict = "unknown_conflict"
        case unknownDecision = "unknown_decision"
        case unknownPayrollRun = "unknown_payroll_run"
        case unknownRecovery = "unknown_recovery"
        case unknownUnit = "unknown_unit"
        /// a verified attempt could not be recorded as evidence (a rule refused it)
        case verificationEvidence = "verification_evidence"
        /// Help at home: an assisted verification without the visit code the worker states at the door
        case visitCodeRequired = "visit_code_required"
        /// ...with a code that is not the person's open visit task's (counted on the task)
        case wrongVisitCode = "wrong_visit_code"
        /// ...for a task whose code took `home_help.visit_code_max_failures` wrong ones: refused for good
        case visitCodeLocked = "visit_code_locked"
        /// ...for a person with no open home visit or field check (no visit was announced)
        case noVisitTask = "no_visit_task"
        /// the rules in force have no biometric `assisted_verification` kind (rules made before help at home)
        case assistedNotInRules = "assisted_not_in_rules"
        /// a request claims help its key cannot give (a kiosk or mobile key `assisted`, a staff key `by_relative`)
        case assistanceNotAllowed = "assistance_not_allowed"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// True for a fault of the service itself (its rules file, a verified attempt it could not
    /// record), not of the request.
    public var isInternal: Bool {
        switch code {
        case .verificationEvidence, .rulesInvalid, .rulesMissing, .rulesUnreadable:
            true
        default: false
        }
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
