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
        _ input: EvidenceFeed, batchSize: Int = 5000, into report: inout ImportReport,
        progress: (@Sendable (Int, Double) -> Void)? = nil
    ) async throws {
        var feed = input
        var committed = 0
        func readBatch() -> [EvidenceRow] {
            var batch: [EvidenceRow] = []
            batch.reserveCapacity(batchSize)
            while batch.count < batchSize, let row = feed.next(report: &report) { batch.append(row) }
            return batch
        }
        // Parse the next batch while the database applies this one: two cores, two stages.
        var next = readBatch()
        while !next.isEmpty {
            let batch = next
            async let written = writer.write { db in try self.apply(batch, db) }
            next = readBatch()
            report.absorb(try await written)
            committed += batch.count
            progress?(committed, feed.fractionRead)
        }
        report.problems.sort { $0.line < $1.line }
    }

    /// Ingests evidence rows in batches of `batchSize`, one transaction each. Idempotent by
    /// (source, external id): a re-delivered row changes nothing. Unknown persons and kinds, and
    /// malformed rows, are reported and skipped.
    public func importEvidence(_ rows: [EvidenceRow], batchSize: Int = 5000, into report: inout ImportReport) async throws {
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            let batch = Array(rows[start..<min(rows.count, start + batchSize)])
            report.absorb(try await writer.write { db in try self.apply(batch, db) })
        }
    }

    func apply(_ batch: [EvidenceRow], _ db: Database) throws -> ImportReport {
        var report = ImportReport()
        let now = Self.timestamp()
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO evidence (source, external_id, person_id, kind, class, observed_day, observed_at, received_at, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source, external_id) DO NOTHING
                """)
        let personStatement = try db.cachedStatement(sql: "SELECT \(Self.ledgerColumns) FROM person WHERE id = ?")
        for row in batch {
            guard !row.source.isEmpty, !row.externalID.isEmpty else {
                report.refuse(row.line, "source and external_id are required (they make re-delivery safe)")
                continue
            }
            guard let kind = rules.kind(row.kind) else {
                report.refuse(row.line, "unknown evidence kind '\(row.kind)' (see the rules file's catalogue)")
                continue
            }
            guard kind.source == row.source || kind.class == .biometric else {
                report.refuse(row.line, "kind \(row.kind) is reported by \(kind.source), not \(row.source)")
                continue
            }
            guard let id = try? ResidentID(row.residentID) else {
                report.refuse(row.line, "resident_id is not a valid resident ID")
                continue
            }
            guard let day = Self.observedDay(row.observedAt) else {
                report.refuse(row.line, "observed_at '\(row.observedAt)' is not an ISO 8601 time or a YYYY-MM-DD day")
                continue
            }
            guard let person = try Row.fetchOne(personStatement, arguments: [id.value]) else {
                report.refuse(row.line, "unknown person \(id)")
                continue
            }
            try insert.execute(arguments: [
                row.source, row.externalID, id.value, kind.kind, kind.class.rawValue, day.description, row.observedAt, now, row.payload,
            ])
            guard db.changesCount == 1 else {
                report.alreadyPresent += 1
                continue
            }
            let evidenceID = db.lastInsertedRowID
            report.imported += 1
            var ledger = Self.ledger(person, at: 0)
            let changes = try changes(for: kind, on: day, person: id.value, ledger: &ledger, db)
            if changes.contains(where: { $0.kind == .deceased }) {
                try db.execute(
                    sql: "UPDATE task SET status = 'closed', outcome = 'deceased', closed_on = ? WHERE person_id = ? AND status = 'open'",
                    arguments: [day.description, id.value])
            }
            if !changes.isEmpty {
                try Self.save(ledger, person: id.value, db)
                try Self.record(changes, person: id.value, evidence: evidenceID, at: now, db)
                for change in changes { report.changes[change.kind.rawValue, default: 0] += 1 }
            }
        }
        return report
    }

    /// What one new piece of evidence does to a person's ledger.
    private func changes(
        for kind: LedgerRules.Kind, on day: Day, person: String, ledger: inout PersonLedger, _ db: Database
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
            let windowStart = day.adding(days: -(rules.behaviour_model.window_days - 1))
            let window = try db.cachedStatement(
                sql:
                    "SELECT kind, source, observed_day FROM evidence WHERE person_id = ? AND class = 'reference' AND observed_day BETWEEN ? AND ?"
            )
            let events = try Row.fetchAll(window, arguments: [person, windowStart.description, day.description]).compactMap {
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
