import Foundation
import GRDB
import Ledger

/// Data kept no longer than needed (issue 31): consent, faces deleted once no longer needed, a
/// person's whole record for a subject-access request, and supplementary payroll runs (back pay
/// without waiting a month).
extension LedgerStore: PrivacyStore {
    // MARK: Supplementary payroll

    /// Runs a supplementary payroll on `day`: pays every active person the months up to the
    /// latest monthly run they are owed and were not paid (``Payroll/supplementaryPayments(_:latest:paid:)``),
    /// stored like a run (a `payroll_supplement` row, its lines in `payroll_line` with the latest
    /// run's month and the supplement's id), in one transaction. Needs a named operator (money
    /// sent on a person's word: the service raises a `back-pay` alert, it never runs one itself).
    /// Refused while the audit chain shows tampering, before the first monthly run, and on a day
    /// before the latest run read the ledger. A month is still paid once: the months after the
    /// latest run are the next monthly run's, and `UNIQUE (person_id, for_month)` backs it.
    public func runSupplementaryPayroll(on day: Day, by actor: String) async throws -> PayrollSupplement {
        try ActorID.requireNamed(actor, to: "run a supplementary payroll")
        let now = Self.timestamp()
        return try await write { db in
            let marks = try ChainSeal.marks(db)
            try Self.checkChainUntampered(db)
            guard let bounds = try Self.runBounds(db) else {
                throw LedgerError(
                    .unknownPayrollRun, "no monthly payroll was run yet: a supplementary run pays the months up to the latest monthly run")
            }
            let (epoch, latest, latestRunOn) = bounds
            guard latestRunOn <= day else {
                throw LedgerError(.payrollMonth, "the latest run (\(latest)) read the ledger on \(latestRunOn), after \(day)")
            }
            let id = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) + 1 FROM payroll_supplement") ?? 1
            var supplement = PayrollSupplement(
                id: id, runMonth: latest, runOn: day, actor: actor, at: now, lines: 0, persons: 0, totalFen: 0)
            let histories = try Self.amountHistories(db)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO payroll_line (run_month, person_id, unit_code, for_month, kind, amount_fen, reason, supplement_id)
                    VALUES (?, ?, ?, ?, 'back_pay', ?, ?, ?)
                    """)
            for candidate in try Self.supplementCandidates(latest: latest, epoch: epoch, person: nil, db) {
                let history = histories[candidate.id] ?? []
                for payment in candidate.payments {
                    let amount = BenefitAmounts.inForce(payment.month, history) ?? candidate.amount
                    try insert.execute(arguments: [
                        latest.description, candidate.id, candidate.unit, payment.month.description, amount,
                        "supplementary back pay \(id): "
                            + Payroll.reason(payment, deadline: candidate.deadline, lastCertified: candidate.lastCertified),
                        id,
                    ])
                    supplement.lines += 1
                    supplement.totalFen += amount
                }
                supplement.persons += 1
            }
            try ChainSeal.seal(db, since: marks)
            let head = try Self.chainHead(db)
            supplement.chainHead = head
            try db.execute(
                sql: """
                    INSERT INTO payroll_supplement (id, run_month, run_on, actor, at, lines, persons, total_fen, chain_seq, chain_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, latest.description, day.description, actor, now, supplement.lines, supplement.persons, supplement.totalFen,
                    head.seq,
                    head.hash,
                ])
            return supplement
        }
    }

    /// The first stored run's month (the epoch), the latest run's month and the day it read the
    /// ledger; nil before the first run.
    static func runBounds(_ db: Database) throws -> (epoch: Month, latest: Month, runOn: Day)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT MIN(month) AS first, MAX(month) AS last FROM payroll_run"),
            let first = (row["first"] as String?).flatMap(Month.init), let last = (row["last"] as String?).flatMap(Month.init),
            let runOn = try String.fetchOne(db, sql: "SELECT run_on FROM payroll_run WHERE month = ?", arguments: [last.description])
                .flatMap(Day.init)
        else { return nil }
        return (first, last, runOn)
    }

    struct SupplementCandidate {
        var id: String
        var unit: String
        var amount: Int
        var deadline: Day
        var lastCertified: Day?
        var payments: [Payroll.Payment]
    }

    /// The active persons (or the one `person`) the latest run `latest` did not pay for its own
    /// month, with the months a supplementary run pays them. A person paid for the latest month
    /// has no earlier hole (a run pays every owed month up to its own), so the candidates are few.
    static func supplementCandidates(latest: Month, epoch: Month, person: String?, _ db: Database) throws -> [SupplementCandidate] {
        var held: [String: Day] = [:]
        for row in try Row.fetchAll(
            db,
            sql: "SELECT person_id, requested_on FROM decision WHERE kind = 'hold' AND status = 'in_force'"
                + (person == nil ? "" : " AND person_id = ?"), arguments: StatementArguments(person.map { [$0] } ?? []))
        {
            held[row["person_id"]] = Day(row["requested_on"] as String)
        }
        var arguments: StatementArguments = [latest.description, latest.description]
        if let person { arguments += [person] }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT p.id, p.unit_code, p.monthly_amount_fen, p.enrolled_on, \(Self.ledgerColumns(of: "p")),
                  (SELECT group_concat(l.for_month) FROM payroll_line l WHERE l.person_id = p.id) AS paid
                FROM person p
                WHERE p.status = 'active'
                  AND NOT EXISTS (SELECT 1 FROM payroll_line l WHERE l.person_id = p.id AND l.for_month = ?)
                  AND substr(p.enrolled_on, 1, 7) <= ? \(person == nil ? "" : "AND p.id = ?")
                ORDER BY p.id
                """, arguments: arguments)
        return rows.compactMap { row in
            let id: String = row[0]
            let ledger = Self.ledger(row, at: 4)
            let enrolled = Day(row[3] as String) ?? latest.firstDay
            let standing = Payroll.Standing(
                status: ledger.status, suspendedOn: ledger.suspendedOn, deathDay: ledger.deathDay, heldSince: held[id],
                firstMonth: max(epoch, Month(enrolled)))
            let paid = Set(((row["paid"] as String?) ?? "").split(separator: ",").compactMap { Month(String($0)) })
            let payments = Payroll.supplementaryPayments(standing, latest: latest, paid: paid)
            guard !payments.isEmpty else { return nil }
            return SupplementCandidate(
                id: id, unit: row[1], amount: row[2], deadline: ledger.deadline, lastCertified: ledger.lastCertified, payments: payments)
        }
    }

    /// The months a supplementary run would pay the person now (in the caller's transaction):
    /// what a resumption receipt names as the months to be paid (`queueNotice(.resumption, ...)`
    /// calls it inside the resumption's write). Empty before the first monthly run, for a person
    /// not active, and for one the latest run already paid (the next monthly run pays the rest).
    public static func backPayMonths(of person: String, _ db: Database) throws -> [Month] {
        guard let bounds = try runBounds(db) else { return [] }
        return try supplementCandidates(latest: bounds.latest, epoch: bounds.epoch, person: person, db).first?.payments.map(\.month) ?? []
    }

    /// ``backPayMonths(of:_:)`` in a read of its own.
    public func backPayMonths(of person: ResidentID) async throws -> [Month] {
        try await read { db in try Self.backPayMonths(of: person.value, db) }
    }

    public func payrollSupplements() async throws -> [PayrollSupplement] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM payroll_supplement ORDER BY id DESC").map { row in
                PayrollSupplement(
                    id: row["id"], runMonth: Month(row["run_month"] as String)!, runOn: Day(row["run_on"] as String)!, actor: row["actor"],
                    at: row["at"], lines: row["lines"], persons: row["persons"], totalFen: row["total_fen"],
                    chainHead: (row["chain_seq"] as Int64?).map { AuditChain.Head(seq: $0, hash: row["chain_hash"]) })
            }
        }
    }

    public func supplementLines(_ id: Int64) async throws -> [PayrollLine] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.id, l.run_month, l.person_id, p.name, l.unit_code, l.for_month, l.kind, l.amount_fen, l.reason
                    FROM payroll_line l JOIN person p ON p.id = l.person_id WHERE l.supplement_id = ? ORDER BY l.id
                    """, arguments: [id]
            ).map { row in
                PayrollLine(
                    id: row["id"], runMonth: Month(row["run_month"] as String)!, personID: row["person_id"], name: row["name"],
                    unitCode: row["unit_code"], forMonth: Month(row["for_month"] as String)!,
                    kind: Payroll.Payment.Kind(rawValue: row["kind"]) ?? .backPay, amountFen: row["amount_fen"], reason: row["reason"])
            }
        }
    }

    // MARK: Consent

    public func recordConsent(_ consent: ConsentInput, person: ResidentID, on day: Day, by actor: String, scope: String?) async throws
        -> Consent
    {
        let now = Self.timestamp()
        return try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM person WHERE id = ?", arguments: [person.value]) != nil else {
                throw LedgerError(.personNotFound, "no person \(person) in the ledger")
            }
            try TemplateStore.requireInScope(person, scope, db)
            try db.execute(
                sql: """
                    INSERT INTO consent (person_id, given_by, guardian_name, purpose, given_on, recorded_by, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    person.value, consent.givenBy.rawValue, consent.guardianName, consent.purpose, day.description, actor, now,
                ])
            return Consent(
                id: db.lastInsertedRowID, personID: person.value, givenBy: consent.givenBy, guardianName: consent.guardianName,
                purpose: consent.purpose, givenOn: day, recordedBy: actor)
        }
    }

    public func consents(of person: ResidentID) async throws -> [Consent] {
        try await read { db in try Self.consents(of: person.value, db) }
    }

    static func consents(of person: String, _ db: Database) throws -> [Consent] {
        try Row.fetchAll(db, sql: "SELECT * FROM consent WHERE person_id = ? ORDER BY id", arguments: [person]).map { row in
            Consent(
                id: row["id"], personID: row["person_id"], givenBy: Consent.GivenBy(rawValue: row["given_by"]) ?? .person,
                guardianName: row["guardian_name"], purpose: row["purpose"], givenOn: Day(row["given_on"] as String)!,
                recordedBy: row["recorded_by"], withdrawnOn: (row["withdrawn_on"] as String?).flatMap(Day.init),
                withdrawnBy: row["withdrawn_by"], withdrawalReason: row["withdrawal_reason"])
        }
    }

    /// Whether the person's consent was withdrawn and none given since (they certify by the other
    /// channels: a verification answers `not_enrolled_consent_withdrawn`).
    static func consentWithdrawn(_ person: String, _ db: Database) throws -> Bool {
        try String.fetchOne(db, sql: "SELECT withdrawn_on FROM consent WHERE person_id = ? ORDER BY id DESC LIMIT 1", arguments: [person])
            != nil
    }

    /// Withdraws the person's consent (every consent in force is closed) and deletes their face
    /// template and photo record at once, in one transaction, recorded (`template_erasure`, and an
    /// enrollment event `deleted`, which the duplicate index follows). A person with no consent in
    /// force (enrolled before consent was recorded, or withdrawn already) still has their template
    /// deleted and the withdrawal recorded as a consent row closed on the same day. Within `scope`.
    public func withdrawConsent(person: ResidentID, reason: String, on day: Day, by actor: String, scope: String?) async throws -> Bool {
        try ActorID.requireNamed(actor, to: "record a withdrawal of consent")
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw LedgerError(.invalidDecision, "a withdrawal of consent records its reason (--reason)") }
        let now = Self.timestamp()
        return try await write { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM person WHERE id = ?", arguments: [person.value]) else {
                throw LedgerError(.personNotFound, "no person \(person) in the ledger")
            }
            try TemplateStore.requireInScope(person, scope, db)
            // A withdrawal is the living person's own; it never serves to destroy the face an open
            // case compares against (a review found one operator could delete a dead person's face
            // while an appeal against the death stood). A deceased person's face goes by the
            // retention rule once the death is final.
            guard status != "deceased" else {
                throw LedgerError(
                    .personState, "\(person) is recorded deceased: their face is deleted when the death is final, not on a withdrawal")
            }
            if let open = try String.fetchOne(
                db, sql: Self.openCaseSQL, arguments: StatementArguments(Array(repeating: person.value, count: 5)))
            {
                throw LedgerError(.personState, "\(person) has an open \(open): a withdrawal waits until it is decided")
            }
            try db.execute(
                sql: """
                    UPDATE consent SET withdrawn_on = ?, withdrawn_by = ?, withdrawal_reason = ?
                    WHERE person_id = ? AND withdrawn_on IS NULL
                    """, arguments: [day.description, actor, reason, person.value])
            if db.changesCount == 0 {
                guard try !Self.consentWithdrawn(person.value, db) else {
                    throw LedgerError(.noConsent, "the consent of \(person) was withdrawn already; nothing to withdraw")
                }
                try db.execute(
                    sql: """
                        INSERT INTO consent (person_id, given_by, purpose, given_on, recorded_by, recorded_at, withdrawn_on, withdrawn_by,
                          withdrawal_reason)
                        VALUES (?, 'person', ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        person.value, "enrolled before consent was recorded", day.description, actor, now, day.description, actor, reason,
                    ])
            }
            return try Self.eraseTemplate(person.value, cause: .consentWithdrawn, detail: reason, on: day, by: actor, at: now, db)
        }
    }

    /// The first open case of a person (`?` five times, their id) that may need their enrolled face:
    /// an unresolved conflict, a pending decision, a rule's hold in force, an open appeal, an
    /// open attention or duplicate-identity task. Nil when none.
    static let openCaseSQL = """
        SELECT 'conflict' FROM ledger_event c WHERE c.person_id = ? AND c.kind = 'conflict'
          AND NOT EXISTS (SELECT 1 FROM decision r WHERE r.conflict_id = c.id AND r.kind = 'resolve_conflict')
        UNION ALL SELECT 'decision (' || kind || ')' FROM decision WHERE person_id = ? AND status = 'pending'
        UNION ALL SELECT 'hold by ' || requested_by FROM decision WHERE person_id = ? AND kind = 'hold' AND status = 'in_force'
          AND requested_by LIKE 'rule:%'
        UNION ALL SELECT 'appeal' FROM appeal WHERE person_id = ? AND status = 'open'
        UNION ALL SELECT kind || ' task' FROM task WHERE person_id = ? AND status = 'open' AND kind IN ('attention', 'duplicate_identity')
        LIMIT 1
        """

    /// Deletes the person's template and photo record, records the erasure and an enrollment
    /// event (the duplicate index forgets the face at its next catch-up). False when none.
    static func eraseTemplate(
        _ person: String, cause: ErasureCause, detail: String, on day: Day, by actor: String, at now: String, _ db: Database
    ) throws -> Bool {
        try db.execute(sql: "DELETE FROM face_template WHERE person_id = ?", arguments: [person])
        let deleted = db.changesCount > 0
        try db.execute(sql: "DELETE FROM enrollment_photo WHERE person_id = ?", arguments: [person])
        guard deleted else { return false }
        let json = String(decoding: try JSONEncoder().encode(["reason": "\(cause.rawValue): \(detail)"]), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO enrollment_event (person_id, action, photos, actor, at, detail) VALUES (?, 'deleted', 0, ?, ?, ?)",
            arguments: [person, actor, now, json])
        try db.execute(
            sql: "INSERT INTO template_erasure (person_id, cause, erased_on, erased_by, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [person, cause.rawValue, day.description, actor, detail])
        return true
    }

    // MARK: Templates of final deaths

    /// The SQL day a deceased person's record last changed: the latest of their ledger events
    /// (the death, conflicts, resolutions), decisions and appeals' resolutions.
    static let deathFinalDay = """
        max(coalesce((SELECT max(e.day) FROM ledger_event e WHERE e.person_id = p.id), ''),
            coalesce((SELECT max(coalesce(d.decided_on, d.requested_on)) FROM decision d WHERE d.person_id = p.id), ''),
            coalesce((SELECT max(a.resolved_on) FROM appeal a WHERE a.person_id = p.id), ''))
        """

    /// A deceased person whose death is final: no conflict unresolved, no death reversal pending,
    /// no appeal open.
    static let deathIsFinal = """
        p.status = 'deceased'
        AND NOT EXISTS (SELECT 1 FROM ledger_event c WHERE c.person_id = p.id AND c.kind = 'conflict'
            AND NOT EXISTS (SELECT 1 FROM decision r WHERE r.conflict_id = c.id AND r.kind = 'resolve_conflict'))
        AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.person_id = p.id AND d.kind = 'reverse_death' AND d.status = 'pending')
        AND NOT EXISTS (SELECT 1 FROM appeal a WHERE a.person_id = p.id AND a.status = 'open')
        """

    /// Deletes the templates of persons whose death became final `template_retention_days` (rules)
    /// or more before `day`, `batch` persons a transaction.
    public func eraseTemplatesOfFinalDeaths(on day: Day, by actor: String, batch: Int) async throws -> [ResidentID] {
        let cutoff = day.adding(days: -rules.data_retention.template_retention_days).description
        var erased: [ResidentID] = []
        while true {
            let now = Self.timestamp()
            let done = try await write { db -> [String] in
                let ids = try String.fetchAll(
                    db,
                    sql: """
                        SELECT p.id FROM face_template t JOIN person p ON p.id = t.person_id
                        WHERE \(Self.deathIsFinal) AND \(Self.deathFinalDay) <= ? ORDER BY p.id LIMIT ?
                        """, arguments: [cutoff, batch])
                for id in ids {
                    _ = try Self.eraseTemplate(
                        id, cause: .deathFinal, detail: "death final, kept \(self.rules.data_retention.template_retention_days) days",
                        on: day, by: actor, at: now, db)
                }
                return ids
            }
            erased += done.compactMap { try? ResidentID($0) }
            if done.count < batch { return erased }
        }
    }

    // MARK: Subject access

    /// Tables with a person column that the export leaves out, and why.
    public static let exportWithheld: [String: String] = [
        "face_template": "face templates are never exported (the export says whether one is enrolled)",
        "liveness_frame_content": "fingerprints computed from the person's video frames are never exported",
    ]

    /// The person's whole record as JSON: the person's row, then every table with a `person_id`
    /// column (read from the schema, so a table added later is not forgotten) with the person's
    /// rows only, except ``exportWithheld``. Binary values (hashes, sealed data) are withheld; other
    /// persons' resident IDs in any text are masked (a duplicate-identity case names no one else).
    public func export(person: ResidentID, scope: String?) async throws -> Data {
        try await read { db in
            guard let personRow = try Row.fetchOne(db, sql: "SELECT * FROM person WHERE id = ?", arguments: [person.value]) else {
                throw LedgerError(.personNotFound, "no person \(person) in the ledger")
            }
            try TemplateStore.requireInScope(person, scope, db)
            var tables: [String: Any] = [:]
            var withheld: [String: String] = [:]
            for table in try Self.personTables(db) {
                if let why = Self.exportWithheld[table] {
                    let count =
                        try Int.fetchOne(
                            db, sql: "SELECT count(*) FROM \(table) WHERE person_id = ?", arguments: [person.value]) ?? 0
                    withheld[table] = "\(count) row(s): \(why)"
                    continue
                }
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) WHERE person_id = ? ORDER BY 1", arguments: [person.value])
                tables[table] = rows.map { row in
                    var object = Self.exportObject(row, subject: person.value)
                    // Visit codes are for the door, not for whoever reads an export.
                    if table == "task", object["visit_code"] is String { object["visit_code"] = "(withheld: a visit code)" }
                    if table == "outbox", object["kind"] as? String == NoticeKind.visitCode.rawValue,
                        let text = object["message"] as? String
                    {
                        object["message"] = Self.maskingVisitCodes(text)
                    }
                    return object
                }
            }
            let document: [String: Any] = [
                "resident_id": person.value,
                "person": Self.exportObject(personRow, subject: person.value),
                "tables": tables,
                "withheld": withheld,
                "enrolled": try Bool.fetchOne(db, sql: "SELECT 1 FROM face_template WHERE person_id = ?", arguments: [person.value]) != nil,
            ]
            return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        }
    }

    /// Every table of the schema with a `person_id` column, by name.
    public static func personTables(_ db: Database) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).filter { try db.columns(in: $0).contains { $0.name == "person_id" } }
    }

    /// One row as a JSON object: numbers and text as stored (text with other persons' IDs masked),
    /// binary values withheld.
    static func exportObject(_ row: Row, subject: String) -> [String: Any] {
        var object: [String: Any] = [:]
        for (column, value) in row {
            switch value.storage {
            case .null: object[column] = NSNull()
            case .int64(let v): object[column] = v
            case .double(let v): object[column] = v
            case .string(let v): object[column] = maskOthers(v, subject: subject)
            case .blob(let v): object[column] = "(withheld: \(v.count) bytes of binary data)"
            }
        }
        return object
    }

    /// `text` with every resident-ID-shaped token other than `subject` masked.
    static func maskOthers(_ text: String, subject: String) -> String {
        guard text.utf8.count >= 18 else { return text }
        var out = ""
        var run = ""
        func flush() {
            if run.count == 18 && run != subject && run.dropLast().allSatisfy(\.isNumber) {
                out += String(run.prefix(4)) + String(repeating: "*", count: 10) + String(run.suffix(4))
            } else {
                out += run
            }
            run = ""
        }
        for character in text {
            if character.isASCII && (character.isNumber || character == "X" || character == "x") {
                run.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }
}
