import Foundation

/// What the evidence rule reads beyond the person's ledger: facts only a store knows (its rows of
/// evidence and events), asked for lazily, so a store is queried only when the rule needs the
/// answer (most behaviour events of an active person need none). Every answer is as the store
/// stood when the row being applied arrived: rows delivered after it are not yet known.
public protocol EvidenceFacts {
    /// What a store's reads throw (`Never` for one in memory).
    associatedtype Failure: Error

    /// The person's reference events in the behaviour window ending on `day`.
    func window(endingOn day: Day) throws(Failure) -> [DeferralRules.ReferenceEvent]

    /// The person's last anchor on or before `day`: their last identity-checked presence
    /// (``LedgerRules/Kind/identityChecked``: strong, biometric, visit evidence, or a presence kind
    /// marked `identity_checked`), or their entry into the ledger.
    func anchor(onOrBefore day: Day) throws(Failure) -> Day

    /// The person's last identity-checked presence on or before `day` from a department other
    /// than `source` (the service's own doors, `corroboration.service_sources`: a face
    /// verification, a visit, a bureau counter, count as another department for everyone), or
    /// their entry into the ledger: what corroborates one department (`single_source_months`).
    func corroboration(excluding source: String, onOrBefore day: Day) throws(Failure) -> Day

    /// The day the person entered the ledger: evidence observed before it is history.
    func entry() throws(Failure) -> Day

    /// What a first death record on `death` corrects in what the store already holds: the
    /// certifications that rested on evidence observed after it (voided) and the signs of life
    /// observed after it (conflicts). A store that keeps neither returns nothing.
    func lookBack(death: Day) throws(Failure) -> [LedgerChange]
}

extension LedgerRules.EvidenceClass {
    /// Strong, biometric and visit evidence: certifies at once, and anchors the behaviour model
    /// (behaviour alone carries a person only `anchor_months` past the last such evidence). The
    /// presence kinds marked `identity_checked` anchor too (``LedgerRules/Kind/identityChecked``).
    public var anchors: Bool {
        switch self {
        case .strong, .biometric, .visit: true
        case .reference, .death: false
        }
    }
}

extension DeferralRules {
    /// What one new piece of evidence of `kind`, observed on `day`, does to a person's ledger: the
    /// one dispatch over evidence classes, for the SQLite store and the simulator alike. `cause`
    /// says where the evidence came from (the changes carry it); nil for a caller that keeps no
    /// causes (the simulator), which then costs no behaviour cause either (formatting one per
    /// behaviour certification doubled a simulation's time).
    ///
    /// The facts are read in order of cost, each only when still needed: a behaviour event is
    /// scored only when it could move the deadline at all (``mayMove(_:on:)``), far enough
    /// (`min_deadline_move_days`), and within its anchor's limit; the anchor is read before the
    /// window because it is one value and rules most events out.
    @inlinable public func apply<Facts: EvidenceFacts>(
        _ kind: LedgerRules.Kind, on day: Day, cause described: String?, to ledger: inout PersonLedger, facts: Facts
    ) throws(Facts.Failure) -> [LedgerChange] {
        let cause = described ?? ""
        switch kind.class {
        case .biometric, .visit:
            guard day >= (try facts.entry()) else { return [] }  // before entry: history
            return certify(&ledger, on: day, cause: cause)
        case .strong:
            guard day >= (try facts.entry()) else { return [] }
            // The service's own counters are never one department among others.
            if rules.corroboration.service_sources.contains(kind.source) { return certify(&ledger, on: day, cause: cause) }
            // One department's strong evidence carries a person only so long without another's.
            let (limit, bound) = singleSourceLimit(
                kind.source, corroborated: try facts.corroboration(excluding: kind.source, onOrBefore: day))
            return certify(&ledger, on: day, within: limit, behaviour: false, cause: cause, bound: bound)
        case .death:
            // A death record counts whenever it was observed: paying the dead is the worse error.
            let changes = recordDeath(&ledger, on: day, cause: cause)
            guard !changes.isEmpty else { return [] }
            return changes + (try facts.lookBack(death: day))
        case .reference:
            // Any sign of life after a recorded death (even a card payment, the classic fraud) is a
            // conflict for a person to resolve, scored or not: certify() raises it.
            if ledger.status == .deceased { return certify(&ledger, on: day, cause: cause) }
            guard Self.mayMove(ledger, on: day), behaviourCouldMove(ledger, on: day, limit: nil) else { return [] }
            let anchor = try facts.anchor(onOrBefore: day)
            var limit = anchor.adding(months: rules.behaviour_model.anchor_months)
            guard behaviourCouldMove(ledger, on: day, limit: limit), day >= (try facts.entry()) else { return [] }
            let score = score(try facts.window(endingOn: day), endingOn: day)
            guard score.certifies else { return [] }
            let months = rules.behaviour_model.anchor_months
            var bound: (Day) -> String = { "behaviour carries the person only to \($0), \(months) months after \(anchor)" }
            if score.presenceSources.count == 1 {
                // In person only through one department: it carries the person alone.
                let single = singleSourceLimit(
                    score.presenceSources[0],
                    corroborated: try facts.corroboration(excluding: score.presenceSources[0], onOrBefore: day))
                if single.limit < limit { (limit, bound) = single }
            }
            guard described != nil else {
                return certify(&ledger, on: day, within: limit, behaviour: true, cause: "", bound: { _ in "" })
            }
            let sources = score.sources.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return certify(
                &ledger, on: day, within: limit, behaviour: true,
                cause: String(
                    format: "behaviour model P=%.3f from %@, in person: %@ (latest: %@)", score.probability, sources,
                    score.presenceKinds.joined(separator: ", "), cause), bound: bound)
        }
    }

    /// False when ``certifyByBehaviour(_:on:anchor:cause:)`` would change nothing whatever the
    /// score, for a person not deceased: past the anchor's `limit`, or a move under
    /// `min_deadline_move_days` (with no limit given: the move the service period alone allows,
    /// which needs no anchor).
    @usableFromInline func behaviourCouldMove(_ ledger: PersonLedger, on day: Day, limit: Day?) -> Bool {
        let model = rules.behaviour_model
        let period = day.adding(months: ledger.servicePeriodMonths)
        if let limit, day > limit { return false }
        guard ledger.status == .active, ledger.lastCertified != nil else { return true }
        return ledger.deadline.days(to: limit.map { min(period, $0) } ?? period) >= model.min_deadline_move_days
    }
}
