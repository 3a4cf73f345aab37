/// The deferral method: how evidence moves a person's deadline, and what the daily sweep does.
/// Pure functions over ``PersonLedger``; storage applies their results in one transaction.
public struct DeferralRules: Sendable {
    public let rules: LedgerRules

    public init(rules: LedgerRules) {
        self.rules = rules
    }

    /// A reference event as the behaviour model sees it.
    public struct ReferenceEvent: Sendable, Equatable {
        public var kind: String
        public var source: String
        public var weight: Double
        public var day: Day
        /// True when the kind proves presence (the person seen or identified), false for possession.
        public var presence: Bool

        public init(kind: String, source: String, weight: Double, day: Day, presence: Bool) {
            self.kind = kind
            self.source = source
            self.weight = weight
            self.day = day
            self.presence = presence
        }
    }

    /// The behaviour model's verdict over a window.
    public struct BehaviourScore: Sendable, Equatable {
        /// `1 - prod(1 - best weight per department)`.
        public var probability: Double
        /// Departments that contributed, with their best weight.
        public var sources: [String: Double]
        /// The presence kinds in the window (none: possession alone, which never certifies).
        public var presenceKinds: [String]
        /// The departments of those presence kinds: one alone, and the certification rests on it
        /// (`single_source_months`).
        public var presenceSources: [String] = []
        public var certifies: Bool
    }

    /// Scores the reference events observed in the trailing window ending on `day` (inclusive; the
    /// window is `window_days` long). Certifies when the score reaches the threshold, at least
    /// `min_sources` departments contributed, **and** at least one event proves presence: one
    /// department never certifies alone, and possession (a card, an account, a phone, a home used
    /// by whoever holds them) never does from any number of departments, so a relative spending a
    /// dead person's card, riding on their senior card and withdrawing their pension never does.
    public func score(_ events: [ReferenceEvent], endingOn day: Day) -> BehaviourScore {
        let model = rules.behaviour_model
        let start = day.adding(days: -(model.window_days - 1))
        // A few departments and kinds at most: lists searched in place (hashing each event's
        // strings was most of a city simulation's time).
        var best: [(source: String, weight: Double)] = []
        var presence: [String] = []
        var presenceSources: [String] = []
        for event in events where event.day >= start && event.day <= day {
            if let i = best.firstIndex(where: { $0.source == event.source }) {
                best[i].weight = max(best[i].weight, event.weight)
            } else {
                best.append((event.source, event.weight))
            }
            if event.presence, !presence.contains(event.kind) { presence.append(event.kind) }
            if event.presence, !presenceSources.contains(event.source) { presenceSources.append(event.source) }
        }
        // In department order: the product's order is fixed, and so is its last bit (and a P
        // printed in a cause).
        best.sort { $0.source < $1.source }
        let probability = 1 - best.reduce(1) { $0 * (1 - $1.weight) }
        return BehaviourScore(
            probability: probability, sources: Dictionary(uniqueKeysWithValues: best.map { ($0.source, $0.weight) }),
            presenceKinds: presence.sorted(), presenceSources: presenceSources.sorted(),
            certifies: !presence.isEmpty && best.count >= model.min_sources && probability >= model.threshold - 1e-12)
    }

    /// A passing behaviour score observed on `day`, for a person whose last anchor (identity-checked
    /// presence, or entry into the ledger) was on `anchor`: certifies like
    /// ``certify(_:on:cause:)`` but never past `anchor + anchor_months` (behaviour alone carries
    /// a person for a bounded time, then the sweep warns them like anyone without evidence), and
    /// records nothing for an active person when the deadline would move less than
    /// `min_deadline_move_days` (a feed would otherwise certify again every day).
    public func certifyByBehaviour(_ ledger: inout PersonLedger, on day: Day, anchor: Day, cause: String) -> [LedgerChange] {
        let months = rules.behaviour_model.anchor_months
        return certify(
            &ledger, on: day, within: anchor.adding(months: months), behaviour: true, cause: cause,
            bound: { "behaviour carries the person only to \($0), \(months) months after \(anchor)" })
    }

    /// The limit one department `source` may carry a person to alone: `single_source_months` after
    /// `corroborated`, the person's last identity-checked presence from another department (or
    /// their entry into the ledger), and the words a capped certification carries.
    public func singleSourceLimit(_ source: String, corroborated: Day) -> (limit: Day, bound: (Day) -> String) {
        let months = rules.corroboration.single_source_months
        return (
            corroborated.adding(months: months),
            {
                "\(source) alone carries the person only to \($0), \(months) months after their last identity-checked presence from "
                    + "another department or their entry (\(corroborated))"
            }
        )
    }

