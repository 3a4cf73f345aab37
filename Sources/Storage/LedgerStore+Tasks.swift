import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// The kinds of task (``TaskView/kinds``).
    public static let taskKinds = TaskView.kinds

    /// Tasks of the persons who live in the unit's subtree now (a task goes with its person: a
    /// person moved elsewhere takes their tasks along), open ones only unless `includeClosed`, of
    /// one kind or all; a page of them (`limit` nil: all from `offset`).
    public func tasks(unit: String, includeClosed: Bool = false, kind: String? = nil, offset: Int = 0, limit: Int? = nil) async throws
        -> [TaskView]
    {
        try await read { db in
            guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT t.*, p.name, p.phone FROM task t JOIN person p ON p.id = t.person_id
                    WHERE p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1) \(includeClosed ? "" : "AND t.status = 'open'")
                    \(kind == nil ? "" : "AND t.kind = ?")
                    ORDER BY t.key_day, t.id LIMIT ? OFFSET ?
                    """,
                // SQLite's LIMIT -1 is none (an OFFSET needs a LIMIT before it).
                arguments: StatementArguments([path] + (kind.map { [$0] } ?? []) + [limit ?? -1, offset] as [any DatabaseValueConvertible])
            ).map(Self.taskView)
        }
    }

    /// A task row joined with the person's `name`.
    static func taskView(_ row: Row) throws -> TaskView {
        let task = try TaskRow(row: row)
        var view = TaskView(
            id: task.id!, personID: task.personId, name: row["name"], unitCode: task.unitCode, kind: task.kind,
            keyDay: Day(task.keyDay)!, reason: task.reason, status: task.status, outcome: task.outcome, createdOn: Day(task.createdOn)!,
            phone: task.kind == "phone_call" ? row["phone"] : nil, note: task.note, escalatedTo: task.escalatedTo)
        view.dueOn = task.dueOn.flatMap(Day.init)
        view.escalatedOn = task.escalatedOn.flatMap(Day.init)
        view.visitCode = task.visitCode
        return view
    }

    /// Completes an open task with what staff found on `day` (and their `note`, at most
    /// ``maxNoteLength`` characters), in one transaction with its effect on the ledger, recorded as
    /// evidence delivered by `actor` (the operator's key, or `cli:<user>`). With `scope` (a unit
    /// path prefix), the task's person must live within it *now*, checked in the same transaction:
    /// a task of a person who moved away is answered as unknown, whatever unit it was opened in.
    /// Returns the ledger changes it caused.
    public func completeTask(
        _ id: Int64, outcome: TaskOutcome, on day: Day, note: String? = nil, by actor: String = ActorID.systemAccount.description,
        scope: String? = nil
    ) async throws -> [String: Int] {
        let trimmed: String? = note?.trimmingCharacters(in: .whitespacesAndNewlines)
        let kept: String? = trimmed?.isEmpty == false ? trimmed : nil
        if let kept, kept.count > Self.maxNoteLength {
            throw LedgerError(.taskOutcome, "the note has \(kept.count) characters; at most \(Self.maxNoteLength)")
        }
        return try await write { db in
            guard var task = try TaskRow.fetchOne(db, key: id) else { throw Self.noRecord(.unknownTask, "task \(id)", scope) }
            if let scope {
                let path = try String.fetchOne(
                    db, sql: "SELECT u.path FROM person p JOIN unit u ON u.code = p.unit_code WHERE p.id = ?", arguments: [task.personId])
                guard let path, path.hasPrefix(scope) else { throw Self.noRecord(.unknownTask, "task \(id)", scope) }
            }
            guard task.status == "open" else {
                throw LedgerError(.taskClosed, "task \(id) is already \(task.status) (\(task.outcome ?? "no outcome"))")
            }
            let today = ServiceClock.today()
            try DeferralRules.checkVisitDay(day, taskOpened: Day(task.createdOn)!, task: id, today: today)
            // A phone call hears someone, it does not see the person: it never certifies.
            if task.kind == "phone_call" && outcome == .seenAlive {
                throw LedgerError(.taskOutcome, "a phone call does not show the person alive: record reached, then visit them")
            }
            if task.kind != "phone_call" && outcome == .reached {
                throw LedgerError(.taskOutcome, "reached is the outcome of a phone call; a visit is seen-alive, deceased or unreachable")
            }
            if task.kind == "field_check", outcome == .unreachable,
                let escalated = try self.escalate(&task, note: kept, by: actor, on: day, db)
            {
                return escalated
            }
            if task.kind == "field_check", outcome == .unreachable {
                // Whoever kept the person certified meanwhile is named for the unit to look into.
                try self.recordKeptCertified(
                    person: task.personId, since: Day(task.createdOn)!.adding(days: -self.rules.hidden_death.presence_gap_days),
                    against: "field check \(id) finding no one", on: day, by: actor, now: Self.timestamp(), db)
            }
            task.status = "done"
            task.outcome = outcome.rawValue
            task.closedOn = day.description
            task.note = kept
            task.closedBy = actor
            try task.update(db)
            let kind: String
            switch outcome {
            case .unreachable, .reached: return [:]
            case .seenAlive: kind = "home_visit"
            case .deceased: kind = "community_death_report"
            }
            let row = EvidenceInput(
                line: 1, source: "community_office", externalID: "task-\(id)", residentID: task.personId, kind: kind,
                observedAt: day.description, payload: nil)
            let report = try self.applyOne(row, delivery: .task(by: actor, receivedOn: today), db).report
            if let problem = report.problems.first { throw LedgerError(.taskOutcome, problem.reason) }
            return report.changes
        }
    }

    /// A field check answered unreachable when the person's previous one was too, with no
    /// person-to-person check (``LedgerRules/confirmsInPerson(_:)``) observed since, or while a
    /// rule's hold stops their payment (someone must see them: the hold ends only so): it does not
    /// close but stays open, escalated to the street office (the parent of the person's
    /// community), with an `attention` ledger event saying so. An escalated check answered
    /// unreachable again stays as it is. Nil when the answer closes the task as usual.
    func escalate(_ task: inout TaskRow, note: String?, by actor: String, on day: Day, _ db: Database) throws -> [String: Int]? {
        if task.escalatedTo != nil { return [:] }
        let previous = try String.fetchOne(
            db,
            sql: """
                SELECT max(closed_on) FROM task
                WHERE person_id = ? AND kind = 'field_check' AND status = 'done' AND outcome = 'unreachable'
                """, arguments: [task.personId])
        let held = try Self.ruleHoldInForce(task.personId, db)
        if !held {
            guard let previous else { return nil }
            let unattended = LedgerRules.unattendedKinds.sorted().map { "'\($0)'" }.joined(separator: ", ")
            let confirmed =
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM evidence WHERE person_id = ? AND observed_day > ?
                            AND (class IN ('biometric', 'visit')
                                OR (class = 'strong' AND kind NOT IN (\(unattended)) AND source IN (\(serviceSources.isEmpty ? "''" : serviceSources)))))
                        """, arguments: [task.personId, previous]) ?? false
            guard !confirmed else { return nil }
        }
        let street =
            try String.fetchOne(
                db, sql: "SELECT u.parent_code FROM person p JOIN unit u ON u.code = p.unit_code WHERE p.id = ?",
                arguments: [task.personId]) ?? task.unitCode
        task.escalatedTo = street
        if let note { task.note = note }
        try task.update(db)
        let cause =
            held
            ? "field check \(task.id ?? 0) answered unreachable on \(day) while a rule's hold stops the payment: escalated to \(street), open"
            : "field check \(task.id ?? 0) answered unreachable on \(day), as a field check was on \(previous ?? ""), with no "
                + "person-to-person check between: escalated to \(street), open"
        try Self.record(
            [LedgerChange(kind: .attention, day: day, cause: cause)], person: task.personId, evidence: nil, actor: actor,
            at: Self.timestamp(), rules: self.rulesVersion, db)
        return ["escalated": 1]
    }

    /// The longest note staff may leave on a task.
    public static let maxNoteLength = 500

    /// Reminders waiting for the sender (all of them with `includeSent`), oldest first; with `unit`,
    /// only those for persons in its subtree.
    public func outbox(includeSent: Bool = false, limit: Int = 1000, unit: String? = nil) async throws -> [OutboxMessage] {
        try await read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if !includeSent { conditions.append("o.sent_at IS NULL") }
            if let unit {
                guard let path = try self.unitPath(unit, db) else { throw LedgerError(.unknownUnit, "no unit \(unit)") }
                conditions.append("p.unit_code IN (SELECT code FROM unit WHERE instr(path, ?) = 1)")
                arguments += [path]
            }
            arguments += [limit]
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try OutboxRow.fetchAll(
                db,
                sql: """
                    SELECT o.* FROM outbox o JOIN person p ON p.id = o.person_id \(filter) ORDER BY o.id LIMIT ?
                    """, arguments: arguments
            ).map { (row: OutboxRow) in
                // A visit code is for the person and the worker at the door: listings (operators, the
                // community's hand delivery) show it masked. The sender reads the row itself.
                let text = row.kind == NoticeKind.visitCode.rawValue ? Self.maskingVisitCodes(row.message) : row.message
                var message = OutboxMessage(
                    id: row.id!, personID: row.personId, channel: row.channel, recipient: row.recipient, message: text,
                    createdOn: Day(row.createdOn)!, sentAt: row.sentAt)
                message.kind = row.kind
                message.language = row.language
                message.state = row.state
                message.attempts = row.attempts
                message.lastError = row.lastError
                message.gatewayID = row.gatewayId
                return message
            }
        }
    }

    /// `text` with every run of exactly six digits (a visit code; never part of a longer number such
    /// as a phone's) replaced by asterisks.
    static func maskingVisitCodes(_ text: String) -> String {
        var result = "", digits = ""
        func flush() {
            result += digits.count == 6 ? "******" : digits
            digits = ""
        }
        for character in text {
            if character.isASCII && character.isNumber {
                digits.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }

    /// Marks messages as delivered by a sender outside the service (a manual sender; community
    /// staff who delivered a `community` notice by hand); returns the ids that were not waiting
    /// (unknown or already sent), which are left alone. A dead one may be marked: it reached the
    /// person another way.
    public func markSent(_ ids: [Int64]) async throws -> [Int64] {
        try await write { db in
            let now = Self.timestamp()
            var notWaiting: [Int64] = []
            for id in ids {
                try db.execute(
                    sql: "UPDATE outbox SET sent_at = ?, state = 'delivered', lease_until = NULL WHERE id = ? AND sent_at IS NULL",
                    arguments: [now, id])
                if db.changesCount == 0 { notWaiting.append(id) }
            }
            return notWaiting
        }
    }

    /// Runs a read: a rule's ``LedgerError`` passes through, a database failure becomes a ``StorageError``
    /// (``StorageError/classifying(_:)``).
    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw StorageError.classifying(error)
        }
    }

    /// Runs a read; `lean`, a download's page, on a read-only connection of its own
    /// (``AppDatabase/downloadPage()``: a small cache, no mapping, closed after the page), two
    /// pages at a time in the whole process.
    func read<T: Sendable>(lean: Bool, _ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        guard lean, database.path != nil else { return try await read(body) }
        do {
            return try await database.downloadGate.run {
                guard let page = try database.downloadPage() else { return try await self.read(body) }
                return try await page.read(body)
            }
        } catch {
            throw StorageError.classifying(error)
        }
    }

    /// Runs a write transaction: a rule's ``LedgerError`` passes through (the transaction rolls back),
    /// a database failure becomes a ``StorageError``.
    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await ChainSeal.write(writer, body)
        } catch {
            throw StorageError.classifying(error)
        }
    }
}
