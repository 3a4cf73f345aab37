import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// What one new piece of evidence, delivered by `deliverer`, does to a person's ledger.
    func changes(
        for kind: LedgerRules.Kind, on day: Day, person: String, upTo evidenceID: Int64, by deliverer: String,
        ledger: inout PersonLedger, _ db: Database
    ) throws -> [LedgerChange] {
        let cause = "\(kind.kind) from \(kind.source) observed \(day), delivered by \(deliverer)"
        switch kind.class {
        case .strong, .biometric, .visit:
            return deferral.certify(&ledger, on: day, cause: cause)
        case .death:
            let changes = deferral.recordDeath(&ledger, on: day, cause: cause)
            guard !changes.isEmpty else { return [] }
            return changes + (try lookBack(person: person, death: day, upTo: evidenceID, db))
        case .reference:
            // Any sign of life after a recorded death (even a card payment, the classic fraud) is a
            // conflict for a person to resolve, scored or not: certify() raises it.
            if ledger.status == .deceased { return deferral.certify(&ledger, on: day, cause: cause) }
            // Scoring cannot change anything when even a passing score would not move the deadline:
            // skip the window query (most behaviour events of an active person are such).
            guard DeferralRules.mayMove(ledger, on: day) else { return [] }
            let score = deferral.score(try window(person: person, endingOn: day, upTo: evidenceID, db), endingOn: day)
            guard score.certifies else { return [] }
            let sources = score.sources.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return deferral.certifyByBehaviour(
                &ledger, on: day, anchor: try anchor(person: person, onOrBefore: day, upTo: evidenceID, db),
                cause: String(
                    format: "behaviour model P=%.3f from %@, in person: %@ (latest: %@)", score.probability, sources,
                    score.presenceKinds.joined(separator: ", "), cause))
        }
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

    /// The person's last anchor on or before `day`: their last strong, biometric or visit evidence,
    /// or their entry into the ledger (as known when row `evidenceID` arrived).
    func anchor(person: String, onOrBefore day: Day, upTo evidenceID: Int64, _ db: Database) throws -> Day {
        let text = try String.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT max(d) FROM (
                        SELECT enrolled_on AS d FROM person WHERE id = ?
                        UNION ALL
                        SELECT max(observed_day) FROM evidence
                        WHERE person_id = ? AND class IN ('strong', 'biometric', 'visit') AND observed_day <= ? AND id <= ?)
                    """), arguments: [person, person, day.description, evidenceID])
        return text.flatMap(Day.init) ?? day
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
