import Foundation
import GRDB
import Ledger

/// Persons as the API sees them (`person` with its unit and enrollment count): read, create and
/// change, with the same checks as a CSV import.
public struct PersonStore: LedgerBacked {
    let ledger: LedgerStore

    public init(ledger: LedgerStore) {
        self.ledger = ledger
    }

    static let personRecordSQL = """
        SELECT \(LedgerStore.ledgerColumns(of: "p")), p.id, p.name, p.birth_date, p.unit_code, u.path AS unit_path, p.benefit_level,
            p.monthly_amount_fen, p.phone, p.wechat_id, p.lives_alone, p.immobile, p.enrolled_on, e.actor AS entered_by,
            e.at AS entered_at, coalesce(t.photos, 0) AS template_photos,
            coalesce((SELECT c.withdrawn_on IS NOT NULL FROM consent c WHERE c.person_id = p.id ORDER BY c.id DESC LIMIT 1), 0)
              AS consent_withdrawn
        FROM person p JOIN unit u ON u.code = p.unit_code LEFT JOIN face_template t ON t.person_id = p.id
            LEFT JOIN person_entry e ON e.id = p.entry_id
        WHERE p.id = ?
        """

    static func personRecord(_ id: ResidentID, _ db: Database) throws -> PersonRecord? {
        guard let row = try Row.fetchOne(db, sql: personRecordSQL, arguments: [id.value]) else { return nil }
        var record = PersonRecord(
            id: id, name: row["name"], birthDate: Day(row["birth_date"] as String)!, unitCode: row["unit_code"], unitPath: row["unit_path"],
            benefitLevel: row["benefit_level"], monthlyAmountFen: row["monthly_amount_fen"], phone: row["phone"],
            wechatID: row["wechat_id"],
            livesAlone: row["lives_alone"], immobile: row["immobile"], ledger: LedgerStore.ledger(row, at: 0),
            enrolledOn: Day(row["enrolled_on"] as String)!, templatePhotos: row["template_photos"], enteredBy: row["entered_by"],
            enteredAt: row["entered_at"])
        record.consentWithdrawn = row["consent_withdrawn"]
        return record
    }

    /// The person, or nil when the ledger has no such resident ID.
    public func person(_ id: ResidentID) async throws -> PersonRecord? {
        try await read { db in try PersonStore.personRecord(id, db) }
    }

    /// Adds a person, active from `today`, after the same checks as a CSV import. A resident ID
    /// already in the ledger is refused (`person_exists`), as is a community outside `scope`.
    /// Recorded as entered by `actor`, now.
    public func createPerson(_ input: PersonInput, today: Day, scope: String, by actor: String) async throws -> PersonRecord {
        let rules = ledger.rules
        return try await write { db in
            let communities = Set(try String.fetchAll(db, sql: "SELECT code FROM unit WHERE level = 'community'"))
            let person = try Self.checked { () throws in try input.validated(rules: rules, communities: communities) }
            guard let path = try self.ledger.unitPath(person.unitCode, db), path.hasPrefix(scope) else {
                throw LedgerError(.outOfScope, "community \(person.unitCode) is outside the units this key may manage")
            }
            // A resident registered anywhere in the city is refused in the same words whether or not
            // the key may see them: registering them twice would pay them twice, so the refusal
            // itself cannot be avoided (see docs/http-api.md), but it names no unit.
            let entry = try LedgerStore.recordEntry(by: actor, door: "POST /v1/persons", db)
            guard try LedgerStore.insert(person, enrolled: today, entry: entry, db) else {
                throw LedgerError(
                    .personExists,
                    "\(person.id) is already registered: if they live in your unit, change their details; if they moved to it, ask the city office to move them"
                )
            }
            return try PersonStore.personRecord(person.id, db)!
        }
    }

