import Foundation
import GRDB
import Ledger

/// Appeals against a suspension or a death record, with a clock (issue 31), and the person's own
/// status. An appeal is filed by the pensioner, a relative, a community worker or an operator, is
/// due `appeal_days` working days later, sits on the worklist of the person's community (and so of
/// its district), and is escalated to the district by the daily sweep once overdue. Deciding it:
/// rejected by one named operator (not its filer); upheld, it asks the existing four-eyes
/// decision (reinstate a suspension, reverse a death), and is upheld when a second operator
/// approves that request, which also resumes the person. A person resumed another way meanwhile
/// (a face scan, a visit, a decision not made on the appeal) closes their open appeal as moot.
extension LedgerStore {
    static let appealColumns = """
        a.id, a.person_id, p.name, a.unit_code, a.subject, a.filed_by_role, a.filed_by, a.relative_name, a.relation, a.grounds,
        a.filed_on, a.due_on, a.status, a.escalated_to, a.resolved_on, a.resolved_by, a.reason, a.decision_id, a.rules_version
        """

    static func appealView(_ row: Row) -> Appeal {
        Appeal(
            id: row["id"], personID: row["person_id"], name: row["name"], unitCode: row["unit_code"],
            subject: Appeal.Subject(rawValue: row["subject"]) ?? .suspension,
            filedByRole: Appeal.Filer(rawValue: row["filed_by_role"]) ?? .operator,
            filedBy: row["filed_by"], relativeName: row["relative_name"], relation: row["relation"], grounds: row["grounds"],
            filedOn: Day(row["filed_on"] as String)!, dueOn: Day(row["due_on"] as String)!,
            status: Appeal.Status(rawValue: row["status"]) ?? .open,
            escalatedTo: row["escalated_to"], resolvedOn: (row["resolved_on"] as String?).flatMap(Day.init), resolvedBy: row["resolved_by"],
            reason: row["reason"], decisionID: row["decision_id"], rulesVersion: row["rules_version"])
    }

    func appeals(where condition: String, _ arguments: StatementArguments, _ db: Database) throws -> [Appeal] {
        try Row.fetchAll(
            db, sql: "SELECT \(Self.appealColumns) FROM appeal a JOIN person p ON p.id = a.person_id WHERE \(condition) ORDER BY a.id DESC",
            arguments: arguments
        ).map(Self.appealView)
    }

    // MARK: - The person's status

    public func personStatus(_ id: ResidentID, scope: String?) async throws -> PersonStatus {
        try await read { db in
            let row = try self.person(id.value, scope: scope, db)
            let carried = try Row.fetchOne(
                db,
                sql: """
                    SELECT e.kind, e.observed_day, e.source FROM ledger_event le JOIN evidence e ON e.id = le.evidence_id
                    WHERE le.person_id = ? AND le.kind IN ('certified', 'resumed') ORDER BY le.id DESC LIMIT 1
                    """, arguments: [id.value]
            ).map { row -> PersonStatus.Carried in
                let kind: String = row["kind"]
                return PersonStatus.Carried(
                    kind: kind, day: Day(row["observed_day"] as String)!, source: self.rules.kind(kind)?.source ?? row["source"])
            }
            return PersonStatus(
                personID: id.value, unitCode: row["unit_code"], ledger: Self.ledger(row, at: 1), lastEvidence: carried,
                openAppeal: try self.appeals(where: "a.person_id = ? AND a.status = 'open'", [id.value], db).first)
        }
    }

