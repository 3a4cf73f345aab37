import Foundation
import GRDB
import Ledger

extension LedgerStore {
    // MARK: - Lists

    /// Conflicts in the unit's subtree, open ones only unless `includeResolved`, oldest first.
    public func conflicts(unit: String, includeResolved: Bool = false) async throws -> [Conflict] {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.person_id, e.day, e.cause, p.name, p.unit_code, d.id AS decision
                    FROM ledger_event e JOIN person p ON p.id = e.person_id
                    LEFT JOIN decision d ON d.conflict_id = e.id AND d.kind = 'resolve_conflict'
                    WHERE e.kind = 'conflict' AND p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1)
                      \(includeResolved ? "" : "AND d.id IS NULL")
                    ORDER BY e.day, e.id
                    """, arguments: [path])
            // The resolutions in the same subtree, by one condition (a list of their ids would be a
            // placeholder each: past SQLite's limit, a city's resolved conflicts would fail).
            let resolutions =
                includeResolved
                ? Dictionary(
                    uniqueKeysWithValues: try self.decisions(
                        where: "d.kind = 'resolve_conflict' AND p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1)",
                        [path], db
                    ).map { ($0.id, $0) }) : [:]
            return rows.map { row in
                Conflict(
                    id: row["id"], personID: row["person_id"], name: row["name"], unitCode: row["unit_code"],
                    day: Day(row["day"] as String)!, cause: row["cause"],
                    resolution: (row["decision"] as Int64?).flatMap { resolutions[$0] })
            }
        }
    }

    /// Decisions about persons in the unit's subtree, newest first; `status` filters (pending,
    /// in_force...).
    public func decisions(unit: String, status: String? = nil) async throws -> [Decision] {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            return try self.decisions(
                where: "p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1) AND (? IS NULL OR d.status = ?)",
                [path, status, status], db)
        }
    }

    /// The decisions matching `condition` (over `decision d` and `person p`), newest first, with
    /// their person's name and unit, in one query.
    func decisions(where condition: String, _ arguments: StatementArguments, _ db: Database) throws -> [Decision] {
        try Row.fetchAll(
            db,
            sql:
                "SELECT d.*, p.name AS person_name, p.unit_code AS person_unit FROM decision d JOIN person p ON p.id = d.person_id WHERE \(condition) ORDER BY d.id DESC",
            arguments: arguments
        ).map { row in
            let d = try DecisionRow(row: row)
            return Decision(
                id: d.id!, personID: d.personId, name: row["person_name"], unitCode: row["person_unit"],
                kind: Decision.Kind(rawValue: d.kind)!,
                conflictID: d.conflictId, outcome: d.outcome, until: d.until.flatMap(Day.init), reason: d.reason, status: d.status,
                requestedBy: d.requestedBy, requestedOn: Day(d.requestedOn)!, decidedBy: d.decidedBy,
                decidedOn: d.decidedOn.flatMap(Day.init),
                decisionReason: d.decisionReason, rulesVersion: d.rulesVersion, change: d.change)
        }
    }

    func decision(_ id: Int64, _ db: Database) throws -> Decision {
        guard let decision = try decisions(where: "d.id = ?", [id], db).first else {
            throw LedgerError(.unknownDecision, "no decision \(id)")
        }
        return decision
    }

    /// The person's open decision of `kind` (a pending request, a hold in force), if any: the
    /// table's `decision_open` index allows one.
    func openDecision(_ kind: Decision.Kind, of person: String, _ db: Database) throws -> DecisionRow? {
        try DecisionRow.fetchOne(
            db, sql: "SELECT * FROM decision WHERE person_id = ? AND kind = ? AND status IN ('pending', 'in_force')",
            arguments: [person, kind.rawValue])
    }

    // MARK: - Decisions

    /// Resolves conflict `id` (a `conflict` ledger event) with what the operator found and why.
    /// `death_disputed` also asks a second operator to reverse the death (``request(_:person:reason:by:scope:on:)``).
    /// Returns the resolution, and the request when one was made.
    public func resolveConflict(
        _ id: Int64, outcome: ConflictOutcome, reason: String, by actor: String, scope: String? = nil, on day: Day
    ) async throws -> [Decision] {
        let reason = try DeferralRules.reason(reason)
        try ActorID.requireNamed(actor, to: "resolve a conflict")
        return try await write { db in
            guard
                let person = try String.fetchOne(
                    db, sql: "SELECT person_id FROM ledger_event WHERE id = ? AND kind = 'conflict'", arguments: [id])
            else { throw Self.noRecord(.unknownConflict, "conflict \(id)", scope) }
            let row = try self.person(person, of: .unknownConflict, "conflict \(id)", scope: scope, db)
            try DecisionRules.checkUnresolved(
                conflict: id,
                earlier: try DecisionRow.fetchOne(
                    db, sql: "SELECT * FROM decision WHERE conflict_id = ? AND kind = 'resolve_conflict'", arguments: [id]
                )?.recorded)
            var resolution = DecisionRow(
                personId: person, kind: Decision.Kind.resolveConflict.rawValue, conflictId: id, outcome: outcome.rawValue, reason: reason,
                status: "done", requestedBy: actor, requestedOn: day.description, decidedBy: actor, decidedOn: day.description,
                rulesVersion: self.rulesVersion)
            try resolution.insert(db)
            try Self.record(
                [DecisionRules.resolved(conflict: id, deathStands: outcome == .evidenceRejected, reason: reason, on: day)], person: person,
                evidence: nil, actor: actor, at: Self.timestamp(), rules: self.rulesVersion, db)
            var decisions = [try self.decision(resolution.id!, db)]
            if outcome == .deathDisputed,
                DecisionRules.disputeAsksReversal(
                    Self.ledger(row, at: 1), open: try self.openDecision(.reverseDeath, of: person, db)?.recorded)
            {
                decisions.append(try self.request(.reverseDeath, person: row, reason: "conflict \(id): \(reason)", by: actor, on: day, db))
            }
            return decisions
        }
    }

    /// Asks for a four-eyes decision about a person: reversing their recorded death, or lifting
    /// their suspension. Nothing changes until a second operator approves.
    public func request(
        _ kind: Decision.Kind, person: String, reason: String, by actor: String, scope: String? = nil, on day: Day
    ) async throws -> Decision {
        precondition(kind.needsSecondOperator, "only reverse_death and reinstate are requests")
        let reason = try DeferralRules.reason(reason)
        return try await write { db in
            try self.request(kind, person: try self.person(person, scope: scope, db), reason: reason, by: actor, on: day, db)
        }
    }

    func request(_ kind: Decision.Kind, person row: Row, reason: String, by actor: String, on day: Day, _ db: Database) throws -> Decision {
        let person: String = row["id"]
        try DecisionRules.checkRequester(actor)
        let what = try DecisionRules.ask(
            try Self.fourEyes(kind), person: person, ledger: Self.ledger(row, at: 1), open: try openDecision(kind, of: person, db)?.recorded
        )
        var request = DecisionRow(
            personId: person, kind: kind.rawValue, reason: reason, status: "pending", requestedBy: actor, requestedOn: day.description,
            rulesVersion: self.rulesVersion)
        try request.insert(db)
        try Self.record(
            [DecisionRules.requested(request.id!, asking: what, reason: reason, on: day)], person: person, evidence: nil, actor: actor,
            at: Self.timestamp(), rules: self.rulesVersion, db)
        return try decision(request.id!, db)
    }

    /// A second operator approves a pending request (never the one who asked): the death is
    /// reversed (the person's open conflicts close, their evidence after the "death" is applied
    /// again, which resumes them with back pay if it certifies) or the suspension lifted. Returns
    /// the decision and the ledger changes it made, by kind.
    public func approve(_ id: Int64, reason: String?, by actor: String, scope: String? = nil, on day: Day) async throws -> (
        decision: Decision, changes: [String: Int]
    ) {
        let note = try reason.map { try DeferralRules.reason($0) }
        return try await write { db in
            try Self.checkUnchanged("decision", key: id, db)
            var (request, row) = try self.pending(id, scope: scope, db)
            if request.kind == Decision.Kind.changeBenefit.rawValue || request.kind == Decision.Kind.correctPerson.rawValue {
                return try self.approveChange(&request, person: row, note: note, by: actor, on: day, db)
            }
            var ledger = Self.ledger(row, at: 1)
            let now = Self.timestamp()
            let death = ledger.deathDay
            try self.checkAppealApprover(decision: id, actor, db)
            let suspendedBefore = ledger.suspendedOn
            let change = try self.deferral.approve(
                request.kind == Decision.Kind.reverseDeath.rawValue ? .reverseDeath : .reinstate, request.recorded, reason: request.reason,
                note: note,
                by: actor, ledger: &ledger, on: day)
            try Self.save(ledger, person: request.personId, db)
            // An appeal whose upholding asked for this is upheld (before the change closes open appeals as moot).
            try self.upholdAppeals(decision: id, on: day, db)
            try Self.record([change], person: request.personId, evidence: nil, actor: actor, at: now, rules: self.rulesVersion, db)
            var counts = [change.kind.rawValue: 1]
            if change.kind == .deathReversed, let death {
                try self.closeConflicts(of: request.personId, decision: id, by: actor, on: day, db)
                for (kind, n) in try self.replay(person: request.personId, after: death, ledger: &ledger, now: now, db) {
                    counts[kind, default: 0] += n
                }
                // Still suspended (no evidence of life after the "death" resumed them). When this
                // reversal upholds an appeal, the appeal's finding, checked by two operators, is that
                // the person lives: the suspension is lifted too (a review found the living person of
                // an upheld death appeal left unpaid, told to scan a face whose template the
                // retention rule may have deleted). Otherwise they are told why and how to resume.
                let upheld =
                    try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM appeal WHERE decision_id = ? AND status = 'upheld' AND subject = 'death'", arguments: [id])
                    ?? false
                if ledger.status == .suspended && upheld {
                    let suspendedSince = ledger.suspendedOn
                    let lifted = try self.deferral.approve(
                        .reinstate, request.recorded, reason: request.reason, note: note, by: actor, ledger: &ledger, on: day)
                    try Self.save(ledger, person: request.personId, db)
                    try Self.record([lifted], person: request.personId, evidence: nil, actor: actor, at: now, rules: self.rulesVersion, db)
                    counts[lifted.kind.rawValue, default: 0] += 1
                    try self.notify([lifted], person: request.personId, evidence: nil, suspendedSince: suspendedSince, on: day, db)
                } else if ledger.status == .suspended {
                    try self.queueNotice(
                        .suspension, personID: request.personId, key: "death_reversed \(day)",
                        values: ["cause": "death_record_reversed", "day": (ledger.suspendedOn ?? day).description], on: day, db)
                }
            } else {
                try self.notify([change], person: request.personId, evidence: nil, suspendedSince: suspendedBefore, on: day, db)
            }
            try request.close("approved", by: actor, on: day, reason: note, db)
            for (kind, n) in try self.reevaluate([request.personId], on: day, now: now, db) { counts[kind, default: 0] += n }
            return (try self.decision(id, db), counts)
        }
    }

    /// Refuses a pending request (a second operator, or the one who asked withdrawing it).
    public func reject(_ id: Int64, reason: String, by actor: String, scope: String? = nil, on day: Day) async throws -> Decision {
        let reason = try DeferralRules.reason(reason)
        return try await write { db in
            var request = try self.pending(id, scope: scope, db).request
            try request.close("rejected", by: actor, on: day, reason: reason, db)
            try Self.reopenAppeals(decision: id, db)
            try Self.record(
                [DecisionRules.rejected(request.recorded, kind: request.kind, reason: reason, on: day)], person: request.personId,
                evidence: nil, actor: actor, at: Self.timestamp(), rules: self.rulesVersion, db)
            return try self.decision(id, db)
        }
    }

    /// Moves an active person's deadline to `until` (in hospital, living abroad), within the rules'
    /// limit; their open field checks, home visits and calls for the old deadline close.
    public func extend(
        person: String, until: Day, reason: String, by actor: String, scope: String? = nil, on day: Day
    ) async throws -> Decision {
        let reason = try DeferralRules.reason(reason)
        try ActorID.requireNamed(actor, to: "extend a deadline")
        return try await write { db in
            let row = try self.person(person, scope: scope, db)
            var ledger = Self.ledger(row, at: 1)
            let before = ledger.deadline
            let change = try self.deferral.extend(
                &ledger, until: until, on: day, cause: "deadline \(before) extended to \(until): \(reason)")
            var decision = DecisionRow(
                personId: person, kind: Decision.Kind.extend.rawValue, until: until.description, reason: reason, status: "done",
                requestedBy: actor, requestedOn: day.description, decidedBy: actor, decidedOn: day.description,
                rulesVersion: self.rulesVersion)
            try decision.insert(db)
            let now = Self.timestamp()
            try Self.save(ledger, person: person, db)
            try Self.record([change], person: person, evidence: nil, actor: actor, at: now, rules: self.rulesVersion, db)
            // Under a rule's hold the field checks stay open: an extension moves the deadline, it
            // does not confirm the person (only a person-to-person check ends the hold).
            if try !Self.ruleHoldInForce(person, db) {
                try Self.closeDeadlineTasks(of: person, outcome: "extended", on: day, by: actor, db)
            }
            _ = try self.reevaluate([person], on: day, now: now, db)
            return try self.decision(decision.id!, db)
        }
    }

    /// Holds a person's payment from the next payroll until `until` (an inquiry), with a reason;
    /// the months it holds are paid on release if the person was otherwise payable.
    public func hold(person: String, until: Day, reason: String, by actor: String, scope: String? = nil, on day: Day) async throws
        -> Decision
    {
        let reason = try DeferralRules.reason(reason)
        try ActorID.requireNamed(actor, to: "hold a payment")
        try deferral.checkHold(until: until, on: day)
        return try await write { db in
            let row = try self.person(person, scope: scope, db)
            try DecisionRules.checkHold(
                person: person, ledger: Self.ledger(row, at: 1), open: try self.openDecision(.hold, of: person, db)?.recorded)
            var decision = DecisionRow(
                personId: person, kind: Decision.Kind.hold.rawValue, until: until.description, reason: reason, status: "in_force",
                requestedBy: actor, requestedOn: day.description, rulesVersion: self.rulesVersion)
            try decision.insert(db)
            try Self.record(
                [DecisionRules.held(decision.id!, until: until, reason: reason, on: day)], person: person, evidence: nil, actor: actor,
                at: Self.timestamp(), rules: self.rulesVersion, db)
            return try self.decision(decision.id!, db)
        }
    }

    /// Releases hold `id` before its expiry.
    public func release(_ id: Int64, reason: String, by actor: String, scope: String? = nil, on day: Day) async throws -> Decision {
        let reason = try DeferralRules.reason(reason)
        try ActorID.requireNamed(actor, to: "release a payment hold")
        return try await write { db in
            guard var hold = try DecisionRow.fetchOne(db, key: id), hold.kind == Decision.Kind.hold.rawValue else {
                throw Self.noRecord(.unknownDecision, "hold \(id)", scope)
            }
            _ = try self.person(hold.personId, of: .unknownDecision, "hold \(id)", scope: scope, db)
            try DecisionRules.checkInForce(hold.recorded)
            try self.end(&hold, by: actor, reason: reason, on: day, now: Self.timestamp(), db)
            return try self.decision(id, db)
        }
    }

    /// Holds a person's payment by a rule (`rule`, an actor such as
    /// ``DeferralRules/hiddenDeathActor``) from the next payroll run, in the caller's write: a
    /// `hold` decision in force with no expiry (`until` NULL), `cause` as its reason, the rules
    /// version recorded, and a `held` ledger event. It ends when a person-to-person check
    /// confirms the person (``endRuleHolds(of:confirmedBy:observed:by:on:now:_:)``) or an operator
    /// releases it. Nothing for a person recorded deceased (nothing is paid) or already under a
    /// hold in force (it already stops payment). Returns the decision's id, or nil.
    @discardableResult
    func placeRuleHold(person: String, cause: String, rule: String, on day: Day, _ db: Database) throws -> Int64? {
        guard
            try String.fetchOne(db, sql: "SELECT status FROM person WHERE id = ?", arguments: [person]).map({ $0 != "deceased" })
                ?? false,
            try openDecision(.hold, of: person, db) == nil
        else { return nil }
        var decision = DecisionRow(
            personId: person, kind: Decision.Kind.hold.rawValue, until: nil, reason: cause, status: "in_force", requestedBy: rule,
            requestedOn: day.description, rulesVersion: self.rulesVersion)
        try decision.insert(db)
        try Self.record(
            [DecisionRules.heldByRule(decision.id!, reason: cause, on: day)], person: person, evidence: nil, actor: rule,
            at: Self.timestamp(), rules: self.rulesVersion, db)
        return decision.id
    }

    /// Ends the person's holds placed by a rule (requested by `rule:...`) when evidence of `kind`
    /// observed on `observed`, on or after the hold was placed, is a person-to-person check
    /// (``LedgerRules/confirmsInPerson(_:)``: a visit, a face verification, a counter of the
    /// service's own), recorded by `actor` on `day`. The next payroll run pays the months the hold
    /// kept back, and the person's field checks, which stayed open while the hold stood, close.
    func endRuleHolds(
        of person: String, confirmedBy kind: LedgerRules.Kind, observed: Day, by actor: String, on day: Day, now: String, _ db: Database
    ) throws {
        guard rules.confirmsInPerson(kind) else { return }
        let holds = try DecisionRow.fetchAll(
            db,
            sql: """
                SELECT * FROM decision WHERE person_id = ? AND kind = 'hold' AND status = 'in_force'
                  AND requested_by LIKE 'rule:%' AND requested_on <= ?
                """, arguments: [person, observed.description])
        for var hold in holds {
            try end(&hold, by: actor, reason: "confirmed in person: \(kind.kind) observed \(observed)", on: day, now: now, db)
        }
        if !holds.isEmpty { try Self.closeDeadlineTasks(of: person, outcome: "certified", on: day, by: actor, db) }
    }

    /// Whether a hold a rule placed is in force for the person: their field checks stay open (a
    /// certification by behaviour or a department's row does not close them) and an unreachable
    /// answer escalates at once, so a held payment is always on someone's worklist.
    static func ruleHoldInForce(_ person: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM decision WHERE person_id = ? AND kind = 'hold' AND status = 'in_force'
                    AND requested_by LIKE 'rule:%')
                """, arguments: [person]) ?? false
    }

    /// The sweep's part: holds whose expiry has come end, released by `sweep`.
    func releaseExpiredHolds(on day: Day, now: String, into report: inout SweepReport, _ db: Database) throws {
        let expired = try DecisionRow.fetchAll(
            db, sql: "SELECT * FROM decision WHERE kind = 'hold' AND status = 'in_force' AND until <= ?", arguments: [day.description])
        for var hold in expired {
            try end(&hold, by: "sweep", reason: "expired on \(hold.until ?? "")", on: day, now: now, db)
            report.changes[LedgerChange.Kind.released.rawValue, default: 0] += 1
        }
    }

    func end(_ hold: inout DecisionRow, by actor: String, reason: String, on day: Day, now: String, _ db: Database) throws {
        try hold.close("ended", by: actor, on: day, reason: reason, db)
        try Self.record(
            [DecisionRules.released(hold.recorded, reason: reason, on: day)], person: hold.personId, evidence: nil, actor: actor, at: now,
            rules: rulesVersion, db)
    }

    // MARK: - Helpers

    /// A person's row (``sweepColumns``), within `scope` (a unit path prefix) when given.
    func person(_ id: String, scope: String?, _ db: Database) throws -> Row {
        let row = try Row.fetchOne(
            db, sql: "SELECT \(Self.sweepColumns), u.path FROM person p JOIN unit u ON u.code = p.unit_code WHERE p.id = ?",
            arguments: [id])
        // Outside the scope is answered as no such person, in the same words.
        guard let row, scope.map({ (row["path"] as String).hasPrefix($0) }) ?? true else {
            throw LedgerError(.personNotFound, scope == nil ? "no person \(id) in the ledger" : "no person \(id) in this key's unit")
        }
        return row
    }

    /// The row of the person a numbered record (a conflict, a decision, a hold) concerns, within
    /// `scope` by the person's unit now. A record of a person outside it is answered exactly as a
    /// record that does not exist (`notFound`, ``noRecord(_:_:_:)``'s words): numbers are
    /// sequential, and a different answer would tell another district which exist.
    func person(_ id: String, of notFound: LedgerError.Code, _ record: String, scope: String?, _ db: Database) throws -> Row {
        let row = try person(id, scope: nil, db)
        if let scope, !(row["path"] as String).hasPrefix(scope) { throw Self.noRecord(notFound, record, scope) }
        return row
    }

    /// "no conflict 12", or with a scope "no conflict 12 in this key's unit": the one answer for
    /// a numbered record that does not exist and one outside the caller's unit.
    static func noRecord(_ code: LedgerError.Code, _ record: String, _ scope: String?) -> LedgerError {
        LedgerError(code, "no \(record)" + (scope == nil ? "" : " in this key's unit"))
    }

    /// The four-eyes request of `kind` (``DecisionRules/Request``): only reverse_death and
    /// reinstate are requests.
    static func fourEyes(_ kind: Decision.Kind) throws(LedgerError) -> DecisionRules.Request {
        switch kind {
        case .reverseDeath: return .reverseDeath
        case .reinstate: return .reinstate
        case .resolveConflict, .extend, .hold, .changeBenefit, .correctPerson:
            throw LedgerError(.invalidDecision, "\(kind.rawValue) is not a four-eyes request")
        }
    }

    /// A pending four-eyes request and its person's row (``person(_:scope:_:)``), within scope.
    func pending(_ id: Int64, scope: String?, _ db: Database) throws -> (request: DecisionRow, person: Row) {
        guard let request = try DecisionRow.fetchOne(db, key: id), Decision.Kind(rawValue: request.kind)?.needsSecondOperator == true
        else { throw Self.noRecord(.unknownDecision, "four-eyes request \(id)", scope) }
        let person = try person(request.personId, of: .unknownDecision, "four-eyes request \(id)", scope: scope, db)
        try DecisionRules.checkPending(request.recorded)
        return (request, person)
    }

    /// Closes a person's open conflicts when their death is reversed.
    func closeConflicts(of person: String, decision: Int64, by actor: String, on day: Day, _ db: Database) throws {
        let open = try Int64.fetchAll(
            db,
            sql: """
                SELECT e.id FROM ledger_event e WHERE e.person_id = ? AND e.kind = 'conflict'
                  AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.conflict_id = e.id AND d.kind = 'resolve_conflict')
                """, arguments: [person])
        for conflict in open {
            var row = DecisionRow(
                personId: person, kind: Decision.Kind.resolveConflict.rawValue, conflictId: conflict, outcome: "death_reversed",
                reason: "the death was reversed by decision \(decision)", status: "done", requestedBy: actor, requestedOn: day.description,
                decidedBy: actor, decidedOn: day.description, rulesVersion: self.rulesVersion)
            try row.insert(db)
        }
    }

    /// Applies again, in delivery order, the person's evidence observed after a reversed death.
    func replay(person: String, after death: Day, ledger: inout PersonLedger, now: String, _ db: Database) throws -> [String: Int] {
        var report = ImportReport()
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, kind, observed_day, coalesce(delivered_by, 'an unrecorded sender') AS by FROM evidence
                WHERE person_id = ? AND class <> 'death' AND observed_day > ? ORDER BY id
                """, arguments: [person, death.description])
        for row in rows {
            guard let kind = rules.kind(row["kind"]), let day = Day(row["observed_day"] as String) else { continue }
            let changes = try changes(for: kind, on: day, person: person, upTo: row["id"], by: row["by"], ledger: &ledger, db)
            guard !changes.isEmpty else { continue }
            try Self.save(ledger, person: person, db)
            try self.keep(
                changes, person: person, evidence: row["id"], on: day, by: row["by"], at: now, into: &report, rules: self.rulesVersion, db)
        }
        return report.changes
    }
}

extension DecisionRow {
    /// The row as ``DecisionRules`` reads it.
    var recorded: DecisionRules.Recorded {
        DecisionRules.Recorded(
            id: id ?? 0, status: status, requestedBy: requestedBy, requestedOn: requestedOn, decidedBy: decidedBy, decidedOn: decidedOn,
            until: until, outcome: outcome)
    }
}
