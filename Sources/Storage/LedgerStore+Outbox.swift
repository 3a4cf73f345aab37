import Foundation
import GRDB
import Ledger

/// A notice a sender has claimed, to deliver through the gateway.
public struct OutboxDelivery: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var channel: String
    public var recipient: String
    public var language: String
    public var text: String
    /// Tries so far, this one included.
    public var attempts: Int
}

/// What became of one try (``LedgerStore/finishDelivery(_:by:outcome:now:)``).
public enum DeliveryOutcome: Sendable, Equatable {
    /// The gateway took it; its message id, if it gave one (the delivery receipt).
    case delivered(gatewayID: String?)
    /// It failed for now (a 5xx, a timeout, no connection): tried again from `next`.
    case retry(error: String, next: Date)
    /// Given up: the gateway said the recipient is invalid, or the last try failed.
    case dead(error: String)
}

extension LedgerStore {
    /// Claims up to `limit` notices due for delivery, oldest first, for `owner` until `lease`
    /// seconds from `now`: pending ones, failed ones whose next try is due, and those whose
    /// sender's lease ran out (it crashed or hung: taken over). The claim is one write
    /// transaction (SQLite's single writer, across processes), so two senders never hold one
    /// notice; each claim counts a try. A notice whose lease ran out after its last try
    /// (`maxAttempts`) is dead, not sent again. `community` notices are for the community's
    /// staff, never the gateway.
    public func claimOutbox(by owner: String, limit: Int, lease: Int, maxAttempts: Int, now: Date) async throws -> [OutboxDelivery] {
        let at = Self.timestamp(now), until = Self.timestamp(now.addingTimeInterval(TimeInterval(lease)))
        return try await write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'dead', lease_until = NULL,
                        last_error = 'the sender holding it stopped during its last try (' || coalesce(claimed_by, '?') || ')'
                    WHERE state = 'sending' AND lease_until < ? AND attempts >= ?
                    """, arguments: [at, maxAttempts])
            let due = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM outbox
                    WHERE channel <> 'community'
                      AND ((state IN ('pending', 'failed') AND (next_attempt_at IS NULL OR next_attempt_at <= ?))
                           OR (state = 'sending' AND lease_until < ?))
                    ORDER BY id LIMIT ?
                    """, arguments: [at, at, limit])
            var claimed: [OutboxDelivery] = []
            for id in due {
                try db.execute(
                    sql: """
                        UPDATE outbox SET state = 'sending', claimed_by = ?, lease_until = ?, attempts = attempts + 1
                        WHERE id = ? AND (state IN ('pending', 'failed') OR (state = 'sending' AND lease_until < ?))
                        """, arguments: [owner, until, id, at])
                guard db.changesCount == 1, let row = try OutboxRow.fetchOne(db, key: id) else { continue }
                claimed.append(
                    OutboxDelivery(
                        id: id, kind: row.kind, channel: row.channel, recipient: row.recipient, language: row.language, text: row.message,
                        attempts: row.attempts))
            }
            return claimed
        }
    }

    /// Records what became of a try of notice `id` by `owner`. False when the notice is no longer
    /// the owner's (its lease ran out and another sender took it over, or it was marked sent by
    /// hand): nothing is written then.
    @discardableResult
    public func finishDelivery(_ id: Int64, by owner: String, outcome: DeliveryOutcome, now: Date) async throws -> Bool {
        let at = Self.timestamp(now)
        return try await write { db in
            let mine = "WHERE id = ? AND claimed_by = ? AND state = 'sending'"
            switch outcome {
            case .delivered(let gatewayID):
                try db.execute(
                    sql: """
                        UPDATE outbox SET state = 'delivered', sent_at = ?, gateway_id = ?, last_error = NULL, lease_until = NULL,
                            next_attempt_at = NULL \(mine)
                        """, arguments: [at, gatewayID, id, owner])
            case .retry(let error, let next):
                try db.execute(
                    sql: "UPDATE outbox SET state = 'failed', last_error = ?, next_attempt_at = ?, lease_until = NULL \(mine)",
                    arguments: [String(error.prefix(500)), Self.timestamp(next), id, owner])
            case .dead(let error):
                try db.execute(
                    sql: "UPDATE outbox SET state = 'dead', last_error = ?, next_attempt_at = NULL, lease_until = NULL \(mine)",
                    arguments: [String(error.prefix(500)), id, owner])
            }
            return db.changesCount == 1
        }
    }
}
