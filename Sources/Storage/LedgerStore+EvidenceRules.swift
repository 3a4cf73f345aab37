import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// What one new piece of evidence, delivered by `deliverer`, does to a person's ledger: the
    /// rule (``DeferralRules/apply(_:on:cause:to:facts:)``) over this store's rows as they stood
    /// when row `evidenceID` arrived.
    func changes(
        for kind: LedgerRules.Kind, on day: Day, person: String, upTo evidenceID: Int64, by deliverer: String,
        ledger: inout PersonLedger, _ db: Database
    ) throws -> [LedgerChange] {
        try deferral.apply(
            kind, on: day, cause: "\(kind.kind) from \(kind.source) observed \(day), delivered by \(deliverer)", to: &ledger,
            facts: StoredEvidenceFacts(store: self, person: person, evidenceID: evidenceID, db: db))
    }

    /// The reference events in the behaviour window ending on `day`, as the window stood when
    /// row `evidenceID` arrived: rows delivered after it (in this batch, with higher ids) are not
    /// yet known, exactly as if the feed were applied row by row.
    func window(person: String, endingOn day: Day, upTo evidenceID: Int64, _ db: Database) throws -> [DeferralRules.ReferenceEvent] {
        let windowStart = day.adding(days: -(rules.behaviour_model.window_days - 1))
        let window = try db.cachedStatement(
            sql:
                "SELECT kind, source, observed_day FROM evidence WHERE person_id = ? AND class = 'reference' AND observed_day BETWEEN ? AND ? AND id <= ?"
        )
        return try Row.fetchAll(window, arguments: [person, windowStart.description, day.description, evidenceID]).compactMap { row in
            guard let kind = rules.kind(row["kind"]), let weight = kind.weight, let observed = Day(row["observed_day"] as String) else {
                return nil
            }
            return DeferralRules.ReferenceEvent(
                kind: kind.kind, source: row["source"], weight: weight, day: observed, presence: kind.proves == .presence)
        }
    }

    /// The person's last anchor on or before `day`: their last identity-checked presence
    /// (``LedgerRules/Kind/identityChecked``: strong, biometric, visit, or a presence kind marked
    /// `identity_checked`), or their entry into the ledger (as known when row `evidenceID` arrived).
    func anchor(person: String, onOrBefore day: Day, upTo evidenceID: Int64, _ db: Database) throws -> Day {
        let text = try String.fetchOne(
            db.cachedStatement(sql: anchorSQL(excludingSource: false)), arguments: [person, person, day.description, evidenceID])
        return text.flatMap(Day.init) ?? day
    }

    /// The person's last identity-checked presence on or before `day` from a department other
    /// than `source` (a face verification and a visit count for everyone), or their entry.
    func corroboration(person: String, excluding source: String, onOrBefore day: Day, upTo evidenceID: Int64, _ db: Database) throws
        -> Day
    {
        let text = try String.fetchOne(
            db.cachedStatement(sql: anchorSQL(excludingSource: true)),
            arguments: [person, person, day.description, evidenceID, source])
        return text.flatMap(Day.init) ?? day
    }

    /// The day the person entered the ledger (the earliest day the ledger takes when unknown).
    func entry(person: String, _ db: Database) throws -> Day {
        try String.fetchOne(db.cachedStatement(sql: "SELECT enrolled_on FROM person WHERE id = ?"), arguments: [person])
            .flatMap(Day.init) ?? EvidenceAdmission.earliest
    }

    /// SQL true when evidence row `e` is identity-checked presence under these rules.
    func identityCheckedSQL(_ e: String) -> String {
        let kinds = rules.kinds.filter { $0.class == .reference && $0.identityChecked }
            .map { "'\($0.kind.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ", ")
        return "(\(e).class IN ('strong', 'biometric', 'visit') OR (\(e).class = 'reference' AND \(e).kind IN (\(kinds))))"
    }

    /// `corroboration.service_sources` as SQL literals.
    var serviceSources: String {
        rules.corroboration.service_sources.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ", ")
    }

    func anchorSQL(excludingSource: Bool) -> String {
        """
        SELECT max(d) FROM (
            SELECT enrolled_on AS d FROM person WHERE id = ?
            UNION ALL
            SELECT max(observed_day) FROM evidence e
            WHERE person_id = ? AND \(identityCheckedSQL("e")) AND observed_day <= ? AND id <= ?
              \(excludingSource ? "AND (e.source <> ? OR e.source IN (\(serviceSources)))" : ""))
        """
    }

    /// What a first death record on `death` corrects: every certification or resumption that
    /// rested on evidence observed after the death is voided, and the signs of life observed after
    /// it become conflicts for the person's unit, one per department and deliverer (what, when
    /// observed, who sent it, when received). Rows delivered after the death record (higher ids)
    /// are not yet known here: each becomes a conflict as it is applied.
    func lookBack(person: String, death: Day, upTo evidenceID: Int64, _ db: Database) throws -> [LedgerChange] {
        let voided = try Row.fetchAll(
            db,
            sql: """
                SELECT le.kind, le.day, e.kind AS evidence_kind, e.source, e.external_id, e.delivered_by
                FROM ledger_event le JOIN evidence e ON e.id = le.evidence_id
                WHERE le.person_id = ? AND le.kind IN ('certified', 'resumed') AND e.observed_day > ?
                ORDER BY le.id
                """, arguments: [person, death.description]
        ).map { row in
            LedgerChange(
                kind: .voided, day: death,
                cause:
                    "\(row["kind"] as String) of \(row["day"] as String) voided: it rested on \(row["evidence_kind"] as String) from \(row["source"] as String) (\(row["external_id"] as String)) observed after the death on \(death), delivered by \(row["delivered_by"] as String? ?? "an unrecorded sender")"
            )
        }
        let conflicts = try Row.fetchAll(
            db,
            sql: """
                SELECT source, delivered_by, count(*) AS n, group_concat(DISTINCT kind) AS kinds,
                    min(observed_day) AS first, max(observed_day) AS last, substr(max(received_at), 1, 10) AS received
                FROM evidence WHERE person_id = ? AND class <> 'death' AND observed_day > ? AND id < ?
                GROUP BY source, delivered_by ORDER BY first
                """, arguments: [person, death.description, evidenceID]
        ).map { row in
            LedgerChange(
                kind: .conflict, day: Day(row["first"] as String)!,
                cause:
                    "\(row["n"] as Int) sign(s) of life after the death on \(death): \((row["kinds"] as String).split(separator: ",").sorted().joined(separator: ", ")) from \(row["source"] as String) observed \(row["first"] as String) to \(row["last"] as String), delivered by \(row["delivered_by"] as String? ?? "an unrecorded sender") (last received \(row["received"] as String))"
            )
        }
        return voided + conflicts
    }
}

/// The evidence rule's facts (``EvidenceFacts``) read from the store, in the caller's transaction,
/// for one person as the store stood when row `evidenceID` arrived.
struct StoredEvidenceFacts: EvidenceFacts {
    typealias Failure = any Error
    let store: LedgerStore
    let person: String
    let evidenceID: Int64
    let db: Database

    func window(endingOn day: Day) throws -> [DeferralRules.ReferenceEvent] {
        try store.window(person: person, endingOn: day, upTo: evidenceID, db)
    }

    func anchor(onOrBefore day: Day) throws -> Day { try store.anchor(person: person, onOrBefore: day, upTo: evidenceID, db) }

    func corroboration(excluding source: String, onOrBefore day: Day) throws -> Day {
        try store.corroboration(person: person, excluding: source, onOrBefore: day, upTo: evidenceID, db)
    }

    func entry() throws -> Day { try store.entry(person: person, db) }

    func lookBack(death: Day) throws -> [LedgerChange] { try store.lookBack(person: person, death: death, upTo: evidenceID, db) }
}
