import Foundation
import GRDB
import Ledger

extension LedgerStore {
    /// What one new piece of evidence does to a person's ledger.
    func changes(
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
            guard DeferralRules.mayMove(ledger, on: day) else { return [] }
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
