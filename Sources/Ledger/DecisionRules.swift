/// The preconditions of operators' decisions and what each records: four eyes (the operator who
/// asked never approves), the state a person must be in, one open request of a kind and one hold
/// in force at a time, and a request or a hold decided once. Pure, like ``DeferralRules``'s
/// overrides (Overrides.swift, which change the ledger): a store reads the person's ledger and the
/// decisions it recorded, asks these, and writes the changes they return or throws their refusal.
public enum DecisionRules {
    /// A recorded decision, as the preconditions read it (the store's columns as stored).
    public struct Recorded: Sendable, Equatable {
        public var id: Int64
        /// pending, approved, rejected (four eyes); in_force, ended (holds); done.
        public var status: String
        public var requestedBy: String
        public var requestedOn: String
        public var decidedBy: String?
        public var decidedOn: String?
        /// A hold's expiry.
        public var until: String?
        /// How a conflict was resolved.
        public var outcome: String?

        public init(
            id: Int64, status: String, requestedBy: String, requestedOn: String, decidedBy: String? = nil, decidedOn: String? = nil,
            until: String? = nil, outcome: String? = nil
        ) {
            self.id = id
            self.status = status
            self.requestedBy = requestedBy
            self.requestedOn = requestedOn
            self.decidedBy = decidedBy
            self.decidedOn = decidedOn
            self.until = until
            self.outcome = outcome
        }
    }

    /// What a four-eyes request asks a second operator to approve: both can send money to someone.
    public enum Request: Sendable, CaseIterable {
        case reverseDeath, reinstate
    }

    // MARK: - Four eyes

    /// A new request about `person`, whose ledger is `ledger` and whose open request of the same
    /// kind is `open`: what it asks, in words, or the refusal (`person_state`: no death to
    /// reverse, nobody suspended to reinstate, or a request already pending).
    public static func ask(_ request: Request, person: String, ledger: PersonLedger, open: Recorded?) throws(LedgerError) -> String {
        let what: String
        switch request {
        case .reverseDeath:
            guard ledger.status == .deceased, let death = ledger.deathDay else {
                throw LedgerError(.personState, "no death is recorded for \(person) (they are \(ledger.status.rawValue))")
            }
            what = "reverse the death recorded on \(death)"
        case .reinstate:
            guard ledger.status == .suspended, let suspended = ledger.suspendedOn else {
                throw LedgerError(.personState, "only a suspended person can be reinstated (\(person) is \(ledger.status.rawValue))")
            }
            what = "reinstate the person suspended since \(suspended)"
        }
        if let open {
            throw LedgerError(
                .personState,
                "a request to \(what) is already pending: decision \(open.id), asked by \(open.requestedBy) on \(open.requestedOn)")
        }
        return what
    }

    /// The event recording request `id`, asking `what` (``ask(_:person:ledger:open:)``).
    public static func requested(_ id: Int64, asking what: String, reason: String, on day: Day) -> LedgerChange {
        LedgerChange(kind: .requested, day: day, cause: "decision \(id): asked to \(what), for a second operator to approve: \(reason)")
    }

    /// A request is decided once: refused (`decision_closed`) unless still pending.
    public static func checkPending(_ request: Recorded) throws(LedgerError) {
        guard request.status == "pending" else {
            throw LedgerError(
                .decisionClosed,
                "decision \(request.id) was already \(request.status) by \(request.decidedBy ?? "") on \(request.decidedOn ?? "")")
        }
    }

    /// Four eyes, the first pair: a request is asked by a named person (a key with a holder), never
    /// by the machine's account or a key issued to nobody (`named_operator_required`).
    public static func checkRequester(_ actor: String) throws(LedgerError) {
        try ActorID.requireNamed(actor, to: "ask for a decision a second operator approves")
    }

    /// Four eyes, the second pair: the approver is a named person other than the one who asked,
    /// whichever of their keys either used (`same_operator`); the machine's account and unnamed
    /// keys never approve, and a request asked by nobody by name is never approved
    /// (`named_operator_required`). The one who asked may still withdraw
    /// (reject) their request.
    public static func checkApprover(_ actor: String, of request: Recorded) throws(LedgerError) {
        try ActorID.requireNamed(actor, to: "approve a request")
        // A request asked by nobody by name (before holders were recorded) cannot be told apart
        // from one of the approver's own: it is asked again, by a named person.
        guard let asker = ActorID(request.requestedBy).holder else {
            throw LedgerError(
                .namedOperatorRequired,
                "decision \(request.id) was asked for by \(request.requestedBy), not a named person: reject it and ask again with a named key"
            )
        }
        guard request.requestedBy != actor, asker != ActorID(actor).holder else {
            throw LedgerError(
                .sameOperator,
                "four eyes: decision \(request.id) was asked for by \(request.requestedBy), the same person as \(actor); another person must approve it"
            )
        }
    }

