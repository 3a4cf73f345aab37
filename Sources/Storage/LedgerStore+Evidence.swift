import Foundation
import GRDB
import Ledger

extension LedgerStore {
    static let evidenceColumns = EvidenceFeed.columns

    /// Parses a whole feed held in memory (see ``EvidenceFeed``). Unparseable lines are reported in
    /// `report`, not fatal.
    public static func parseEvidence(_ text: String, report: inout ImportReport) -> [EvidenceInput] {
        var feed = EvidenceFeed(bytes: Array(text.utf8))
        var rows: [EvidenceInput] = []
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
        _ input: EvidenceFeed, batchSize: Int = 20000, delivery: EvidenceDelivery,
        into report: inout ImportReport, progress: (@Sendable (Int, Double) -> Void)? = nil
    ) async throws {
        var feed = input
        var committed = 0
        func readBatch() -> (rows: Int, batch: PreparedBatch) {
            var rows: [EvidenceInput] = []
            rows.reserveCapacity(batchSize)
            while rows.count < batchSize, let row = feed.next(report: &report) { rows.append(row) }
            return (rows.count, prepare(rows, delivery: delivery))
        }
        // Parse and check the next batch while the database applies this one: two cores, two stages.
        var next = readBatch()
        while next.rows > 0 {
            let (count, batch) = next
            async let written = write { db in try self.apply(batch, db) }
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
    /// `delivery` says who sends the rows and what they may send: a department's feed over HTTP
    /// delivers only its own departments' kinds, for persons in its unit, never biometrics.
    public func importEvidence(
        _ rows: [EvidenceInput], batchSize: Int = 20000, delivery: EvidenceDelivery,
        into report: inout ImportReport
    ) async throws {
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            let batch = prepare(Array(rows[start..<min(rows.count, start + batchSize)]), delivery: delivery)
            report.absorb(try await write { db in try self.apply(batch, db) })
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
        /// Who sends the rows and what they may send.
        var delivery: EvidenceDelivery
    }

    func prepare(_ rows: [EvidenceInput], delivery: EvidenceDelivery) -> PreparedBatch {
        var batch = PreparedBatch(delivery: delivery)
        batch.entries.reserveCapacity(rows.count)
        batch.json.reserveCapacity(rows.count * 120)
        for row in rows {
            let entry: PreparedBatch.Entry
            switch check(row, delivery: delivery) {
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
    /// catalogue reported by its own department, a department the sender may deliver for
    /// (``EvidenceAdmission``), a valid resident ID, a readable day the evidence could have been
    /// observed on (not in the future of its delivery, not before 1900).
    func check(_ row: EvidenceInput, delivery: EvidenceDelivery) -> Result<PreparedBatch.Entry, Refusal> {
        guard !row.source.isEmpty, !row.externalID.isEmpty else {
            return .failure(Refusal(reason: "source and external_id are required (they make re-delivery safe)"))
        }
        guard let kind = rules.kind(row.kind) else {
            return .failure(Refusal(reason: "unknown evidence kind '\(row.kind)' (see the rules file's catalogue)"))
        }
        if let refusal = delivery.refusal(kind) { return .failure(Refusal(reason: refusal)) }
        guard kind.source == row.source || kind.class == .biometric else {
            return .failure(Refusal(reason: "kind \(row.kind) is reported by \(kind.source), not \(row.source)"))
        }
        if let refusal = EvidenceAdmission.refusal(kind: kind, source: row.source, allowed: delivery.sources) {
            return .failure(Refusal(reason: refusal))
        }
        guard let id = try? ResidentID(row.residentID) else { return .failure(Refusal(reason: "resident_id is not a valid resident ID")) }
        guard let day = Self.observedDay(row.observedAt) else {
            return .failure(Refusal(reason: "observed_at '\(row.observedAt)' is not an ISO 8601 time or a YYYY-MM-DD day"))
        }
        if let refusal = EvidenceAdmission.refusal(observed: day, received: delivery.receivedOn) {
            return .failure(Refusal(reason: refusal))
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
}
