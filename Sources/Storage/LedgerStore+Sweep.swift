import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// Queues the person's reminder (round 1) or second reminder (round 2, the field check opened),
    /// once per deadline and round.
    func remind(_ person: Row, deadline: Day, round: Int = 1, on day: Day, _ db: Database) throws {
        try queueNotice(
            round == 1 ? .reminder : .fieldCheckReminder, person: person, key: deadline.description,
            values: ["deadline": deadline.description], on: day, db)
    }

    /// Queues a notice of `kind` to the person (a `person` row with at least `id`, `phone` and
    /// `wechat_id`), once per person, kind and `key`: a second one with the same key is skipped.
    /// `values` fill the kind's text (``NoticeKind`` lists each kind's), composed from the rules'
    /// templates (``LedgerRules/Notices``) in the person's language, with their community's
    /// kiosk sites and office phone (or the nearest unit above's). WeChat when they have a WeChat
    /// id, else an SMS; a person with neither gets a `community` row, which their community's
    /// staff deliver by hand (docs/notices.md).
    func queueNotice(_ kind: NoticeKind, person: Row, key: String, values: [String: String], on day: Day, _ db: Database) throws {
        let id: String = person["id"]
        guard
            let place = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT p.language, p.unit_code, u.name, u.path FROM person p JOIN unit u ON u.code = p.unit_code WHERE p.id = ?"),
                arguments: [id])
        else { return }
        let path: String = place["path"]
        let codes = path.split(separator: "/").map(String.init)
        // The unit's own sites and phone, else the nearest unit above's.
        var sites: String?, officePhone: String?
        let units = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT code, kiosk_sites, office_phone FROM unit WHERE code IN (\(codes.map { _ in "?" }.joined(separator: ",")))"),
            arguments: StatementArguments(codes))
        let byCode = Dictionary(units.map { ($0["code"] as String, $0) }, uniquingKeysWith: { first, _ in first })
        for code in codes.reversed() {
            guard let unit = byCode[code] else { continue }
            if sites == nil { sites = (unit["kiosk_sites"] as String?)?.nilIfEmpty }
            if officePhone == nil { officePhone = (unit["office_phone"] as String?)?.nilIfEmpty }
        }
        let addressee = NoticeAddressee(
            phone: person["phone"], wechatID: person["wechat_id"], language: place["language"], unitCode: place["unit_code"],
            unitName: place["name"], sites: sites?.split(separator: ";").map(String.init) ?? [], officePhone: officePhone)
        let notice = rules.notices.compose(kind, to: addressee, values: values)
        try OutboxRow(
            personId: id, kind: kind.rawValue, noticeKey: key, channel: notice.channel.rawValue, recipient: notice.recipient,
            language: notice.language, message: notice.text, deadline: values["deadline"],
            round: kind == .fieldCheckReminder ? 2 : 1, createdOn: day.description
        ).insertFast(db)
    }

    /// The notices a person's recorded ledger changes call for, once per event (the key: the
    /// change's day): a suspension notice (the cause in plain words, how to resume) and a
    /// resumption receipt on resumption or reinstatement (the evidence that carried the person, or
    /// the reinstatement, and the months to be paid: those after the suspension's month, through
    /// the resumption's, that no stored run paid). A death record sends nothing (docs/notices.md):
    /// a message to a dead person's phone reaches the bereaved or whoever has the number now; a
    /// death reversed tells the person, from ``approve``, when they are still suspended after it.
    /// `suspendedSince`: the suspension's day when the caller knows it (else the person's last
    /// suspension or death event).
    func notify(
        _ changes: [LedgerChange], person: String, evidence: Int64?, suspendedSince: Day? = nil, on day: Day, _ db: Database
    ) throws {
        for change in changes {
            switch change.kind {
            case .suspended:
                var values = ["cause": "deadline_passed", "day": change.day.description]
                if let deadline = change.deadline { values["deadline"] = deadline.description }
                try queueNotice(.suspension, personID: person, key: change.day.description, values: values, on: day, db)
            case .resumed, .reinstated:
                let label =
                    change.kind == .reinstated
                    ? "reinstated"
                    : try evidence.flatMap { try String.fetchOne(db, sql: "SELECT kind FROM evidence WHERE id = ?", arguments: [$0]) }
                var values = ["day": change.day.description, "months": "0"]
                values["evidence"] = label
                let last = try String.fetchOne(
                    db,
                    sql: "SELECT day FROM ledger_event WHERE person_id = ? AND kind IN ('suspended', 'deceased') ORDER BY id DESC LIMIT 1",
                    arguments: [person])
                if let since = suspendedSince ?? last.flatMap(Day.init) {
                    let missed = try Self.missedMonths(of: person, since: since, through: change.day, db)
                    values["months"] = String(missed.count)
                    values["first_month"] = (missed.first ?? Month(since).next).description
                }
                try queueNotice(.resumption, personID: person, key: change.day.description, values: values, on: day, db)
            default: break
            }
        }
    }

    /// The months a suspension from `since` kept from the person through `day`'s month (the
    /// suspension's own month was paid: its payroll fell before it), less those a stored run paid.
    static func missedMonths(of person: String, since: Day, through day: Day, _ db: Database) throws -> [Month] {
        let paid = Set(
            try String.fetchAll(
                db, sql: "SELECT for_month FROM payroll_line WHERE person_id = ? AND for_month > ?",
                arguments: [person, Month(since).description]
            ).compactMap(Month.init))
        var months: [Month] = []
        var month = Month(since).next
        while month <= Month(day) {
            if !paid.contains(month) { months.append(month) }
            month = month.next
        }
        return months
    }

    /// ``queueNotice(_:person:key:values:on:_:)`` for the person with this id (nothing if unknown).
    func queueNotice(_ kind: NoticeKind, personID: String, key: String, values: [String: String], on day: Day, _ db: Database) throws {
        guard let person = try Row.fetchOne(db, sql: "SELECT * FROM person WHERE id = ?", arguments: [personID]) else { return }
        try queueNotice(kind, person: person, key: key, values: values, on: day, db)
    }

    /// Opens a task for the person's community, once per person, kind and key day (the table's
    /// insert skips a second one: the result, and `db.changesCount` right after, tell the caller
    /// which happened). It is due `home_help.due_days[kind]` days later. A home visit or a field
    /// check carries a visit code (``newVisitCode()``), sent to the person's own phone or WeChat in a
    /// `visit_code` notice (key `task:<id>`) in the same transaction: the worker states it at the
    /// door. A person with neither gets no code (see docs/http-api.md, "Help at home").
    @discardableResult
    func openTask(_ person: Row, kind: String, key: Day, reason: String, on day: Day, _ db: Database) throws -> Bool {
        let due = day.adding(days: rules.home_help.dueDays(kind))
        let code = TaskView.visitKinds.contains(kind) ? Self.newVisitCode() : nil
        try TaskRow(
            personId: person["id"], unitCode: person["unit_code"], kind: kind, keyDay: key.description, reason: reason,
            createdOn: day.description, dueOn: due.description, visitCode: code
        ).insertFast(db)
        guard db.changesCount == 1 else { return false }
        let id = db.lastInsertedRowID
        // Only to the person's own phone or WeChat: a community row would hand the code to the office
        // that sends the worker, and the check at the door would protect nobody (a review found it).
        if let code,
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM person WHERE id = ? AND (coalesce(phone, '') <> '' OR coalesce(wechat_id, '') <> '')",
                arguments: [person["id"] as String]) ?? false
        {
            try queueNotice(
                .visitCode, personID: person["id"], key: "task:\(id)", values: ["code": code, "due": due.description], on: day, db)
        }
        // Callers read `db.changesCount` after this call: it still says the task was inserted.
        try db.execute(sql: "UPDATE task SET id = id WHERE id = ?", arguments: [id])
        return true
    }

    /// Six random digits (uniform, from the system's secure generator).
    static func newVisitCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = Int.random(in: 0..<1_000_000, using: &generator)
        return String(format: "%06d", value)
    }

    /// The health-attention rule over everyone with a recent inpatient stay; returns how many were
    /// newly put on their community's attention list (once per stay).
    func raiseAttention(on day: Day, now: String, _ db: Database) throws -> Int {
        let attention = rules.attention
        guard !attention.inpatient_kinds.isEmpty else { return 0 }
        let oldestBirth = Day(year: day.year - attention.min_age, month: day.month, day: min(day.day, 28))!
        let placeholders = attention.inpatient_kinds.map { _ in "?" }.joined(separator: ",")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT p.id, \(Self.ledgerColumns), p.birth_date, p.unit_code, MAX(e.observed_day) AS stay
                FROM person p JOIN evidence e ON e.person_id = p.id
                WHERE p.status = 'active' AND p.birth_date <= ? AND e.kind IN (\(placeholders)) AND e.observed_day BETWEEN ? AND ?
                GROUP BY p.id
                """,
            arguments: StatementArguments(
                [oldestBirth.description] + attention.inpatient_kinds
                    + [day.adding(days: -attention.inpatient_within_days).description, day.description]))
        var raised = 0
        for person in rows {
            let stay = Day(person["stay"] as String)!, birth = Day(person["birth_date"] as String)!
            guard deferral.needsAttention(birthDate: birth, lastInpatient: stay, ledger: Self.ledger(person, at: 1), on: day) else {
                continue
            }
            let reason = "aged \(birth.age(on: day)), in hospital on \(stay), no certification since"
            try openTask(person, kind: "attention", key: stay, reason: reason, on: day, db)
            guard db.changesCount == 1 else { continue }
            try Self.record(
                [LedgerChange(kind: .attention, day: day, cause: reason)], person: person["id"], evidence: nil, actor: "sweep", at: now,
                rules: self.rulesVersion, db)
            raised += 1
        }
        return raised
    }

    /// The hidden-death rule (``DeferralRules/hiddenDeathSign(lastPresence:possessionEvents:possessionKinds:ledger:on:)``)
    /// over everyone whose card, account, phone or home was used often enough lately: each newly
    /// found is put on their community's attention list with the cause (once per last sighting),
    /// and a field check opens at once for their current deadline. Returns how many were found.
    func raiseHiddenDeath(on day: Day, now: String, _ db: Database) throws -> Int {
        let rule = rules.hidden_death
        let reference = rules.kinds.filter { $0.class == .reference }
        let possession = reference.filter { $0.proves == .possession }.map(\.kind)
        let presence = reference.filter { $0.proves == .presence }.map(\.kind)
        guard !possession.isEmpty else { return 0 }
        func list(_ kinds: [String]) -> String { kinds.map { _ in "?" }.joined(separator: ",") }
        // The candidates are read from the recent possession rows (one pass over the evidence table:
        // 0.2 s on the 2,000,000-row benchmark; driven from the persons instead, a probe per active
        // person took 7 s there). Whoever was seen in person within `presence_gap_days` then leaves
        // at their first such row (the index on person, class and day), and only the rest have
        // their last sighting read, within `history_days`. Reading every candidate's whole history
        // made the simulator's two years take 506 s instead of 156.
        let strong = "e.class IN ('strong', 'biometric', 'visit')"
        let presenceKind = "e.class = 'reference' AND e.kind IN (\(list(presence)))"
        let gapStart = day.adding(days: -(rule.presence_gap_days - 1)).description
        let today = day.description
        let rows = try Row.fetchAll(
            db,
            sql: """
                WITH recent AS (
                    SELECT person_id, count(*) AS n, group_concat(DISTINCT kind) AS kinds FROM evidence
                    WHERE kind IN (\(list(possession))) AND observed_day BETWEEN ? AND ?
                    GROUP BY person_id HAVING count(*) >= ?
                )
                SELECT p.id, \(Self.ledgerColumns(of: "p")), p.unit_code, r.n, r.kinds,
                    (SELECT max(e.observed_day) FROM evidence e
                     WHERE e.person_id = p.id AND e.observed_day BETWEEN ? AND ? AND (\(strong) OR \(presenceKind))) AS seen
                FROM recent r JOIN person p ON p.id = r.person_id
                WHERE p.status = 'active'
                  AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.person_id = p.id AND \(strong) AND e.observed_day BETWEEN ? AND ?)
                  AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.person_id = p.id AND \(presenceKind) AND e.observed_day BETWEEN ? AND ?)
                """,
            arguments: StatementArguments(
                possession + [day.adding(days: -(rule.possession_recent_days - 1)).description, today, rule.min_possession_events]
                    + [day.adding(days: -rule.history_days).description, today] + presence + [gapStart, today] + presence
                    + [gapStart, today]))
        var found = 0
        var signed = Set<String>()
        for person in rows {
            let ledger = Self.ledger(person, at: 1)
            let seen = (person["seen"] as String?).flatMap(Day.init)
            guard
                let sign = deferral.hiddenDeathSign(
                    lastPresence: seen, possessionEvents: person["n"],
                    possessionKinds: (person["kinds"] as String).split(separator: ",").map(String.init),
                    ledger: ledger, on: day),
                let seen
            else { continue }
            signed.insert(person["id"])
            if try raiseSign(sign, key: seen, person: person, ledger: ledger, on: day, now: now, db) { found += 1 }
        }
        // The second sign: presence only from one department that does not check the face against
        // the ID since the last identity-checked presence (or entry), uncorroborated_presence_days
        // or more ago. The candidates are those with no identity-checked presence in that time
        // (the index on person, class and day), whose presence since is then read.
        let uncorroborated = rule.uncorroboratedPresenceDays
        let unchecked = reference.filter { $0.proves == .presence && !$0.identityChecked }.map(\.kind)
        let quietSince = day.adding(days: -(uncorroborated - 1)).description
        let lonely = try Row.fetchAll(
            db,
            sql: """
                WITH recent AS (
                    SELECT person_id, count(*) AS n, group_concat(DISTINCT kind) AS kinds FROM evidence
                    WHERE kind IN (\(list(possession))) AND observed_day BETWEEN ? AND ?
                    GROUP BY person_id HAVING count(*) >= ?
                ),
                candidate AS (
                    SELECT p.id AS pid, r.n, r.kinds,
                        max(p.enrolled_on, coalesce((SELECT max(e.observed_day) FROM evidence e
                            WHERE e.person_id = p.id AND \(identityCheckedSQL("e")) AND e.observed_day <= ?), p.enrolled_on)) AS ref
                    FROM recent r JOIN person p ON p.id = r.person_id
                    WHERE p.status = 'active' AND p.enrolled_on < ?
                      AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.person_id = p.id AND \(identityCheckedSQL("e"))
                                        AND e.observed_day BETWEEN ? AND ?)
                )
                SELECT p.id, \(Self.ledgerColumns(of: "p")), p.unit_code, c.n, c.kinds, c.ref,
                    (SELECT group_concat(DISTINCT e.source) FROM evidence e
                     WHERE e.person_id = c.pid AND e.class = 'reference' AND e.kind IN (\(list(unchecked)))
                       AND e.observed_day > c.ref AND e.observed_day <= ?) AS sources
                FROM candidate c JOIN person p ON p.id = c.pid
                """,
            arguments: StatementArguments(
                possession + [day.adding(days: -(rule.possession_recent_days - 1)).description, today, rule.min_possession_events]
                    + [today, quietSince, quietSince, today] + unchecked + [today]))
        for person in lonely where !signed.contains(person["id"]) {
            let ledger = Self.ledger(person, at: 1)
            guard let ref = (person["ref"] as String?).flatMap(Day.init),
                let sign = deferral.uncorroboratedSign(
                    corroborated: ref, presenceSources: ((person["sources"] as String?) ?? "").split(separator: ",").map(String.init),
                    possessionEvents: person["n"], possessionKinds: (person["kinds"] as String).split(separator: ",").map(String.init),
                    ledger: ledger, on: day)
            else { continue }
            if try raiseSign(sign, key: ref, person: person, ledger: ledger, on: day, now: now, db) { found += 1 }
        }
        return found
    }

    /// Raises a hidden-death sign once per key day (the last sighting it counts from): the
    /// person goes on their community's attention list with the cause, a field check opens at once
    /// for their current deadline, and their payment is held from the next payroll run
    /// (``placeRuleHold(person:cause:rule:on:_:)``). False when it was raised before.
    func raiseSign(_ sign: String, key: Day, person: Row, ledger: PersonLedger, on day: Day, now: String, _ db: Database) throws -> Bool {
        try openTask(person, kind: "attention", key: key, reason: sign, on: day, db)
        guard db.changesCount == 1 else { return false }
        try openTask(person, kind: "field_check", key: ledger.deadline, reason: sign, on: day, db)
        try Self.record(
            [LedgerChange(kind: .attention, day: day, cause: sign)], person: person["id"], evidence: nil, actor: "sweep", at: now,
            rules: self.rulesVersion, db)
        try placeRuleHold(
            person: person["id"], cause: DeferralRules.ruleHoldReason(sign), rule: DeferralRules.hiddenDeathActor, on: day, db)
        try recordKeptCertified(person: person["id"], since: key, against: "a hidden-death sign", on: day, by: "sweep", now: now, db)
        return true
    }

    /// A conflict naming the sources whose evidence kept the person certified (certifications
    /// resting on evidence observed after `since`) while another sign says otherwise (`against`:
    /// a hidden-death sign, a field check that found no one), one per source and deliverer, for
    /// the person's unit to look into. Nothing when no certification rests on such evidence.
    func recordKeptCertified(person: String, since: Day, against: String, on day: Day, by actor: String, now: String, _ db: Database) throws
    {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT e.source, coalesce(e.delivered_by, 'an unrecorded sender') AS by, count(*) AS n,
                    group_concat(DISTINCT e.kind) AS kinds, min(e.observed_day) AS first, max(e.observed_day) AS last
                FROM ledger_event le JOIN evidence e ON e.id = le.evidence_id
                WHERE le.person_id = ? AND le.kind IN ('certified', 'resumed') AND e.observed_day > ?
                GROUP BY e.source, e.delivered_by ORDER BY first
                """, arguments: [person, since.description])
        let conflicts = rows.map { row in
            LedgerChange(
                kind: .conflict, day: day,
                cause:
                    "\(row["n"] as Int) certification(s) from \(row["source"] as String) (\((row["kinds"] as String).split(separator: ",").sorted().joined(separator: ", ")), observed \(row["first"] as String) to \(row["last"] as String), delivered by \(row["by"] as String)) kept the person certified against \(against) on \(day)"
            )
        }
        guard !conflicts.isEmpty else { return }
        try Self.record(conflicts, person: person, evidence: nil, actor: actor, at: now, rules: self.rulesVersion, db)
    }

    /// The daily sweep on `day`: a warning and a reminder in the outbox under `warning_months` to the
    /// deadline, a field-check task for the person's community under `field_check_months`,
    /// suspension past it; and the health-attention rule. Idempotent: what was already raised for a
    /// person's current deadline is not raised again, so running it twice changes nothing. In
    /// transactions of at most `batch` persons (by resident ID), so writes from the service wait
    /// for one batch, never for the whole city; a sweep killed midway leaves whole batches, and
    /// running it again finishes the rest. Then the units' monthly figures history changed, and
    /// the day's month's, are computed and stored (``refreshMonthlyStats(through:now:)``).
    public func sweep(on day: Day, by actor: String = ActorID.systemAccount.description, batch: Int = 20_000) async throws
        -> SweepReport
    {
        var report = try await sweepInBatches(on: day, batch: batch)
        _ = try await write { [report] db in try Self.recordSweep(day, by: actor, report, db) }
        try await refreshMonthlyStats(through: Month(day))
        report.audit = try await checkChainOfDay(day, by: actor)
        return report
    }

    /// The sweep of `day` unless one already ran for it (by any process on this database), in
    /// batches as ``sweep(on:by:batch:)``. The day is recorded when the sweep is done; two
    /// processes sweeping at once apply each change once (each person's step is idempotent) and
    /// only one records the day. Nil when it had run.
    ///
    /// This is the service's daily sweep: it runs under the rules in force when it starts, so a
    /// rules change approved while the service runs applies from the next day's sweep (the
    /// service's routes pick it up at its next start). A store on rules the database does not
    /// hold (``rulesVersion`` nil: a test's own rules) keeps its own.
    public func sweepIfDue(on day: Day, by actor: String, batch: Int = 20_000) async throws -> SweepReport? {
        let (done, inForce) = try await read { db in
            (
                try Bool.fetchOne(db, sql: "SELECT 1 FROM sweep_run WHERE day = ?", arguments: [day.description]) ?? false,
                try Int.fetchOne(db, sql: "SELECT version FROM rules_version WHERE status = 'in_force'")
            )
        }
        guard !done else { return nil }
        if let version = rulesVersion, let inForce, inForce != version {
            return try await Self.inForce(database: database).sweepIfDue(on: day, by: actor, batch: batch)
        }
        var report = try await sweepInBatches(on: day, batch: batch)
        let recorded = try await ChainSeal.write(writer) { [report] db in try Self.recordSweep(day, by: actor, report, db) }
        guard recorded else { return nil }
        try await refreshMonthlyStats(through: Month(day))
        report.audit = try await checkChainOfDay(day, by: actor)
        return report
    }

    /// The persons near or past their deadline, `batch` a transaction, then the holds, attention
    /// and hidden-death rules in one last transaction. Who is a candidate is read once, through the
    /// (status, deadline) index, into a scratch table on the writer's connection (temporary tables
    /// live as long as the connection, across its transactions); each batch then reads its
    /// persons' current rows, so a person certified meanwhile is judged as they are now.
    ///
    /// The candidates go in the order the person table stores them, so a batch rewrites a run of
    /// its pages: in deadline order every batch touched pages all over the table, and the city of
    /// 2,000,000 lapsing on one day wrote 23 GB (WAL frames and checkpoints) for a 900 MB file.
    /// SQLite's automatic checkpoint is held off meanwhile and run every ``sweepCheckpointBatches``
    /// batches: after every batch it copied into the file the index pages each batch dirties again.
    func sweepInBatches(on day: Day, batch: Int) async throws -> SweepReport {
        let horizon = day.adding(months: rules.warning_months).description
        let now = Self.timestamp()
        let scratch = "temp.sweep_candidate_" + Data.randomHex(bytes: 6)
        try await ChainSeal.write(writer) { db in
            try db.execute(
                sql: "CREATE TABLE \(scratch) AS SELECT id FROM person WHERE status = 'active' AND deadline < ? ORDER BY rowid",
                arguments: [horizon])
        }
        let autoCheckpoint = try await writer.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? 1000
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            return pages
        }
        var report = SweepReport()
        do {
            var after: Int64 = 0
            var batches = 0
            while true {
                let (examined, changes, last) = try await ChainSeal.write(writer) { [after] db -> (Int, [String: Int], Int64?) in
                    let persons = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT \(Self.sweepColumns), c.rowid AS seq FROM \(scratch) c JOIN person p ON p.id = c.id
                            WHERE c.rowid > ? ORDER BY c.rowid LIMIT ?
                            """, arguments: [after, batch])
                    var changes: [String: Int] = [:]
                    for person in persons {
                        for change in try self.sweep(person, on: day, now: now, db) { changes[change.kind.rawValue, default: 0] += 1 }
                    }
                    return (persons.count, changes, persons.last?["seq"])
                }
                report.examined += examined
                report.changes.merge(changes, uniquingKeysWith: +)
                batches += 1
                if batches % Self.sweepCheckpointBatches == 0 { try await checkpoint() }
                guard let last, examined == batch else { break }
                after = last
            }
        } catch {
            try? await writer.writeWithoutTransaction { db in
                try db.execute(sql: "DROP TABLE IF EXISTS \(scratch); PRAGMA wal_autocheckpoint = \(autoCheckpoint)")
            }
            throw error
        }
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(autoCheckpoint)")
        }
        try await checkpoint()
        try await ChainSeal.write(writer) { db in try db.execute(sql: "DROP TABLE IF EXISTS \(scratch)") }
        let rest = try await ChainSeal.write(writer) { db -> [String: Int] in
            var closing = SweepReport()
            try self.releaseExpiredHolds(on: day, now: now, into: &closing, db)
            try self.escalateOverdueAppeals(on: day, into: &closing, db)
            let attention = try self.raiseAttention(on: day, now: now, db) + self.raiseHiddenDeath(on: day, now: now, db)
            if attention > 0 { closing.changes["attention"] = attention }
            let escalated = try self.escalateOverdueTasks(on: day, now: now, db)
            if escalated > 0 { closing.changes["escalated"] = escalated }
            return closing.changes
        }
        report.changes.merge(rest, uniquingKeysWith: +)
        return report
    }

    /// Batches of the sweep between two checkpoints of the write-ahead log, which then holds up to
    /// five batches' pages. Measured on the city of 2,000,000 lapsing on one day: a checkpoint
    /// after every batch 63.97 s, every five batches 57.98 s.
    static let sweepCheckpointBatches = 5

    /// Copies the write-ahead log into the database file as far as readers allow (no wait).
    private func checkpoint() async throws {
        try await writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)") }
    }

    /// The last day swept, or nil before the first sweep.
    public func lastSweptDay() async throws -> Day? {
        try await read { db in try String.fetchOne(db, sql: "SELECT max(day) FROM sweep_run").flatMap(Day.init) }
    }

    /// Records that `day` was swept; false when it already was.
    @discardableResult
    static func recordSweep(_ day: Day, by actor: String, _ report: SweepReport, _ db: Database) throws -> Bool {
        let changes = String(decoding: try JSONEncoder().encode(report.changes), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO sweep_run (day, actor, at, changes) VALUES (?, ?, ?, ?)
                ON CONFLICT(day) DO NOTHING
                """, arguments: [day.description, actor, timestamp(), changes])
        return db.changesCount == 1
    }

    /// The person columns ``sweep(_:on:now:_:)`` reads (from `person p`), by position: the id at 0,
    /// the ledger at 1, then name 7, unit 8, phone 9, WeChat 10, immobile 11, lives alone 12, birth 13.
    static let sweepColumns =
        "p.id, \(ledgerColumns(of: "p")), p.name, p.unit_code, p.phone, p.wechat_id, p.immobile, p.lives_alone, p.birth_date"

    /// The daily sweep's rule for one person (a row of ``sweepColumns``) on `day`: the change it
    /// records, with the reminder and the tasks that go with it (``SweepStep``, the simulator's
    /// rule too; this applies its effects). The nightly sweep walks everyone near or past their
    /// deadline through it; arriving evidence and operators' decisions walk the persons they
    /// touch through it at once.
    func sweep(_ person: Row, on day: Day, now: String, _ db: Database) throws -> [LedgerChange] {
        let id: String = person[0]
        let ledger = Self.ledger(person, at: 1)
        // Past the deadline: the due day of an open, overdue home visit for it holds the deadline
        // (``SweepStep/visitHold(_:on:rules:)``).
        var visitDue: Day?
        if day > ledger.deadline && ledger.status == .active {
            visitDue = try String.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT min(due_on) FROM task
                        WHERE person_id = ? AND kind = 'home_visit' AND status = 'open' AND key_day = ? AND due_on < ?
                        """), arguments: [id, ledger.deadline.description, day.description]
            ).flatMap(Day.init)
        }
        // Past the deadline the only change is suspension (or the hold), which needs no other history.
        let raised =
            day > ledger.deadline && visitDue == nil
            ? []
            : Set(
                try String.fetchAll(
                    db.cachedStatement(
                        sql:
                            "SELECT kind FROM ledger_event WHERE person_id = ? AND deadline = ? AND kind IN ('warning', 'field_check', 'deadline_held')"
                    ),
                    arguments: [id, ledger.deadline.description]
                ).compactMap(LedgerChange.Kind.init(rawValue:)))
        // By position (``sweepColumns``), as the ledger: this runs for every person of a sweep.
        let phone: String? = person[9], wechatID: String? = person[10]
        let effects = SweepStep.run(
            SweepStep.Subject(
                ledger: ledger, alreadyRaised: raised, birthDate: Day(person[13] as String)!, immobile: person[11], livesAlone: person[12],
                hasChannel: phone?.nilIfEmpty != nil || wechatID?.nilIfEmpty != nil, visitOverdueSince: visitDue),
            on: day, rules: deferral)
        guard !effects.changes.isEmpty else { return [] }
        try Self.saveChanges(from: ledger, to: effects.ledger, person: id, db)
        let held = effects.changes.contains { $0.kind == .deadlineHeld }
        try Self.record(
            effects.changes, person: id, evidence: nil, actor: held ? SweepStep.visitHoldActor : "sweep", at: now, rules: self.rulesVersion,
            db)
        try notify(effects.changes, person: id, evidence: nil, on: day, db)
        for reminder in effects.reminders { try remind(person, deadline: reminder.deadline, round: reminder.round, on: day, db) }
        for task in effects.tasks { try openTask(person, kind: task.kind.rawValue, key: task.key, reason: task.reason, on: day, db) }
        return effects.changes
    }

    /// Writes the ledger columns that changed (none: no write). A sweep changes at most the status
    /// and the suspension day (a warning or a field check none): writing only those leaves the
    /// other columns' indexes and triggers (a death day's, for the monthly figures) alone.
    static func saveChanges(from old: PersonLedger, to new: PersonLedger, person: String, _ db: Database) throws {
        var columns: [String] = []
        var values: [(any DatabaseValueConvertible)?] = []
        func set(_ column: String, _ value: (any DatabaseValueConvertible)?) {
            columns.append("\(column) = ?")
            values.append(value)
        }
        if old.status != new.status { set("status", new.status.rawValue) }
        if old.servicePeriodMonths != new.servicePeriodMonths { set("service_period_months", new.servicePeriodMonths) }
        if old.lastCertified != new.lastCertified { set("last_certified", new.lastCertified?.description) }
        if old.deadline != new.deadline { set("deadline", new.deadline.description) }
        if old.suspendedOn != new.suspendedOn { set("suspended_on", new.suspendedOn?.description) }
        if old.deathDay != new.deathDay { set("death_day", new.deathDay?.description) }
        guard !columns.isEmpty else { return }
        values.append(person)
        try db.cachedStatement(sql: "UPDATE person SET \(columns.joined(separator: ", ")) WHERE id = ?").execute(
            arguments: StatementArguments(values))
    }

    /// Walks the given persons through the sweep's rule on `day` at once, if they are active and
    /// within the warning horizon (the nightly sweep would reach them by the next night). Returns
    /// the changes, by kind.
    func reevaluate(_ persons: [String], on day: Day, now: String, _ db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let statement = try db.cachedStatement(
            sql: "SELECT \(Self.sweepColumns) FROM person p WHERE p.id = ? AND p.status = 'active' AND p.deadline < ?")
        let horizon = day.adding(months: rules.warning_months).description
        for id in persons {
            guard let person = try Row.fetchOne(statement, arguments: [id, horizon]) else { continue }
            for change in try sweep(person, on: day, now: now, db) { counts[change.kind.rawValue, default: 0] += 1 }
        }
        return counts
    }
}
