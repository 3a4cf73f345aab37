import Foundation
import GRDB
import Ledger

/// Verification records: attempts (`verification_attempt`, for the lockout and the audit) and the
/// responses kept under idempotency keys (`idempotent_response`), through one record type per table.
extension ServiceStore {
    /// Replaces the person's face template with these embeddings, sealed (no photo record: for
    /// tools and tests; enrollment uses ``saveEnrollment(_:photos:for:by:replacing:detail:)``).
    public func saveTemplate(_ embeddings: [[Float]], for id: ResidentID, by keyID: String) async throws(LedgerError) {
        try await saveEnrollment(embeddings, photos: [], for: id, by: keyID, replacing: true)
    }

    /// The person's enrolled embeddings, or nil when they have no template.
    public func template(for id: ResidentID) async throws(LedgerError) -> [[Float]]? {
        guard let row = try await read({ db in try FaceTemplateRow.fetchOne(db, key: id.value) }) else { return nil }
        return try vault.open(row.sealed, for: id)
    }

    /// The lock the decided attempts (newest 64) put on a person or a device; the arithmetic is
    /// ``LockoutPolicy/state(recent:)``.
    static func lock(_ db: Database, _ column: String, _ value: String, _ policy: LockoutPolicy) throws -> LockState {
        let attempts = try VerificationAttemptRow.filter(
            Column(column) == value && ["verified", "not_verified"].contains(Column("decision"))
        )
        .order(Column("id").desc).limit(64).fetchAll(db)
        // An attempt whose time cannot be read ends the run, as a success would.
        let recent = attempts.map { ($0.decision == "not_verified", (try? Date($0.at, strategy: .iso8601)) ?? .distantPast) }
        return policy.state(recent: recent.prefix { $0.1 != .distantPast }.map { (failed: $0.0, at: $0.1) })
    }

    /// Everything a verification reads before the engine runs, in one read: the person, the locks
    /// of the person and the device, and the person's opened template (nil: not enrolled).
    public func verificationState(person id: ResidentID, key: String, policy: LockoutPolicy) async throws(LedgerError)
        -> VerificationState
    {
        let (person, personLock, deviceLock, template) = try await read { db in
            (
                try Self.personRecord(id, db), try Self.lock(db, "person_id", id.value, policy), try Self.lock(db, "key_id", key, policy),
                try FaceTemplateRow.fetchOne(db, key: id.value)
            )
        }
        return VerificationState(
            person: person, personLock: personLock, deviceLock: deviceLock,
            template: try template.map { row throws(LedgerError) in try vault.open(row.sealed, for: id) })
    }

    /// The response already given for this idempotency key, or nil. The same key with another
    /// body is refused (`idempotency_key_reused`).
    public func storedResponse(_ tag: IdempotencyTag) async throws(LedgerError) -> StoredResponse? {
        try await read { db in try Self.stored(tag, db) }
    }

    static func stored(_ tag: IdempotencyTag, _ db: Database) throws -> StoredResponse? {
        guard let row = try IdempotentResponseRow.fetchOne(db, key: ["key_id": tag.keyID, "idempotency_key": tag.key]) else {
            return nil
        }
        guard row.requestSha256 == tag.requestHash else {
            throw LedgerError(
                .idempotencyKeyReused, "this idempotency key was already used with a different request; use a new key for a new request")
        }
        return StoredResponse(status: row.status, body: row.body)
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
            let at = Date().formatted(.iso8601)
            var row = VerificationAttemptRow(
                personId: attempt.person.value, keyId: attempt.keyID, decision: attempt.decision.rawValue, distance: attempt.distance,
                reasons: attempt.reasons.isEmpty ? nil : attempt.reasons.joined(separator: "; "), evidenceId: nil, at: at)
            try row.insert(db)
            let attemptID = row.id!
            var outcome = AttemptOutcome(attemptID: attemptID, ledger: nil, changes: [:])
            if attempt.decision == .verified {
                let evidence = LedgerStore.EvidenceRow(
                    line: 1, source: "fastcert", externalID: "verification-\(attemptID)", residentID: attempt.person.value,
                    kind: attempt.evidenceKind, observedAt: at, payload: attempt.evidencePayload)
                let (report, evidenceID) = try ledger.applyOne(evidence, db)
                if let problem = report.problems.first { throw LedgerError(.verificationEvidence, problem.reason) }
                outcome.changes = report.changes
                row.evidenceId = evidenceID
                try row.update(db)
            }
            outcome.ledger = try Self.personRecord(attempt.person, db)?.ledger
            let response = respond(outcome)
            if let tag {
                try IdempotentResponseRow(
                    keyId: tag.keyID, idempotencyKey: tag.key, requestSha256: tag.requestHash, status: response.status, body: response.body,
                    createdAt: at
                ).insert(db)
            }
            return response
        }
    }
}