    /// A certifying fact observed on `day` that may carry the person only to `limit` (the anchor,
    /// one department alone): certifies like ``certify(_:on:cause:)``, but a day past the limit
    /// certifies nothing and the deadline stops at the limit (or stays where it was, if later),
    /// the cause then saying so (`bound`, given the deadline). `behaviour`: records nothing for an
    /// active person when the deadline would move less than `min_deadline_move_days`.
    public func certify(
        _ ledger: inout PersonLedger, on day: Day, within limit: Day, behaviour: Bool, cause: String, bound: (Day) -> String
    ) -> [LedgerChange] {
        let model = rules.behaviour_model
        guard ledger.status == .deceased || day <= limit else { return [] }
        if behaviour, ledger.status == .active, ledger.lastCertified != nil {
            let deadline = min(day.adding(months: ledger.servicePeriodMonths), limit)
            guard ledger.deadline.days(to: deadline) >= model.min_deadline_move_days else { return [] }
        }
        let before = ledger.deadline
        let changes = certify(&ledger, on: day, cause: cause)
        let stop = max(limit, before)
        if ledger.status != .deceased, ledger.deadline > stop, let index = changes.firstIndex(where: { $0.kind == .certified }) {
            // The limit bounds what this evidence can do: the deadline stops at it.
            var capped = changes
            ledger.deadline = stop
            capped[index].deadline = ledger.deadline
            capped[index].cause += "; " + bound(ledger.deadline)
            return capped
        }
        return changes
    }

    /// Whether a certifying fact observed on `day` can change this ledger at all: anything but an
    /// active, certified person may change; an active one only when `day + service period` passes
    /// the deadline. The one statement of this rule: the batch import asks it of SQLite through a
    /// registered function, to skip the behaviour events that cannot matter (most of a city's feed).
    public static func mayMove(_ ledger: PersonLedger, on day: Day) -> Bool {
        ledger.status != .active || ledger.lastCertified == nil || day.adding(months: ledger.servicePeriodMonths) > ledger.deadline
    }

    /// A certifying fact observed on `day` (strong, biometric or visit evidence, or a passing
    /// behaviour score): the deadline becomes `day + service period` if that is later; a suspended
    /// person resumes, with back pay; evidence of life after a recorded death is a conflict.
    public func certify(_ ledger: inout PersonLedger, on day: Day, cause: String) -> [LedgerChange] {
        if ledger.status == .deceased {
            guard let death = ledger.deathDay, day > death else { return [] }  // life before death: history
            return [LedgerChange(kind: .conflict, day: day, cause: "\(cause), after the death recorded on \(death)")]
        }
        var changes: [LedgerChange] = []
        let deadline = day.adding(months: ledger.servicePeriodMonths)
        if ledger.status == .suspended {
            // Payments resume: the next payroll run pays every owed month not yet paid
            // (``Payroll``), whatever the day of this evidence.
            ledger.status = .active
            ledger.suspendedOn = nil
            changes.append(LedgerChange(kind: .resumed, day: day, cause: cause, deadline: deadline))
        }
        if deadline > ledger.deadline || ledger.lastCertified == nil || changes.count > 0 {
            ledger.deadline = max(ledger.deadline, deadline)
            ledger.lastCertified = max(ledger.lastCertified ?? day, day)
            changes.insert(LedgerChange(kind: .certified, day: day, cause: cause, deadline: ledger.deadline), at: 0)
        }
        return changes
    }

    /// A new service period (the person's benefit level changed) on `day`: the deadline is
    /// recomputed from the last certification (or entry into the ledger, `since`) with the new
    /// period, so a shorter period can bring it near or past (the sweep then warns or suspends)
    /// and a longer one pushes it out. A suspended or deceased person keeps their state.
    public func changePeriod(_ ledger: inout PersonLedger, to months: Int, since: Day) -> Day? {
        guard months != ledger.servicePeriodMonths else { return nil }
        ledger.servicePeriodMonths = months
        guard ledger.status == .active else { return nil }
        // Never from before entry: a certification older than it (stored before evidence observed
        // before entry became history) does not count.
        let deadline = max(ledger.lastCertified ?? since, since).adding(months: months)
        guard deadline != ledger.deadline else { return nil }
        ledger.deadline = deadline
        return deadline
    }

    /// A death record: the person is deceased and payments stop. A second record changes nothing.
    public func recordDeath(_ ledger: inout PersonLedger, on day: Day, cause: String) -> [LedgerChange] {
        guard ledger.status != .deceased else { return [] }
        ledger.status = .deceased
        ledger.deathDay = day
        // suspendedOn stays: the months after a suspension in force at death were never owed.
        return [LedgerChange(kind: .deceased, day: day, cause: cause)]
    }