    /// The event recording a refused request (of kind `kind`, as stored).
    public static func rejected(_ request: Recorded, kind: String, reason: String, on day: Day) -> LedgerChange {
        LedgerChange(
            kind: .rejected, day: day, cause: "decision \(request.id) (\(kind), asked by \(request.requestedBy)) refused: \(reason)")
    }

    // MARK: - Holds

    /// A hold on a person's payment: refused (`person_state`) for someone recorded deceased
    /// (nothing is paid) or already under a hold in force (`open`). The expiry is
    /// ``DeferralRules/checkHold(until:on:)``.
    public static func checkHold(person: String, ledger: PersonLedger, open: Recorded?) throws(LedgerError) {
        guard ledger.status != .deceased else {
            throw LedgerError(.personState, "\(person) is recorded deceased: nothing is paid to hold")
        }
        if let open { throw LedgerError(.personState, "a hold is already in force: decision \(open.id), until \(open.until ?? "")") }
    }

    /// The event recording hold `id`.
    public static func held(_ id: Int64, until: Day, reason: String, on day: Day) -> LedgerChange {
        LedgerChange(kind: .held, day: day, cause: "decision \(id): payment held until \(until): \(reason)")
    }

    /// The event recording hold `id` placed by a rule (a hidden-death sign): no expiry, it holds
    /// until a person-to-person check confirms the person (or an operator releases it).
    public static func heldByRule(_ id: Int64, reason: String, on day: Day) -> LedgerChange {
        LedgerChange(kind: .held, day: day, cause: "decision \(id): payment held until a person-to-person check confirms them: \(reason)")
    }

    /// A hold ends once: refused (`decision_closed`) unless in force.
    public static func checkInForce(_ hold: Recorded) throws(LedgerError) {
        guard hold.status == "in_force" else { throw LedgerError(.decisionClosed, "hold \(hold.id) has \(hold.status)") }
    }

    /// The event recording the end of `hold` (released by an operator, or expired).
    public static func released(_ hold: Recorded, reason: String, on day: Day) -> LedgerChange {
        LedgerChange(
            kind: .released, day: day,
            cause: "hold \(hold.id) of \(hold.requestedOn) ended (\(reason)); the next payroll run pays the months it held")
    }

    // MARK: - Conflicts

    /// A conflict is resolved once: refused (`decision_closed`) when `earlier` resolved it.
    public static func checkUnresolved(conflict id: Int64, earlier: Recorded?) throws(LedgerError) {
        if let earlier {
            throw LedgerError(
                .decisionClosed,
                "conflict \(id) was resolved on \(earlier.requestedOn) by \(earlier.requestedBy) (\(earlier.outcome ?? ""))")
        }
    }

    /// The event recording conflict `id` resolved: the evidence rejected (the death stands) or
    /// the death disputed.
    public static func resolved(conflict id: Int64, deathStands: Bool, reason: String, on day: Day) -> LedgerChange {
        let words = deathStands ? "the evidence rejected, the death stands" : "the death disputed"
        return LedgerChange(kind: .resolved, day: day, cause: "conflict \(id) resolved, \(words): \(reason)")
    }

    /// Whether a conflict resolved as the death disputed also asks a second operator to reverse the
    /// death: only while one is recorded and no such request is pending (`open`).
    public static func disputeAsksReversal(_ ledger: PersonLedger, open: Recorded?) -> Bool {
        ledger.status == .deceased && open == nil
    }
}

extension DeferralRules {
    /// A second operator's approval of `request` (pending, of kind `kind`) by `actor`, with an
    /// optional `note`: refused when it is no longer pending or `actor` asked for it (four eyes);
    /// otherwise the death is reversed or the suspension lifted on `ledger`
    /// (``reverseDeath(_:on:cause:)``, ``reinstate(_:on:cause:)``) and the change returned.
    public func approve(
        _ kind: DecisionRules.Request, _ request: DecisionRules.Recorded, reason: String, note: String?, by actor: String,
        ledger: inout PersonLedger, on day: Day
    ) throws(LedgerError) -> LedgerChange {
        try DecisionRules.checkPending(request)
        try DecisionRules.checkApprover(actor, of: request)
        let cause =
            "decision \(request.id), asked by \(request.requestedBy) on \(request.requestedOn) (\(reason)), approved by \(actor)"
            + (note.map { ": \($0)" } ?? "")
        switch kind {
        case .reverseDeath: return try reverseDeath(&ledger, on: day, cause: "death record reversed, \(cause)")
        case .reinstate: return try reinstate(&ledger, on: day, cause: "suspension lifted, \(cause)")
        }
    }
}
