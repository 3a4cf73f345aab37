import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// Applies a checked batch in one transaction, set-wise in SQLite: the rows go into a temporary
    /// table in one statement; unknown persons and rows already present leave it; the rest are
    /// inserted in resident-ID order (each person's rows stay in delivery order, and the indexes are
    /// written page after page rather than at random). Only the persons whose ledger a row can move
    /// are then read and applied row by row in Swift: those with a strong, biometric, visit or
    /// death row, those not simply active, and those with a sign of life late enough to push the
    /// deadline. A behaviour event of an active person whose deadline already lies a whole service
    /// period after it changes nothing (most rows of a city's feed), so it is stored and left.
    func apply(_ batch: PreparedBatch, _ db: Database) throws -> ImportReport {
        var report = batch.report
        guard !batch.entries.isEmpty else { return report }
        let now = Self.timestamp()
        try stage(batch, into: &report, db)
        try insertStaged(at: now, by: batch.delivery.by, into: &report, db)
        try applyMovable(try movableRows(db), of: batch, at: now, into: &report, db)
        // No re-evaluation here (unlike ``applyOne(_:delivery:_:)``): a department splits its feed
        // into batches of any size, and suspending a person between two batches of the same day
        // would make the ledger depend on the split (LedgerPropertyTests checks it does not). The
        // service's nightly sweep re-evaluates everyone the feeds left near or past a deadline.
        return report
    }

    /// Loads the batch into the temporary table `evidence_batch` in one statement, and takes out
    /// the rows of unknown persons, of persons outside the feed's scope, and rows already stored.
    func stage(_ batch: PreparedBatch, into report: inout ImportReport, _ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TEMP TABLE IF NOT EXISTS evidence_batch (
                    seq INTEGER PRIMARY KEY, source TEXT NOT NULL, external_id TEXT NOT NULL, person_id TEXT NOT NULL,
                    kind TEXT NOT NULL, class TEXT NOT NULL, observed_day TEXT NOT NULL, observed_at TEXT NOT NULL, payload TEXT,
                    evidence_id INTEGER);
                CREATE INDEX IF NOT EXISTS temp.evidence_batch_key ON evidence_batch(source, external_id, seq);
                DELETE FROM temp.evidence_batch;
                """)
        try db.execute(
            sql: """
                INSERT INTO temp.evidence_batch
                SELECT key, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, NULL FROM json_each(?)
                """, arguments: [batch.json])
        let unknown = try Int.fetchAll(
            db, sql: "DELETE FROM temp.evidence_batch AS b WHERE NOT EXISTS (SELECT 1 FROM person WHERE id = b.person_id) RETURNING seq")
        // A scoped feed is told the same of a person outside its units as of one who does not exist
        // (no oracle across districts); a file imported on the server may name the cause.
        let notFound = { (seq: Int) in
            batch.delivery.scope == nil
                ? "unknown person \(batch.entries[seq].id)"
                : "no person \(batch.entries[seq].id) in the units this feed may report on"
        }
        for seq in unknown { report.refuse(batch.entries[seq].line, notFound(seq)) }
        if let scope = batch.delivery.scope {
            let outside = try Int.fetchAll(
                db,
                sql: """
                    DELETE FROM temp.evidence_batch AS b
                    WHERE instr((SELECT u.path FROM person p JOIN unit u ON u.code = p.unit_code WHERE p.id = b.person_id), ?) <> 1
                    RETURNING seq
                    """, arguments: [scope])
            for seq in outside { report.refuse(batch.entries[seq].line, notFound(seq)) }
        }
        // A row's identity is (source, external id, person). The same identity with other content
        // (kind, time or payload) is not a re-delivery: refused, named, never dropped as present.
        let conflicting = try Int.fetchAll(
            db,
            sql: """
                DELETE FROM temp.evidence_batch AS b
                WHERE EXISTS (SELECT 1 FROM evidence e WHERE e.source = b.source AND e.external_id = b.external_id
                                AND e.person_id = b.person_id AND NOT (\(Self.sameContent("e", "b", pruned: true))))
                   OR EXISTS (SELECT 1 FROM temp.evidence_batch a WHERE a.source = b.source AND a.external_id = b.external_id
                                AND a.person_id = b.person_id AND a.seq < b.seq AND NOT (\(Self.sameContent("a", "b"))))
                RETURNING seq
                """)
        for seq in conflicting.sorted() {
            report.refuse(batch.entries[seq].line, Self.externalIDConflict, code: "external_id_conflict")
        }
        try db.execute(
            sql: """
                DELETE FROM temp.evidence_batch AS b
                WHERE EXISTS (SELECT 1 FROM evidence e WHERE e.source = b.source AND e.external_id = b.external_id AND e.person_id = b.person_id)
                   OR EXISTS (SELECT 1 FROM temp.evidence_batch a WHERE a.source = b.source AND a.external_id = b.external_id
                                AND a.person_id = b.person_id AND a.seq < b.seq)
                """)
        report.alreadyPresent += db.changesCount
        try holdBursts(batch, into: &report, db)
        // A day before the person's birth cannot be about them (EvidenceAdmission, per person); checked on
        // the new rows only, so a re-delivered feed costs nothing more.
        let beforeBirth = try Row.fetchAll(
            db,
            sql: """
                SELECT b.seq, p.birth_date FROM temp.evidence_batch b JOIN person p ON p.id = b.person_id
                WHERE b.observed_day < p.birth_date
                """)
        for row in beforeBirth {
            let entry = batch.entries[row["seq"]]
            report.refuse(entry.line, EvidenceAdmission.refusal(observed: entry.day, birth: Day(row["birth_date"] as String)!) ?? "")
            try db.execute(sql: "DELETE FROM temp.evidence_batch WHERE seq = ?", arguments: [row["seq"] as Int])
        }
    }

    /// Takes out of the batch, into `evidence_review` (held, not applied), the rows beyond
    /// `corroboration.max_events_per_day` for one person from one source on one observed day
    /// (counting what is already stored): a burst is not a day's life. A row already held is
    /// present, as a row already stored is. The report counts them and says why.
    func holdBursts(_ batch: PreparedBatch, into report: inout ImportReport, _ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM temp.evidence_batch AS b
                WHERE EXISTS (SELECT 1 FROM evidence_review r WHERE r.source = b.source AND r.external_id = b.external_id
                                AND r.person_id = b.person_id)
                """)
        report.alreadyPresent += db.changesCount
        let limit = rules.corroboration.max_events_per_day
        let burst = try Row.fetchAll(
            db,
            sql: """
                WITH groups AS (
                    SELECT person_id, source, observed_day, count(*) AS n FROM temp.evidence_batch
                    GROUP BY person_id, source, observed_day
                ),
                heavy AS (
                    SELECT g.person_id, g.source, g.observed_day, g.n,
                        (SELECT count(*) FROM evidence e WHERE e.person_id = g.person_id AND e.observed_day = g.observed_day
                           AND e.source = g.source) AS stored
                    FROM groups g
                )
                SELECT b.seq, h.n + h.stored AS total, h.stored FROM heavy h
                JOIN temp.evidence_batch b ON b.person_id = h.person_id AND b.source = h.source AND b.observed_day = h.observed_day
                WHERE h.n + h.stored > ?
                ORDER BY b.seq
                """, arguments: [limit])
        guard !burst.isEmpty else { return }
        var rank: [String: Int] = [:]
        var heldSeqs: [Int] = []
        var why: [String: (total: Int, held: Int)] = [:]
        for row in burst {
            let seq: Int = row["seq"]
            let entry = batch.entries[seq]
            let group = "\(entry.id) \(entry.kind.source) \(entry.day)"
            let n = rank[group, default: row["stored"]] + 1
            rank[group] = n
            guard n > limit else { continue }
            heldSeqs.append(seq)
            why[group, default: (row["total"], 0)].held += 1
        }
        let now = Self.timestamp()
        for seq in heldSeqs {
            let entry = batch.entries[seq]
            let reason =
                "more than \(limit) rows for this person from \(entry.kind.source) observed \(entry.day) (corroboration.max_events_per_day): held for review"
            try db.execute(
                sql: """
                    INSERT INTO evidence_review (source, external_id, person_id, kind, class, observed_day, observed_at, payload, received_at,
                        delivered_by, reason)
                    SELECT source, external_id, person_id, kind, class, observed_day, observed_at, payload, ?, ?, ?
                    FROM temp.evidence_batch WHERE seq = ?
                    """, arguments: [now, batch.delivery.by, reason, seq])
            try db.execute(sql: "DELETE FROM temp.evidence_batch WHERE seq = ?", arguments: [seq])
        }
        report.held += heldSeqs.count
        for (group, counts) in why.sorted(by: { $0.key < $1.key }) {
            report.heldWhy.append(
                "\(counts.total) rows for \(group) (more than corroboration.max_events_per_day \(limit)): \(counts.held) held for review")
        }
    }

    /// SQL true when rows `a` and `b` (same source, external id and person) say the same thing:
    /// the same kind on the same day with the same payload (an absent payload and an empty one
    /// alike). The time is compared by its day, as the rules read it: the same instant written
    /// with another zone or precision is a re-delivery, not a conflict.
    /// `pruned`: `a` is a stored row whose payload the retention may have cleared (then its
    /// kind and day decide).
    static func sameContent(_ a: String, _ b: String, pruned: Bool = false) -> String {
        let payload = "coalesce(\(a).payload, '') = coalesce(\(b).payload, '')"
        return
            "\(a).kind = \(b).kind AND \(a).observed_day = \(b).observed_day AND \(pruned ? "(\(a).payload_pruned_on IS NOT NULL OR \(payload))" : payload)"
    }

    static let externalIDConflict =
        "external_id_conflict: this source's external_id was delivered before for this person with another kind, time or payload; a new event needs a new id"

    /// Inserts the staged rows, with ids in resident-ID order.
    func insertStaged(at now: String, by deliverer: String, into report: inout ImportReport, _ db: Database) throws {
        // Ids in resident-ID order (each person's rows in delivery order), given here so that no
        // row has to be looked up again to learn its id.
        let lastID = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM evidence") ?? 0
        try db.execute(
            sql: """
                UPDATE temp.evidence_batch SET evidence_id = ? + ranked.n
                FROM (SELECT seq, row_number() OVER (ORDER BY person_id, seq) AS n FROM temp.evidence_batch) AS ranked
                WHERE ranked.seq = evidence_batch.seq
                """, arguments: [lastID])
        try db.execute(
            sql: """
                INSERT INTO evidence (id, source, external_id, person_id, kind, class, observed_day, observed_at, received_at, payload,
                    delivered_by)
                SELECT evidence_id, source, external_id, person_id, kind, class, observed_day, observed_at, ?, payload, ?
                FROM temp.evidence_batch ORDER BY evidence_id
                """, arguments: [now, deliverer])
        report.imported += db.changesCount
    }

    /// The staged rows whose person's ledger they could move, with that ledger, by person.
    func movableRows(_ db: Database) throws -> [Row] {
        // A row can move its person's ledger if it is not a behaviour event, if the person is
        // deceased (any sign of life is a conflict), or if it is a behaviour event that could both
        // push the deadline and pass the behaviour model, which needs events from `min_sources`
        // departments in its window (a necessary condition, counted in SQLite: most behaviour
        // events fail it). Whether the deadline could move is DeferralRules.mayMove, registered as
        // the SQL function fastcert_may_move (AppDatabase). Every row of a person with such a row
        // is then applied in Swift, in delivery order.
        let model = rules.behaviour_model
        return try Row.fetchAll(
            db,
            sql: """
                WITH candidate AS (
                    SELECT b.seq, b.person_id, b.class, b.observed_day, b.evidence_id,
                        p.status, p.last_certified, p.deadline, p.service_period_months
                    FROM temp.evidence_batch b JOIN person p ON p.id = b.person_id
                ),
                moving AS (
                    SELECT DISTINCT person_id FROM candidate c
                    WHERE c.class <> 'reference' OR c.status = 'deceased'
                       OR (fastcert_may_move(c.status, c.last_certified, c.deadline, c.service_period_months, c.observed_day)
                           AND (SELECT count(*) FROM evidence w
                                WHERE w.person_id = c.person_id AND w.class = 'reference'
                                  AND w.observed_day BETWEEN date(c.observed_day, ?) AND c.observed_day
                                  AND w.id <= c.evidence_id) >= ?)
                )
                SELECT c.seq, c.evidence_id, \(Self.ledgerColumns(of: "p"))
                FROM candidate c JOIN person p ON p.id = c.person_id
                WHERE c.person_id IN moving
                ORDER BY c.person_id, c.seq
                """, arguments: ["-\(model.window_days - 1) days", model.min_sources])
    }

    /// Applies the movable rows in Swift, person by person, each person's rows in delivery order.
    func applyMovable(_ movable: [Row], of batch: PreparedBatch, at now: String, into report: inout ImportReport, _ db: Database) throws {
        var index = 0
        while index < movable.count {
            let entry = batch.entries[movable[index]["seq"]]
            let person = entry.id.value
            var ledger = Self.ledger(movable[index], at: 2)
            var changed = false
            while index < movable.count, case let seq:Int = movable[index]["seq"], batch.entries[seq].id == entry.id {
                let row = batch.entries[seq]
                let evidenceID: Int64 = movable[index]["evidence_id"]
                index += 1
                let changes = try changes(
                    for: row.kind, on: row.day, person: person, upTo: evidenceID, by: batch.delivery.by, ledger: &ledger, db)
                if !changes.isEmpty {
                    changed = true
                    try self.keep(
                        changes, person: person, evidence: evidenceID, on: row.day, by: batch.delivery.by, at: now, into: &report,
                        rules: self.rulesVersion, db)
                }
                try endRuleHolds(
                    of: person, confirmedBy: row.kind, observed: row.day, by: batch.delivery.by, on: batch.delivery.receivedOn, now: now, db
                )
            }
            if changed { try Self.save(ledger, person: person, db) }
        }
    }

    /// Applies one row at once, without the batch machinery (a verification, a task's outcome):
    /// the same checks and the same rules as a batch, in the caller's transaction. The person is
    /// then re-evaluated at once on the day received (``reevaluate(_:on:now:_:)``): a visit dated
    /// weeks back that leaves the deadline passed suspends them now, not the next night.
    func applyOne(_ row: EvidenceInput, delivery: EvidenceDelivery, _ db: Database) throws -> (report: ImportReport, evidenceID: Int64?) {
        var report = ImportReport()
        let entry: PreparedBatch.Entry
        switch check(row, delivery: delivery) {
        case .failure(let refusal):
            report.refuse(row.line, refusal.reason)
            return (report, nil)
        case .success(let checked):
            entry = checked
        }
        let now = Self.timestamp()
        guard
            let person = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT \(Self.ledgerColumns), birth_date FROM person WHERE id = ?"),
                arguments: [entry.id.value])
        else {
            report.refuse(row.line, "unknown person \(entry.id)")
            return (report, nil)
        }
        if let refusal = EvidenceAdmission.refusal(observed: entry.day, birth: Day(person["birth_date"] as String)!) {
            report.refuse(row.line, refusal)
            return (report, nil)
        }
        // A row already delivered (same source, external id and person) is present if it says the
        // same, refused if it says something else.
        if let earlier = try EvidenceRow.filter(
            Column("source") == row.source && Column("external_id") == row.externalID && Column("person_id") == entry.id.value
        ).fetchOne(db) {
            if earlier.kind == entry.kind.kind && earlier.observedDay == entry.day.description
                && (earlier.payloadPrunedOn != nil || (earlier.payload ?? "") == (row.payload ?? ""))
            {
                report.alreadyPresent += 1
            } else {
                report.refuse(row.line, Self.externalIDConflict, code: "external_id_conflict")
            }
            return (report, nil)
        }
        var evidence = EvidenceRow(
            source: row.source, externalId: row.externalID, personId: entry.id.value, kind: entry.kind.kind,
            class: entry.kind.class.rawValue, observedDay: entry.day.description, observedAt: row.observedAt, receivedAt: now,
            payload: row.payload, deliveredBy: delivery.by)
        try evidence.insert(db, onConflict: .ignore)
        guard db.changesCount == 1, let evidenceID = evidence.id else {
            report.alreadyPresent += 1
            return (report, nil)
        }
        report.imported = 1
        var ledger = Self.ledger(person, at: 0)
        let changes = try changes(
            for: entry.kind, on: entry.day, person: entry.id.value, upTo: evidenceID, by: delivery.by, ledger: &ledger, db)
        if !changes.isEmpty {
            try Self.save(ledger, person: entry.id.value, db)
            try self.keep(
                changes, person: entry.id.value, evidence: evidenceID, on: entry.day, by: delivery.by, at: now, into: &report,
                rules: self.rulesVersion, db)
        }
        try endRuleHolds(
            of: entry.id.value, confirmedBy: entry.kind, observed: entry.day, by: delivery.by, on: delivery.receivedOn, now: now, db)
        for (kind, n) in try reevaluate([entry.id.value], on: delivery.receivedOn, now: now, db) { report.changes[kind, default: 0] += n }
        return (report, evidenceID)
    }

    /// Records what one row changed (with its cause, the evidence, and who delivered it as the
    /// actor), counts it, and carries out what the rules say follows from it
    /// (``LedgerChange/closesOpenTasks``: a death closes the person's open tasks;
    /// ``LedgerChange/closesFieldChecks``: a certification closes their open field checks).
    func keep(
        _ changes: [LedgerChange], person: String, evidence: Int64, on day: Day, by actor: String, at now: String,
        into report: inout ImportReport, rules version: Int?, _ db: Database
    ) throws {
        // The tasks closed name the actor of what closed them (the evidence's deliverer).
        if changes.contains(where: \.closesOpenTasks) {
            try db.cachedStatement(
                sql:
                    "UPDATE task SET status = 'closed', outcome = 'deceased', closed_on = ?, closed_by = ? WHERE person_id = ? AND status = 'open'"
            ).execute(arguments: [day.description, actor, person])
        } else if changes.contains(where: \.closesFieldChecks), try !Self.ruleHoldInForce(person, db) {
            try Self.closeDeadlineTasks(of: person, outcome: "certified", on: day, by: actor, db)
        }
        try Self.record(changes, person: person, evidence: evidence, actor: actor, at: now, rules: version, db)
        try notify(changes, person: person, evidence: evidence, on: day, db)
        for change in changes { report.changes[change.kind.rawValue, default: 0] += 1 }
    }

    /// Closes the person's open field checks, home visits and phone calls (the tasks of a
    /// deadline) with `outcome`: the deadline moved, by a certification or an extension, whose
    /// actor (the evidence's deliverer, the deciding operator) closed them.
    static func closeDeadlineTasks(of person: String, outcome: String, on day: Day, by actor: String, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE task SET status = 'closed', outcome = ?, closed_on = ?, closed_by = ?
                WHERE person_id = ? AND status = 'open' AND kind IN ('field_check', 'home_visit', 'phone_call')
                """
        ).execute(arguments: [outcome, day.description, actor, person])
    }
}
