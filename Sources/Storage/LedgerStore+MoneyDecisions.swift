import Foundation
import GRDB
import Ledger

// Money changes are decisions (issue 29, part 4): a benefit amount or level change, and a
// correction of a name or birth date, are four-eyes requests (approved by another operator with
// ``approve(_:reason:by:scope:on:)``, refused or withdrawn with ``reject(_:reason:by:scope:on:)``);
// an approved amount enters the person's history (`benefit_amount`) from its effective month, and
// payroll pays each month at the amount in force for it (``BenefitAmounts``).
extension LedgerStore {
    /// What a money decision reads of a person besides their ledger.
    struct Money {
        var level: String
        var enrolled: Day
        var lastPaid: Month?
        var history: [BenefitAmounts.Entry]
    }

    /// The person's level, entry day, last month paid and amount history: the stored one, or, for
    /// a person whose amount never changed, the amount on their record from their entry month.
    static func money(of person: String, _ db: Database) throws -> Money {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT benefit_level, enrolled_on, monthly_amount_fen,
                  (SELECT MAX(for_month) FROM payroll_line WHERE person_id = p.id) AS last_paid
                FROM person p WHERE id = ?
                """, arguments: [person])!
        let enrolled = Day(row["enrolled_on"] as String)!
        let stored = try Row.fetchAll(
            db, sql: "SELECT from_month, amount_fen FROM benefit_amount WHERE person_id = ? ORDER BY from_month, id", arguments: [person]
        ).map { BenefitAmounts.Entry(from: Month($0["from_month"] as String)!, fen: $0["amount_fen"]) }
        return Money(
            level: row["benefit_level"], enrolled: enrolled, lastPaid: (row["last_paid"] as String?).flatMap(Month.init),
            history: stored.isEmpty ? [BenefitAmounts.Entry(from: Month(enrolled), fen: row["monthly_amount_fen"])] : stored)
    }

    /// Every stored amount history, by person, each in the order ``BenefitAmounts/inForce(_:_:)``
    /// reads (month, then approval).
    static func amountHistories(_ db: Database) throws -> [String: [BenefitAmounts.Entry]] {
        var histories: [String: [BenefitAmounts.Entry]] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT person_id, from_month, amount_fen FROM benefit_amount ORDER BY person_id, from_month, id")
        while let row = try rows.next() {
            guard let month = Month(row[1] as String) else { continue }
            histories[row[0], default: []].append(BenefitAmounts.Entry(from: month, fen: row[2]))
        }
        return histories
    }

    /// Asks for a benefit amount and/or level change from `effectiveMonth`, with a reason. Refused:
    /// no reason, an unreadable or out-of-range effective month (``BenefitAmounts/effectiveMonth(_:on:enrolled:lastPaid:)``),
    /// an amount outside 0 to 999,999.99 yuan, a level the rules do not know, a change that changes
    /// nothing, a person recorded deceased, or a change already pending for the person.
    public func requestBenefitChange(
        person: String, level: String?, amount: String?, effectiveMonth: String, reason: String, by actor: String, scope: String? = nil,
        on day: Day
    ) async throws -> Decision {
        let reason = try DeferralRules.reason(reason)
        let rules = rules
        let fen = amount.map { PersonInput.fen($0) }
        if let amount, fen == .some(nil) {
            throw LedgerError(.invalidAmount, "amount '\(amount)' is not an amount in yuan (0 to 999999.99)")
        }
        let newFen: Int? = fen ?? nil
        if let level, rules.servicePeriodMonths(level: level) == nil {
            let known = rules.service_period_months.keys.sorted().joined(separator: ", ")
            throw LedgerError(.invalidBenefitLevel, "benefit level '\(level)' is not one of \(known)")
        }
        try DecisionRules.checkRequester(actor)
        return try await write { db in
            let row = try self.person(person, scope: scope, db)
            guard Self.ledger(row, at: 1).status != .deceased else {
                throw LedgerError(.personState, "\(person) is recorded deceased: there is no amount to change")
            }
            let money = try Self.money(of: person, db)
            let month = try BenefitAmounts.effectiveMonth(effectiveMonth, on: day, enrolled: money.enrolled, lastPaid: money.lastPaid)
            let before = BenefitAmounts.inForce(month, money.history) ?? 0
            let what = try BenefitAmounts.describe(
                level: level.map { (from: money.level, to: $0) }, fen: newFen.map { (from: before, to: $0) }, from: month)
            try Self.checkNoneOpen(.changeBenefit, of: person, db, self)
            var request = DecisionRow(
                personId: person, kind: Decision.Kind.changeBenefit.rawValue, reason: reason, status: "pending", requestedBy: actor,
                requestedOn: day.description, rulesVersion: self.rulesVersion, benefitLevel: level, amountFen: newFen,
                effectiveMonth: month.description)
            try request.insert(db)
            try Self.record(
                [DecisionRules.requested(request.id!, asking: what, reason: reason, on: day)], person: person, evidence: nil, actor: actor,
                at: Self.timestamp(), rules: self.rulesVersion, db)
            return try self.decision(request.id!, db)
        }
    }

    /// Asks for a person's name and/or birth date to be corrected (``PersonCorrection/check(id:name:birthDate:current:earliestEvidence:on:)``).
    public func requestCorrection(
        person: String, name: String?, birthDate: String?, reason: String, by actor: String, scope: String? = nil, on day: Day
    ) async throws -> Decision {
        let reason = try DeferralRules.reason(reason)
        try DecisionRules.checkRequester(actor)
        return try await write { db in
            let row = try self.person(person, scope: scope, db)
            let earliest = try String.fetchOne(db, sql: "SELECT MIN(observed_day) FROM evidence WHERE person_id = ?", arguments: [person])
            let checked = try PersonCorrection.check(
                id: try ResidentID(person), name: name, birthDate: birthDate,
                current: (name: row["name"] as String, birthDate: Day(row["birth_date"] as String)!),
                earliestEvidence: earliest.flatMap(Day.init), on: day)
            try Self.checkNoneOpen(.correctPerson, of: person, db, self)
            var request = DecisionRow(
                personId: person, kind: Decision.Kind.correctPerson.rawValue, reason: reason, status: "pending", requestedBy: actor,
                requestedOn: day.description, rulesVersion: self.rulesVersion, name: checked.name, birthDate: checked.birthDate?.description
            )
            try request.insert(db)
            try Self.record(
                [DecisionRules.requested(request.id!, asking: checked.what, reason: reason, on: day)], person: person, evidence: nil,
                actor: actor, at: Self.timestamp(), rules: self.rulesVersion, db)
            return try self.decision(request.id!, db)
        }
    }

    /// One pending request of a kind per person (the `decision_open` index would refuse a second
    /// with a constraint error; this says which is pending).
    static func checkNoneOpen(_ kind: Decision.Kind, of person: String, _ db: Database, _ store: LedgerStore) throws {
        if let open = try store.openDecision(kind, of: person, db) {
            throw LedgerError(
                .personState,
                "a \(kind.rawValue) request is already pending: decision \(open.id ?? 0), asked by \(open.requestedBy) on \(open.requestedOn)"
            )
        }
    }

    /// A second operator's approval of a change or a correction (never the operator who asked:
    /// ``DecisionRules/checkApprover(_:of:)``). A change enters the amount history from its month
    /// (refused if a run has paid that month since the request) and sets the level, whose service
    /// period moves the deadline of an active person (``DeferralRules/changePeriod(_:to:since:)``);
    /// a correction sets the name and birth date (the deadline stays: the period is the level's).
    /// One `edited` ledger event names both operators and what changed.
    func approveChange(_ request: inout DecisionRow, person row: Row, note: String?, by actor: String, on day: Day, _ db: Database) throws
        -> (decision: Decision, changes: [String: Int])
    {
        try DecisionRules.checkPending(request.recorded)
        try DecisionRules.checkApprover(actor, of: request.recorded)
        let person = request.personId
        let id = request.id!
        var ledger = Self.ledger(row, at: 1)
        var edits: [String] = []
        var deadline: Day?
        if request.kind == Decision.Kind.changeBenefit.rawValue {
            guard ledger.status != .deceased else {
                throw LedgerError(.personState, "\(person) was recorded deceased after the request: reject it")
            }
            let money = try Self.money(of: person, db)
            let month = Month(request.effectiveMonth ?? "")!
            try BenefitAmounts.checkUnpaid(month, lastPaid: money.lastPaid)
            if let fen = request.amountFen {
                let before = BenefitAmounts.inForce(month, money.history) ?? 0
                // The first change also writes the amount the person entered with, from their entry month.
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM benefit_amount WHERE person_id = ?", arguments: [person]) == 0,
                    let entry = money.history.first
                {
                    try db.execute(
                        sql: "INSERT INTO benefit_amount (person_id, from_month, amount_fen) VALUES (?, ?, ?)",
                        arguments: [person, entry.from.description, entry.fen])
                }
                try db.execute(
                    sql: "INSERT INTO benefit_amount (person_id, from_month, amount_fen, decision_id) VALUES (?, ?, ?, ?)",
                    arguments: [person, month.description, fen, id])
                // The record shows the latest approved amount; payroll reads the history.
                try db.execute(sql: "UPDATE person SET monthly_amount_fen = ? WHERE id = ?", arguments: [fen, person])
                edits.append("amount \(Yuan.text(fen: before)) to \(Yuan.text(fen: fen)) from \(month)")
            }
            if let level = request.benefitLevel, let period = rules.servicePeriodMonths(level: level), level != money.level {
                try db.execute(
                    sql: "UPDATE person SET benefit_level = ?, service_period_months = ? WHERE id = ?", arguments: [level, period, person])
                edits.append("level \(money.level) to \(level)")
                deadline = deferral.changePeriod(&ledger, to: period, since: money.enrolled)
                if let deadline { edits.append("service period \(period) months, deadline \(deadline)") }
            }
        } else {
            if let name = request.name {
                try db.execute(sql: "UPDATE person SET name = ? WHERE id = ?", arguments: [name, person])
                edits.append("name corrected")
            }
            if let birth = request.birthDate {
                try db.execute(sql: "UPDATE person SET birth_date = ? WHERE id = ?", arguments: [birth, person])
                edits.append("birth date \(row["birth_date"] as String) to \(birth) (the deadline stays: the period is the level's)")
            }
        }
        let now = Self.timestamp()
        try Self.save(ledger, person: person, db)
        let cause =
            "decision \(id), asked by \(request.requestedBy) on \(request.requestedOn) (\(request.reason)), approved by \(actor)"
            + (note.map { " (\($0))" } ?? "") + ": " + (edits.isEmpty ? "nothing left to change" : edits.joined(separator: "; "))
        try Self.record(
            [LedgerChange(kind: .edited, day: day, cause: cause, deadline: deadline)], person: person, evidence: nil, actor: actor, at: now,
            rules: rulesVersion, db)
        try request.close("approved", by: actor, on: day, reason: note, db)
        var counts = [LedgerChange.Kind.edited.rawValue: 1]
        for (kind, n) in try reevaluate([person], on: day, now: now, db) { counts[kind, default: 0] += n }
        return (try decision(id, db), counts)
    }

    /// The person's amount history, oldest first.
    public func amountHistory(of person: String) async throws -> [BenefitAmounts.Entry] {
        try await read { db in try Self.money(of: person, db).history }
    }

    // MARK: - Refunds

    /// On a reversed death: each of the person's cases closed `recovered` (the money came back,
    /// and the months were owed after all) opens a refund case for what it claimed. Called by
    /// ``record(_:person:evidence:actor:at:_:)`` in the transaction that reverses the death.
    static func refundRecovered(_ person: String, actor: String, at now: String, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO refund (person_id, unit_code, recovery_id, amount_fen, cause, status, opened_at, opened_by)
                SELECT r.person_id, p.unit_code, r.id, r.amount_fen,
                  'the death of ' || r.death_day || ' was reversed after recovery case ' || r.id || ' recovered the months '
                    || replace(r.months, ',', ' ') || ': what was claimed is owed back',
                  'open', ?, ?
                FROM recovery r JOIN person p ON p.id = r.person_id
                WHERE r.person_id = ? AND r.status = 'recovered' AND NOT EXISTS (SELECT 1 FROM refund f WHERE f.recovery_id = r.id)
                """, arguments: [now, actor, person])
    }

    /// Refund cases of the persons who live in the unit's subtree now, oldest first.
    public func refunds(unit: String) async throws -> [Refund] {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT f.*, p.name FROM refund f JOIN person p ON p.id = f.person_id
                    WHERE p.unit_code IN (SELECT code FROM unit WHERE substr(path, 1, length(?)) = ?) ORDER BY f.id
                    """, arguments: [path, path]
            ).map { row in
                Refund(
                    id: row["id"], personID: row["person_id"], name: row["name"], unitCode: row["unit_code"],
                    recoveryID: row["recovery_id"],
                    amountFen: row["amount_fen"], cause: row["cause"], status: Refund.Status(rawValue: row["status"]) ?? .open,
                    openedAt: row["opened_at"], openedBy: row["opened_by"])
            }
        }
    }
}

extension DecisionRow {
    /// What a change or a correction asks, as ``Decision`` carries it.
    var change: Decision.Change? {
        guard kind == Decision.Kind.changeBenefit.rawValue || kind == Decision.Kind.correctPerson.rawValue else { return nil }
        return Decision.Change(
            benefitLevel: benefitLevel, amountFen: amountFen, effectiveMonth: effectiveMonth.flatMap(Month.init), name: name,
            birthDate: birthDate.flatMap(Day.init))
    }
}