    public func verifiedRecently(person: ResidentID, key: String, device: String, since: String) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM verification_attempt WHERE person_id = ? AND key_id = ? AND coalesce(device, key_id) = ?
                        AND decision = 'verified' AND at >= ?)
                    """, arguments: [person.value, key, device, since]) ?? false
        }
    }

    // MARK: - Appeals

    public func fileAppeal(_ filing: AppealFiling, scope: String?, on day: Day) async throws -> Appeal {
        let side = rules.pensioner_side
        let grounds = try AppealRules.grounds(filing.grounds, max: side.max_grounds_chars)
        let relative: (name: String, relation: String)? =
            filing.filer == .relative ? try AppealRules.relative(name: filing.relativeName, relation: filing.relation) : nil
        if filing.filer == .communityWorker || filing.filer == .operator {
            try ActorID.requireNamed(filing.actor, to: "file an appeal for a person")
        }
        return try await write { db in
            let row = try self.person(filing.person, scope: scope, db)
            let ledger = Self.ledger(row, at: 1)
            let subject = try AppealRules.subject(person: filing.person, status: ledger.status)
            if let open = try Int64.fetchOne(
                db, sql: "SELECT id FROM appeal WHERE person_id = ? AND status = 'open'", arguments: [filing.person])
            {
                throw LedgerError(.appealOpen, "appeal \(open) of this person is open: add to it at the community office, not a second one")
            }
            let due = side.dueDay(filed: day)
            try db.execute(
                sql: """
                    INSERT INTO appeal (person_id, unit_code, subject, filed_by_role, filed_by, relative_name, relation, grounds, filed_on, due_on)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    filing.person, row["unit_code"], subject.rawValue, filing.filer.rawValue, filing.actor, relative?.name,
                    relative?.relation,
                    grounds, day.description, due.description,
                ])
            let id = db.lastInsertedRowID
            try self.queueNotice(
                .appealReceived, personID: filing.person, key: "appeal-\(id)", values: ["appeal": String(id), "due": due.description],
                on: day,
                db)
            return try self.appeals(where: "a.id = ?", [id], db)[0]
        }
    }

    public func appeals(unit: String, status: Appeal.Status?, person: String?) async throws -> [Appeal] {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            return try self.appeals(
                where: """
                    p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1) AND (? IS NULL OR a.status = ?) AND (? IS NULL OR a.person_id = ?)
                    """, [path, status?.rawValue, status?.rawValue, person, person], db)
        }
    }

    public func appeal(_ id: Int64, scope: String?) async throws -> Appeal {
        try await read { db in try self.appeal(id, scope: scope, db) }
    }

    /// Appeal `id`, within `scope` by its person's unit now; outside it is answered as none.
    func appeal(_ id: Int64, scope: String?, _ db: Database) throws -> Appeal {
        guard let appeal = try appeals(where: "a.id = ?", [id], db).first else {
            throw Self.noRecord(.unknownAppeal, "appeal \(id)", scope)
        }
        _ = try person(appeal.personID, of: .unknownAppeal, "appeal \(id)", scope: scope, db)
        return appeal
    }

    public func resolveAppeal(_ id: Int64, outcome: Appeal.Outcome, reason: String, by actor: String, scope: String?, on day: Day)
        async throws -> (appeal: Appeal, request: Decision?)
    {
        let reason = try DeferralRules.reason(reason)
        return try await write { db in
            let appeal = try self.appeal(id, scope: scope, db)
            try AppealRules.checkOpen(appeal)
            try AppealRules.checkDecider(actor, filedBy: appeal.filedBy, appeal: id)
            switch outcome {
            case .rejected:
                try db.execute(
                    sql: """
                        UPDATE appeal SET status = 'rejected', resolved_on = ?, resolved_by = ?, reason = ?, rules_version = ?
                        WHERE id = ? AND status = 'open'
                        """, arguments: [day.description, actor, reason, self.rulesVersion, id])
                try self.queueNotice(
                    .appealDecided, personID: appeal.personID, key: "appeal-\(id)-decided",
                    values: ["appeal": String(id), "outcome": "rejected", "reason": reason], on: day, db)
                return (try self.appeal(id, scope: nil, db), nil)
            case .upheld:
                // The four-eyes request the upholding needs: the existing one when pending (asked
                // before the appeal), else a new one asked by the decider.
                let kind: Decision.Kind = appeal.subject == .death ? .reverseDeath : .reinstate
                let request: Decision
                if let open = try self.openDecision(kind, of: appeal.personID, db), let openID = open.id {
                    try AppealRules.checkDecider(open.requestedBy, filedBy: appeal.filedBy, appeal: id)
                    request = try self.decision(openID, db)
                } else {
                    let row = try self.person(appeal.personID, scope: nil, db)
                    request = try self.request(kind, person: row, reason: "appeal \(id) upheld: \(reason)", by: actor, on: day, db)
                }
                try db.execute(
                    sql:
                        "UPDATE appeal SET decision_id = ?, resolved_by = ?, reason = ?, rules_version = ? WHERE id = ? AND status = 'open'",
                    arguments: [request.id, actor, reason, self.rulesVersion, id])
                return (try self.appeal(id, scope: nil, db), request)
            }
        }
    }

    // MARK: - Hooks of the decisions and the ledger

    /// The approver of a request an appeal's upholding made is not the appeal's filer either
    /// (`same_operator`): a community worker who filed an appeal does not approve its outcome.
    func checkAppealApprover(decision: Int64, _ actor: String, _ db: Database) throws {
        for row in try Row.fetchAll(
            db, sql: "SELECT id, filed_by FROM appeal WHERE decision_id = ? AND status = 'open'", arguments: [decision])
        {
            try AppealRules.checkDecider(actor, filedBy: row["filed_by"], appeal: row["id"])
        }
    }

    /// A request an appeal's upholding made was approved: the appeal is upheld (on the approval's
    /// day) and the appellant told.
    func upholdAppeals(decision: Int64, on day: Day, _ db: Database) throws {
        for row in try Row.fetchAll(
            db, sql: "SELECT id, person_id, reason FROM appeal WHERE decision_id = ? AND status = 'open'", arguments: [decision])
        {
            let id: Int64 = row["id"]
            try db.execute(sql: "UPDATE appeal SET status = 'upheld', resolved_on = ? WHERE id = ?", arguments: [day.description, id])
            try queueNotice(
                .appealDecided, personID: row["person_id"], key: "appeal-\(id)-decided",
                values: ["appeal": String(id), "outcome": "upheld", "reason": row["reason"] ?? ""], on: day, db)
        }
    }

    /// A request an appeal's upholding made was refused or withdrawn: the appeal is open again,
    /// its clock running, for an operator to decide anew.
    static func reopenAppeals(decision: Int64, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE appeal SET decision_id = NULL, resolved_by = NULL, reason = NULL, rules_version = NULL
                WHERE decision_id = ? AND status = 'open'
                """, arguments: [decision])
    }

    /// A person resumed (evidence, a reinstatement) or their death reversed another way than
    /// the appeal: their open appeal (a death reversal: their appeal against the death) is moot.
    static func closeMootAppeals(_ person: String, after change: LedgerChange, actor: String, rules version: Int?, _ db: Database) throws {
        let subject: String
        switch change.kind {
        case .resumed, .reinstated: subject = "%"
        case .deathReversed: subject = Appeal.Subject.death.rawValue
        default: return
        }
        try db.execute(
            sql: """
                UPDATE appeal SET status = 'moot', resolved_on = ?, resolved_by = ?, reason = ?, rules_version = ?
                WHERE person_id = ? AND status = 'open' AND subject LIKE ?
                """,
            arguments: [
                change.day.description, actor, "no decision needed: \(change.kind.rawValue) on \(change.day) (\(change.cause))", version,
                person, subject,
            ])
    }

    /// The sweep's part: open appeals past their due day go to the person's district (once),
    /// where they show as `appeal-overdue` alerts.
    func escalateOverdueAppeals(on day: Day, into report: inout SweepReport, _ db: Database) throws {
        let overdue = try Row.fetchAll(
            db,
            sql: """
                SELECT a.id, coalesce((SELECT d.code FROM unit d WHERE d.level = 'district' AND instr(u.path, d.path) = 1), a.unit_code) AS district
                FROM appeal a JOIN person p ON p.id = a.person_id JOIN unit u ON u.code = p.unit_code
                WHERE a.status = 'open' AND a.escalated_to IS NULL AND a.due_on < ?
                """, arguments: [day.description])
        for row in overdue {
            try db.execute(
                sql: "UPDATE appeal SET escalated_to = ? WHERE id = ?", arguments: [row["district"] as String, row["id"] as Int64])
        }
        if !overdue.isEmpty { report.changes["appeal_escalated", default: 0] += overdue.count }
    }
}
