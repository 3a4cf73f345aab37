import Foundation
import GRDB
import Ledger

extension ServiceStore {
    // MARK: - Templates

    /// Replaces the person's face template with these embeddings, sealed (no photo record: for
    /// tools and tests; enrollment uses ``saveEnrollment(_:photos:for:by:replacing:detail:)``).
    public func saveTemplate(_ embeddings: [[Float]], for id: ResidentID, by keyID: String) async throws(LedgerError) {
        try await saveEnrollment(embeddings, photos: [], for: id, by: keyID, replacing: true)
    }

    /// The person's enrolled embeddings, or nil when they have no template.
    public func template(for id: ResidentID) async throws(LedgerError) -> [[Float]]? {
        let sealed = try await read { db in
            try Data.fetchOne(db, sql: "SELECT sealed FROM face_template WHERE person_id = ?", arguments: [id.value])
        }
        guard let sealed else { return nil }
        return try vault.open(sealed, for: id)
    }

    // MARK: - Lockout

    public func locks(person: ResidentID, key: String, policy: LockoutPolicy) async throws(LedgerError) -> (
        person: LockState, device: LockState
    ) {
        try await read { db in (try Self.lock(db, "person_id", person.value, policy), try Self.lock(db, "key_id", key, policy)) }
    }

    static func lock(_ db: Database, _ column: String, _ value: String, _ policy: LockoutPolicy) throws -> LockState {
        let rows = try Row.fetchAll(
            try db.cachedStatement(
                sql: """
                    SELECT decision, at FROM verification_attempt WHERE \(column) = ? AND decision IN ('verified', 'not_verified')
                    ORDER BY id DESC LIMIT 64
                    """), arguments: [value])
        // A row whose time cannot be read ends the run, as a success would.
        let recent = rows.map { row in
            ((row["decision"] as String) == "not_verified", (try? Date((row["at"] as String), strategy: .iso8601)) ?? .distantPast)
        }
        return policy.state(recent: recent.prefix { $0.1 != .distantPast }.map { (failed: $0.0, at: $0.1) })
    }

    public func verificationState(person id: ResidentID, key: String, policy: LockoutPolicy) async throws(LedgerError)
        -> VerificationState
    {
        let (person, personLock, deviceLock, sealed) = try await read { db in
            (
                try Self.personRecord(id, db), try Self.lock(db, "person_id", id.value, policy), try Self.lock(db, "key_id", key, policy),
                try Data.fetchOne(
                    try db.cachedStatement(sql: "SELECT sealed FROM face_template WHERE person_id = ?"), arguments: [id.value])
            )
        }
        return VerificationState(
            person: person, personLock: personLock, deviceLock: deviceLock,
            template: try sealed.map { sealed throws(LedgerError) in
                try vault.open(sealed, for: id)
            })
    }

    // MARK: - Verifications

    /// The response already given for this idempotency key, or nil. The same key with another
    /// body is refused (`idempotency_key_reused`).
    public func storedResponse(_ tag: IdempotencyTag) async throws(LedgerError) -> StoredResponse? {
        try await read { db in try Self.stored(tag, db) }
    }

    static func stored(_ tag: IdempotencyTag, _ db: Database) throws -> StoredResponse? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT request_sha256, status, body FROM idempotent_response WHERE key_id = ? AND idempotency_key = ?",
                arguments: [tag.keyID, tag.key])
        else { return nil }
        guard (row[0] as Data) == tag.requestHash else {
            throw LedgerError(
                .idempotencyKeyReused, "this idempotency key was already used with a different request; use a new key for a new request")
        }
        return StoredResponse(status: row[1], body: row[2])
    }

    /// Records an attempt in one transaction: the attempt row; on success exactly one biometric
    /// evidence row, applied to the ledger (the deadline moves); and, with a tag, the response
    /// `respond` builds, so a repeated request gets it back. When the tag was stored meanwhile (two
    /// identical requests racing), nothing is written and the stored response is returned.
    public func record(
        _ attempt: VerificationAttempt, tag: IdempotencyTag?, respond: @escaping @Sendable (AttemptOutcome) -> StoredResponse
    ) async throws(LedgerError) -> StoredResponse {
        let ledger = ledger
        return try await write { db in
            if let tag, let stored = try Self.stored(tag, db) { return stored }
            let now = Date()
            let at = now.formatted(.iso8601)
            try db.execute(
                sql: "INSERT INTO verification_attempt (person_id, key_id, decision, distance, reasons, at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    attempt.person.value, attempt.keyID, attempt.decision.rawValue, attempt.distance,
                    attempt.reasons.isEmpty ? nil : attempt.reasons.joined(separator: "; "), at,
                ])
            let attemptID = db.lastInsertedRowID
            var outcome = AttemptOutcome(attemptID: attemptID, ledger: nil, changes: [:])
            if attempt.decision == .verified {
                let row = LedgerStore.EvidenceRow(
                    line: 1, source: "fastcert", externalID: "verification-\(attemptID)", residentID: attempt.person.value,
                    kind: attempt.evidenceKind, observedAt: at, payload: attempt.evidencePayload)
                let (report, evidenceID) = try ledger.applyOne(row, db)
                if let problem = report.problems.first { throw LedgerError(.verificationEvidence, problem.reason) }
                outcome.changes = report.changes
                try db.execute(
                    sql: "UPDATE verification_attempt SET evidence_id = ? WHERE id = ?", arguments: [evidenceID, attemptID])
            }
            outcome.ledger = try Self.personRecord(attempt.person, db)?.ledger
            let response = respond(outcome)
            if let tag {
                try db.execute(
                    sql: """
                        INSERT INTO idempotent_response (key_id, idempotency_key, request_sha256, status, body, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [tag.keyID, tag.key, tag.requestHash, response.status, response.body, at])
            }
            return response
        }
    }
}
