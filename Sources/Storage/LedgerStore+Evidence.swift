import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// One evidence row as delivered by a department's feed.
    public struct EvidenceRow: Sendable, Equatable {
        public var line: Int
        public var source: String
        public var externalID: String
        public var residentID: String
        public var kind: String
        public var observedAt: String
        public var payload: String?

        public init(line: Int, source: String, externalID: String, residentID: String, kind: String, observedAt: String, payload: String?) {
            self.line = line
            self.source = source
            self.externalID = externalID
            self.residentID = residentID
            self.kind = kind
            self.observedAt = observedAt
            self.payload = payload
        }
    }

    static let evidenceColumns = ["source", "external_id", "resident_id", "kind", "observed_at"]

    /// Parses a whole feed held in memory (see ``EvidenceFeed``). Unparseable lines are reported in
    /// `report`, not fatal.
    public static func parseEvidence(_ text: String, report: inout ImportReport) -> [EvidenceRow] {
        var feed = EvidenceFeed(bytes: Array(text.utf8))
        var rows: [EvidenceRow] = []
        while let row = feed.next(report: &report) { rows.append(row) }
        return rows
    }

    /// Parses `observed_at`: an ISO 8601 instant (with zone) or a plain `YYYY-MM-DD` day.
    static func observedDay(_ text: String) -> Day? {
        if let day = Day(text) { return day }
        guard let instant = try? Date(text, strategy: .iso8601) else { return nil }
        return Day(instant)
    }

    /// Ingests a feed as it reads it, `batchSize` rows per transaction, so a file of any length runs
    /// in bounded memory. `progress` is told the rows committed so far and the fraction of the
    /// input read, after each batch.
    public func importEvidence(
        _ input: EvidenceFeed, batchSize: Int = 20000, into report: inout ImportReport,
        progress: (@Sendable (Int, Double) -> Void)? = nil
    ) async throws {
        var feed = input
        var committed = 0
        func readBatch() -> (rows: Int, batch: PreparedBatch) {
            var rows: [EvidenceRow] = []
            rows.reserveCapacity(batchSize)
            while rows.count < batchSize, let row = feed.next(report: &report) { rows.append(row) }
            return (rows.count, prepare(rows))
        }
        // Parse and check the next batch while the database applies this one: two cores, two stages.
        var next = readBatch()
        while next.rows > 0 {
            let (count, batch) = next
            async let written = writer.write { db in try self.apply(batch, db) }
            next = readBatch()
            report.absorb(try await written)
            committed += count
            progress?(committed, feed.fractionRead)
        }
        report.problems.sort { $0.line < $1.line }
    }

    /// Ingests evidence rows in batches of `batchSize`, one transaction each. Idempotent by
    /// (source, external id): a re-delivered row changes nothing. Unknown persons and kinds, and
    /// malformed rows, are reported and skipped.
    ///
    /// A department's feed over HTTP passes `scope` (only persons whose community lies in that unit
    /// path are accepted) and `allowBiometric: false` (face verifications are recorded by the
    /// service itself, never delivered).
    public func importEvidence(
        _ rows: [EvidenceRow], batchSize: Int = 20000, scope: String? = nil, allowBiometric: Bool = true, into report: inout ImportReport
    ) async throws {
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            var prepared = prepare(Array(rows[start..<min(rows.count, start + batchSize)]), allowBiometric: allowBiometric)
            prepared.scope = scope
            let batch = prepared
            report.absorb(try await writer.write { db in try self.apply(batch, db) })
        }
        report.problems.sort { $0.line < $1.line }
    }

    /// A batch checked in Swift, before any database work: each row's kind, source, resident ID
    /// and day. `json` carries the good rows to SQLite in one value, `entries[seq]` describes row `seq`.
    struct PreparedBatch: Sendable {
        struct Entry: Sendable {
            var line: Int
            var id: ResidentID
            var kind: LedgerRules.Kind
            var day: Day
        }
        var entries: [Entry] = []
        var json = "["
        var report = ImportReport()
        /// Only persons whose community's path starts with this are accepted.
        var scope: String?
    }

    func prepare(_ rows: [EvidenceRow], allowBiometric: Bool = true) -> PreparedBatch {
        var batch = PreparedBatch()
        batch.entries.reserveCapacity(rows.count)
        batch.json.reserveCapacity(rows.count * 120)
        for row in rows {
            let entry: PreparedBatch.Entry
            switch check(row, allowBiometric: allowBiometric) {
            case .failure(let refusal):
                batch.report.refuse(row.line, refusal.reason)
                continue
            case .success(let checked):
                entry = checked
            }
            if !batch.entries.isEmpty { batch.json.append(",") }
            batch.json.append("[")
            for field in [
                row.source, row.externalID, entry.id.value, entry.kind.kind, entry.kind.class.rawValue, entry.day.description,
                row.observedAt,
            ] {
                Self.appendJSONString(field, to: &batch.json)
                batch.json.append(",")
            }
            if let payload = row.payload { Self.appendJSONString(payload, to: &batch.json) } else { batch.json.append("null") }
            batch.json.append("]")
            batch.entries.append(entry)
        }
        batch.json.append("]")
        return batch
    }

    /// Why a row cannot be taken.
    struct Refusal: Error {
        var reason: String
    }

    /// One row's checks, before any database work: source and external id present, a kind of the
    /// catalogue reported by its own department, a valid resident ID, a readable day.
    func check(_ row: EvidenceRow, allowBiometric: Bool) -> Result<PreparedBatch.Entry, Refusal> {
        guard !row.source.isEmpty, !row.externalID.isEmpty else {
            return .failure(Refusal(reason: "source and external_id are required (they make re-delivery safe)"))
        }
        guard let kind = rules.kind(row.kind) else {
            return .failure(Refusal(reason: "unknown evidence kind '\(row.kind)' (see the rules file's catalogue)"))
        }
        guard allowBiometric || kind.class != .biometric else {
            return .failure(Refusal(reason: "\(row.kind) is recorded by the verification service itself, not delivered by a feed"))
        }
        guard kind.source == row.source || kind.class == .biometric else {
            return .failure(Refusal(reason: "kind \(row.kind) is reported by \(kind.source), not \(row.source)"))
        }
        guard let id = try? ResidentID(row.residentID) else { return .failure(Refusal(reason: "resident_id is not a valid resident ID")) }
        guard let day = Self.observedDay(row.observedAt) else {
            return .failure(Refusal(reason: "observed_at '\(row.observedAt)' is not an ISO 8601 time or a YYYY-MM-DD day"))
        }
        return .success(PreparedBatch.Entry(line: row.line, id: id, kind: kind, day: day))
    }

    static func appendJSONString(_ text: String, to json: inout String) {
        json.append("\"")
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            json.append(text)
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": json.append("\\\"")
                case "\\": json.append("\\\\")
                case _ where scalar.value < 0x20: json.append(String(format: "\\u%04x", scalar.value))
                default: json.unicodeScalars.append(scalar)
                }
            }
        }
        json.append("\"")
    }

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
        for seq in unknown { report.refuse(batch.entries[seq].line, "unknown person \(batch.entries[seq].id)") }
        if let scope = batch.scope {
            let outside = try Int.fetchAll(
                db,
                sql: """
                    DELETE FROM temp.evidence_batch AS b
                    WHERE (SELECT u.path FROM person p JOIN unit u ON u.code = p.unit_code WHERE p.id = b.person_id) NOT LIKE ? || '%'
                    RETURNING seq
                    """, arguments: [scope])
            for seq in outside {
                report.refuse(batch.entries[seq].line, "person \(batch.entries[seq].id) lives outside the units this feed may report on")
            }
        }
        try db.execute(
            sql: """
                DELETE FROM temp.evidence_batch AS b
                WHERE EXISTS (SELECT 1 FROM evidence e WHERE e.source = b.source AND e.external_id = b.external_id)
                   OR EXISTS (SELECT 1 FROM temp.evidence_batch a WHERE a.source = b.source AND a.external_id = b.external_id AND a.seq < b.seq)
                """)
        report.alreadyPresent += db.changesCount
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
                INSERT INTO evidence (id, source, external_id, person_id, kind, class, observed_day, observed_at, received_at, payload)
                SELECT evidence_id, source, external_id, person_id, kind, class, observed_day, observed_at, ?, payload
                FROM temp.evidence_batch ORDER BY evidence_id
                """, arguments: [now])
        report.imported += db.changesCount
        // A row can move its person's ledger if it is not a behaviour event, if the person is
        // deceased (any sign of life is a conflict), or if it is a behaviour event that could both
        // push the deadline and pass the behaviour model, which needs events from `min_sources`
        // departments in its window (a necessary condition, counted in SQLite: most behaviour
        // events fail it). The four days' margin covers SQLite's month arithmetic rolling over (31
        // March minus one month is 3 March) where DeferralRules clamps (28 February): the filter
        // may let a row through that changes nothing, never the other way round. Every row of a
        // person with such a row is then applied in Swift, in delivery order.
        let model = rules.behaviour_model
        let movable = try Row.fetchAll(
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
                       OR ((c.status <> 'active' OR c.last_certified IS NULL
                            OR c.observed_day > date(c.deadline, '-' || c.service_period_months || ' months', '-4 days'))
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
        var index = 0
        while index < movable.count {
            let entry = batch.entries[movable[index][0]]
            let person = entry.id.value
            var ledger = Self.ledger(movable[index], at: 2)
            var changed = false
            while index < movable.count, case let seq:Int = movable[index][0], batch.entries[seq].id == entry.id {
                let row = batch.entries[seq]
                let evidenceID: Int64 = movable[index][1]
                index += 1
                let changes = try changes(for: row.kind, on: row.day, person: person, upTo: evidenceID, ledger: &ledger, db)
                guard !changes.isEmpty else { continue }
                changed = true
                if changes.contains(where: { $0.kind == .deceased }) {
                    try db.execute(
                        sql:
                            "UPDATE task SET status = 'closed', outcome = 'deceased', closed_on = ? WHERE person_id = ? AND status = 'open'",
                        arguments: [row.day.description, person])
                }
                try Self.record(changes, person: person, evidence: evidenceID, at: now, db)
                for change in changes { report.changes[change.kind.rawValue, default: 0] += 1 }
            }
            if changed { try Self.save(ledger, person: person, db) }
        }
        return report
    }

    /// Applies one row at once, without the batch machinery (a verification, a task's outcome):
    /// the same checks and the same rules as a batch, in the caller's transaction.
    func applyOne(_ row: EvidenceRow, _ db: Database) throws -> (report: ImportReport, evidenceID: Int64?) {
        var report = ImportReport()
        let entry: PreparedBatch.Entry
        switch check(row, allowBiometric: true) {
        case .failure(let refusal):
            report.refuse(row.line, refusal.reason)
            return (report, nil)
        case .success(let checked):
            entry = checked
        }
        let now = Self.timestamp()
        guard
            let person = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT \(Self.ledgerColumns) FROM person WHERE id = ?"), arguments: [entry.id.value])
        else {
            report.refuse(row.line, "unknown person \(entry.id)")
            return (report, nil)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO evidence (source, external_id, person_id, kind, class, observed_day, observed_at, received_at, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source, external_id) DO NOTHING
                """
        ).execute(arguments: [
            row.source, row.externalID, entry.id.value, entry.kind.kind, entry.kind.class.rawValue, entry.day.description, row.observedAt,
            now, row.payload,
        ])
        guard db.changesCount == 1 else {
            report.alreadyPresent += 1
            return (report, nil)
        }
        let evidenceID = db.lastInsertedRowID
        report.imported = 1
        var ledger = Self.ledger(person, at: 0)
        let changes = try changes(for: entry.kind, on: entry.day, person: entry.id.value, upTo: evidenceID, ledger: &ledger, db)
        guard !changes.isEmpty else { return (report, evidenceID) }
        if changes.contains(where: { $0.kind == .deceased }) {
            try db.execute(
                sql: "UPDATE task SET status = 'closed', outcome = 'deceased', closed_on = ? WHERE person_id = ? AND status = 'open'",
                arguments: [entry.day.description, entry.id.value])
        }
        try Self.save(ledger, person: entry.id.value, db)
        try Self.record(changes, person: entry.id.value, evidence: evidenceID, at: now, db)
        for change in changes { report.changes[change.kind.rawValue, default: 0] += 1 }
        return (report, evidenceID)
    }

    /// What one new piece of evidence does to a person's ledger.
    private func changes(
        for kind: LedgerRules.Kind, on day: Day, person: String, upTo evidenceID: Int64, ledger: inout PersonLedger, _ db: Database
    ) throws -> [LedgerChange] {
        let cause = "\(kind.kind) from \(kind.source) observed \(day)"
        switch kind.class {
        case .strong, .biometric, .visit:
            return deferral.certify(&ledger, on: day, cause: cause)
        case .death:
            return deferral.recordDeath(&ledger, on: day, cause: cause)
        case .reference:
            // Any sign of life after a recorded death (even a card payment, the classic fraud) is a
            // conflict for a person to resolve, scored or not: certify() raises it.
            if ledger.status == .deceased { return deferral.certify(&ledger, on: day, cause: cause) }
            // Scoring cannot change anything when even a passing score would not move the deadline:
            // skip the window query (most behaviour events of an active person are such).
            if ledger.status == .active, ledger.lastCertified != nil, day.adding(months: ledger.servicePeriodMonths) <= ledger.deadline {
                return []
            }
            // The window as it stood when this row arrived: rows delivered after it (in this batch,
            // with higher ids) are not yet known, exactly as if the feed were applied row by row.
            let windowStart = day.adding(days: -(rules.behaviour_model.window_days - 1))
            let window = try db.cachedStatement(
                sql:
                    "SELECT kind, source, observed_day FROM evidence WHERE person_id = ? AND class = 'reference' AND observed_day BETWEEN ? AND ? AND id <= ?"
            )
            let events = try Row.fetchAll(window, arguments: [person, windowStart.description, day.description, evidenceID]).compactMap {
                row -> DeferralRules.ReferenceEvent? in
                guard let kind = rules.kind(row["kind"]), let weight = kind.weight, let observed = Day(row["observed_day"] as String) else {
                    return nil
                }
                return DeferralRules.ReferenceEvent(kind: kind.kind, source: row["source"], weight: weight, day: observed)
            }
            let score = deferral.score(events, endingOn: day)
            guard score.certifies else { return [] }
            let sources = score.sources.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return deferral.certify(
                &ledger, on: day, cause: String(format: "behaviour model P=%.3f from %@ (latest: %@)", score.probability, sources, cause))
        }
    }
}