    /// Applies changes to a person within `scope` (the person's current and new community must
    /// both lie in it). A new name, benefit level or amount is refused (`needs_decision`): those
    /// are four-eyes decisions (``LedgerStore/requestBenefitChange(person:level:amount:effectiveMonth:reason:by:scope:on:)``,
    /// ``LedgerStore/requestCorrection(person:name:birthDate:reason:by:scope:on:)``).
    /// Every change is recorded as an `edited` ledger event naming the fields (old and new values
    /// of level, amount and community; contact fields by name only) and `actor`; a level change
    /// recomputes the deadline (``DeferralRules/changePeriod(_:to:since:)``).
    public func updatePerson(_ id: ResidentID, _ changes: PersonChanges, scope: String, by actor: String) async throws -> PersonRecord {
        let rules = ledger.rules
        return try await write { db in
            // A person outside the scope is answered as one who does not exist.
            guard let current = try PersonStore.personRecord(id, db), current.unitPath.hasPrefix(scope) else {
                throw LedgerError(.personNotFound, "no person \(id) in this key's unit")
            }
            // The amount, the level and the name are four-eyes decisions with a reason (and an
            // effective month for the money): this door refuses to change them, and names the one
            // that does. Sending their current values changes nothing and passes.
            var decided: [String] = []
            if let name = changes.name, PersonInput.trimmedWhitespace(name) != current.name { decided.append("name") }
            if let level = changes.benefitLevel, level != current.benefitLevel { decided.append("benefit_level") }
            if let amount = changes.monthlyAmount, PersonInput.fen(amount) != current.monthlyAmountFen { decided.append("monthly_amount") }
            guard decided.isEmpty else {
                throw LedgerError(
                    .needsDecision,
                    "\(decided.joined(separator: ", ")) changes only by a four-eyes decision with a reason: POST /v1/decisions with kind change_benefit (benefit_level, amount, effective_month) or correct_person (name, birth_date), approved by a second operator"
                )
            }
            let input = PersonInput(
                residentID: id.value, name: changes.name ?? current.name, birthDate: current.birthDate.description,
                unitCode: changes.unitCode ?? current.unitCode, benefitLevel: changes.benefitLevel ?? current.benefitLevel,
                monthlyAmount: changes.monthlyAmount ?? Yuan.text(fen: current.monthlyAmountFen), phone: changes.phone ?? current.phone,
                wechatID: changes.wechatID ?? current.wechatID, livesAlone: changes.livesAlone ?? current.livesAlone,
                immobile: changes.immobile ?? current.immobile)
            let communities = Set(try String.fetchAll(db, sql: "SELECT code FROM unit WHERE level = 'community'"))
            let person = try Self.checked { () throws in try input.validated(rules: rules, communities: communities) }
            guard let path = try self.ledger.unitPath(person.unitCode, db), path.hasPrefix(scope) else {
                throw LedgerError(.outOfScope, "community \(person.unitCode) is outside the units this key may manage")
            }
            try db.execute(
                sql: """
                    UPDATE person SET name = ?, unit_code = ?, benefit_level = ?, service_period_months = ?, monthly_amount_fen = ?,
                        phone = ?, wechat_id = ?, lives_alone = ?, immobile = ?
                    WHERE id = ?
                    """,
                arguments: [
                    person.name, person.unitCode, person.benefitLevel, person.servicePeriodMonths, person.monthlyAmountFen, person.phone,
                    person.wechatID, person.livesAlone, person.immobile, id.value,
                ])
            let today = ServiceClock.today()
            var edits: [String] = []
            if person.benefitLevel != current.benefitLevel { edits.append("level \(current.benefitLevel) to \(person.benefitLevel)") }
            if person.monthlyAmountFen != current.monthlyAmountFen {
                edits.append("amount \(Yuan.text(fen: current.monthlyAmountFen)) to \(Yuan.text(fen: person.monthlyAmountFen))")
            }
            if person.unitCode != current.unitCode {
                // Open tasks go with the person to the new community's staff; the old community
                // no longer sees them (every scope check reads the person's unit now).
                try db.execute(
                    sql: "UPDATE task SET unit_code = ? WHERE person_id = ? AND status = 'open'", arguments: [person.unitCode, id.value])
                let handed = db.changesCount
                edits.append(
                    "community \(current.unitCode) to \(person.unitCode)"
                        + (handed > 0 ? " (\(handed) open task\(handed == 1 ? "" : "s") handed to \(person.unitCode))" : ""))
            }
            if person.name != current.name { edits.append("name") }
            if person.phone != current.phone || person.wechatID != current.wechatID { edits.append("contact") }
            if person.livesAlone != current.livesAlone || person.immobile != current.immobile { edits.append("living situation") }
            guard !edits.isEmpty else { return current }
            var ledger = current.ledger
            var cause = "changed by \(actor): " + edits.joined(separator: ", ")
            let deadline = DeferralRules(rules: rules).changePeriod(
                &ledger, to: person.servicePeriodMonths, since: current.enrolledOn)
            if let deadline { cause += "; service period \(person.servicePeriodMonths) months, deadline \(deadline)" }
            // The period was written with the details above; save() writes the recomputed deadline.
            try LedgerStore.save(ledger, person: id.value, db)
            try LedgerStore.record(
                [LedgerChange(kind: .edited, day: today, cause: cause, deadline: deadline)], person: id.value, evidence: nil, actor: actor,
                at: LedgerStore.timestamp(), rules: self.ledger.rulesVersion, db)
            return try PersonStore.personRecord(id, db)!
        }
    }

    /// Runs a typed-throwing check inside a GRDB closure (which throws untyped).
    static func checked<T>(_ body: () throws -> T) throws -> T { try body() }
}