    /// What the daily sweep does to one person on `day`. `alreadyRaised` holds the sweep changes
    /// recorded for the person's current deadline, so running the sweep twice changes nothing.
    public func sweep(_ ledger: inout PersonLedger, on day: Day, alreadyRaised: Set<LedgerChange.Kind>) -> [LedgerChange] {
        guard ledger.status == .active else { return [] }
        let deadline = ledger.deadline
        if day > deadline {
            ledger.status = .suspended
            ledger.suspendedOn = day
            return [
                LedgerChange(kind: .suspended, day: day, cause: "deadline \(deadline) passed without certification", deadline: deadline)
            ]
        }
        if day.adding(months: rules.field_check_months) > deadline {
            guard !alreadyRaised.contains(.fieldCheck) else { return [] }
            return [
                LedgerChange(
                    kind: .fieldCheck, day: day,
                    cause: "under \(rules.field_check_months) month(s) to the deadline \(deadline) with no certification",
                    deadline: deadline)
            ]
        }
        if day.adding(months: rules.warning_months) > deadline {
            guard !alreadyRaised.contains(.warning) else { return [] }
            return [
                LedgerChange(
                    kind: .warning, day: day,
                    cause: "under \(rules.warning_months) months to the deadline \(deadline) with no certification",
                    deadline: deadline)
            ]
        }
        return []
    }

    /// The hidden-death rule: a sign of a hidden death, as the cause for the attention list, or
    /// nil. Someone last seen in person on `lastPresence` (presence, strong, biometric or visit
    /// evidence), within `history_days` but not for `presence_gap_days`, whose card, account,
    /// phone or home was used `possessionEvents` times in the last `possession_recent_days`
    /// (`possessionKinds` among them) breaks their own pattern: the living are seen now and then;
    /// a relative living on a dead person's pension uses only what they hold.
    public func hiddenDeathSign(
        lastPresence: Day?, possessionEvents: Int, possessionKinds: [String], ledger: PersonLedger, on day: Day
    ) -> String? {
        let rule = rules.hidden_death
        guard ledger.status == .active, let seen = lastPresence, possessionEvents >= rule.min_possession_events else { return nil }
        let gap = seen.days(to: day)
        guard gap >= rule.presence_gap_days, gap <= rule.history_days else { return nil }
        return
            "not seen in person since \(seen) (\(gap) days) while \(possessionEvents) uses of their card, account, phone or home "
            + "(\(possessionKinds.sorted().joined(separator: ", "))) went on in the last \(rule.possession_recent_days) days: possible hidden death"
    }

    /// The hidden-death rule's second sign, or nil: someone whose last identity-checked presence
    /// (or entry into the ledger) was on `corroborated`, `uncorroborated_presence_days` or more
    /// ago, and whose presence since came from exactly one department that does not check the face
    /// against the ID (`presenceSources`: a clinic on an insurance card, which a relative can
    /// borrow), while their card, account, phone or home was used `possessionEvents` times lately.
    /// One department's unchecked presence alone does not keep the sign off for ever; presence
    /// from two does (a clinic and a community camera rarely collude), and so does any
    /// identity-checked presence.
    public func uncorroboratedSign(
        corroborated: Day, presenceSources: [String], possessionEvents: Int, possessionKinds: [String], ledger: PersonLedger, on day: Day
    ) -> String? {
        let rule = rules.hidden_death
        guard ledger.status == .active, presenceSources.count == 1, possessionEvents >= rule.min_possession_events else { return nil }
        let gap = corroborated.days(to: day)
        guard gap >= rule.uncorroboratedPresenceDays else { return nil }
        return
            "no identity-checked presence since \(corroborated) (\(gap) days): seen in person only by \(presenceSources[0]), which does not "
            + "check the face against the ID, while \(possessionEvents) uses of their card, account, phone or home "
            + "(\(possessionKinds.sorted().joined(separator: ", "))) went on in the last \(rule.possession_recent_days) days: possible hidden death"
    }

    /// The hold a hidden-death sign places on the person's payment: its reason names the sign.
    public static func ruleHoldReason(_ sign: String) -> String { "hidden-death sign: \(sign)" }

    /// The actor of a hold a rule places (``LedgerStore/placeRuleHold``): `rule:hidden_death`.
    public static let hiddenDeathActor = "rule:hidden_death"

    /// The hold two `other_face` sightings place: its reason names the sightings.
    public static func otherFaceHoldReason(_ alarm: String) -> String { "other_face sightings: \(alarm)" }

    /// The actor of the hold two `other_face` sightings place: `rule:other_face`.
    public static let otherFaceActor = "rule:other_face"

    /// The health-attention rule: someone of `min_age` or more, with an inpatient stay within
    /// `inpatient_within_days` of `day` and no certification since, goes on the community's
    /// attention list before any deadline.
    public func needsAttention(birthDate: Day, lastInpatient: Day?, ledger: PersonLedger, on day: Day) -> Bool {
        guard ledger.status == .active, let stay = lastInpatient else { return false }
        let rule = rules.attention
        guard birthDate.age(on: day) >= rule.min_age, stay.days(to: day) <= rule.inpatient_within_days, stay <= day else { return false }
        return (ledger.lastCertified ?? .init(daysSinceEpoch: Int.min / 4)) <= stay
    }
}
