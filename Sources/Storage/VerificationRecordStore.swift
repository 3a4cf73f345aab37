import Foundation
import GRDB
import Ledger

/// Verification records: attempts (`verification_attempt`, for the lockout and the audit), the
/// responses kept under idempotency keys (`idempotent_response`), liveness sessions
/// (`liveness_session`) and every frame ever submitted (`liveness_frame`), through one record type
/// per table.
public struct VerificationRecordStore: LedgerBacked {
    let ledger: LedgerStore
    /// Opens the person's template for the verification; nil for tools that never touch them.
    let vault: TemplateVault?

    public init(ledger: LedgerStore, vault: TemplateVault?) {
        self.ledger = ledger
        self.vault = vault
    }

    /// The person, or nil when the ledger has no such resident ID.
    public func person(_ id: ResidentID) async throws -> PersonRecord? {
        try await read { db in try PersonStore.personRecord(id, db) }
    }

    /// The lock the decided attempts (newest 64) put on a person or a device; the arithmetic is
    /// ``LockoutPolicy/state(failures:lastFailure:)``.
    static func lock(_ db: Database, _ column: String, _ value: String, _ policy: LockoutPolicy) throws -> LockState {
        let attempts = try VerificationAttemptRow.filter(
            Column(column) == value && ["verified", "not_verified"].contains(Column("decision"))
        )
        .order(Column("id").desc).limit(64).fetchAll(db)
        let failures = LockoutPolicy.failuresSinceLastSuccess(attempts.lazy.map { $0.decision == "not_verified" })
        // Only the newest failure's time is read (an ISO 8601 parse costs tens of microseconds).
        return policy.state(failures: failures) { attempts.first.flatMap { try? Date($0.at, strategy: .iso8601) } }
    }

    /// Everything a verification reads before the engine runs, in one read: the person, the lock of
    /// the device, and the person's opened template (nil: not enrolled).
    public func verificationState(person id: ResidentID, device: String, policy: LockoutPolicy) async throws
        -> VerificationState
    {
        let (person, deviceLock, template) = try await read { db in
            (
                try PersonStore.personRecord(id, db), try Self.lock(db, "device", device, policy),
                try FaceTemplateRow.fetchOne(db, key: id.value)
            )
        }
        return VerificationState(
            person: person, deviceLock: deviceLock,
            template: try template.map { row throws in try TemplateVault.required(vault).open(row.sealed, for: id) })
    }

    /// The response already given for this idempotency key, or nil. The same key with another
    /// body is refused (`idempotency_key_reused`).
    public func storedResponse(_ tag: IdempotencyTag) async throws -> StoredResponse? {
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
    /// evidence row, applied to the ledger (the deadline moves); on a failure that brings the
    /// person's consecutive failures (from any device) to a multiple of `escalateAfter`, a field
    /// check for their community (someone may be trying their identity: staff see them in person;
    /// the person is never locked out); and, with a tag, the response `respond` builds, so a repeated
    /// request gets it back. When the tag was stored meanwhile (two identical requests racing),
    /// nothing is written and the stored response is returned.
    public func record(
        _ attempt: VerificationAttempt, tag: IdempotencyTag?, escalateAfter: Int = 5,
        respond: @escaping @Sendable (AttemptOutcome) -> StoredResponse
    ) async throws -> StoredResponse {
        let ledger = ledger
        return try await write { db in
            if let tag, let stored = try Self.stored(tag, db) { return stored }
            let at = Date().formatted(.iso8601)
            var row = VerificationAttemptRow(
                personId: attempt.person.value, keyId: attempt.keyID, device: attempt.device, decision: attempt.decision.rawValue,
                distance: attempt.distance,
                reasons: attempt.reasons.isEmpty ? nil : attempt.reasons.joined(separator: "; "), rule: attempt.comparison?.rule.rawValue,
                score: attempt.comparison.flatMap { $0.score.isFinite ? $0.score : nil }, threshold: attempt.comparison?.threshold,
                evidenceId: nil, at: at)
            row.mode = attempt.assistance?.mode
            var worker: String?
            switch attempt.assistance {
            case .assisted(let actor): (row.assistedBy, worker) = (actor, actor)
            case .byRelative(let relative): row.relative = relative
            case nil: break
            }
            row.visitTaskId = attempt.visitTaskID
            try row.insert(db)
            let attemptID = row.id!
            var outcome = AttemptOutcome(attemptID: attemptID, ledger: nil, changes: [:])
            if attempt.decision == .verified {
                let evidence = EvidenceInput(
                    line: 1, source: "fastcert", externalID: "verification-\(attemptID)", residentID: attempt.person.value,
                    kind: attempt.evidenceKind, observedAt: at, payload: attempt.evidencePayload)
                // An assisted verification counts as the visit too: the person's open home visits and
                // field checks close as seen alive by the worker (before the evidence, whose
                // certification would close them as merely certified).
                if let worker {
                    try Self.closeVisits(
                        of: attempt.person.value, attempt: attemptID, task: attempt.visitTaskID, by: worker, on: ServiceClock.today(), db)
                }
                let delivery = EvidenceDelivery.verification(by: worker ?? attempt.keyID, receivedOn: ServiceClock.today())
                let (report, evidenceID) = try ledger.applyOne(evidence, delivery: delivery, db)
                if let problem = report.problems.first { throw LedgerError(.verificationEvidence, problem.reason) }
                outcome.changes = report.changes
                row.evidenceId = evidenceID
                try row.update(db)
            }
            if attempt.decision == .notVerified, escalateAfter > 0 {
                outcome.fieldCheckOpened = try Self.escalate(attempt.person, after: escalateAfter, ledger: ledger, db)
            }
            outcome.ledger = try PersonStore.personRecord(attempt.person, db)?.ledger
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

    /// Opens the field check ``FailureEscalation/fieldCheck(newestFirst:every:)`` calls for after
    /// the person's newest attempts (256 at most); once a day at most. True when one was opened.
    static func escalate(_ person: ResidentID, after limit: Int, ledger: LedgerStore, _ db: Database) throws -> Bool {
        let attempts = try VerificationAttemptRow.filter(
            Column("person_id") == person.value && ["verified", "not_verified"].contains(Column("decision"))
        )
        .order(Column("id").desc).limit(256).fetchAll(db)
        guard
            let check = FailureEscalation.fieldCheck(
                newestFirst: attempts.map { .init(failed: $0.decision == "not_verified", device: $0.device ?? $0.keyId) }, every: limit),
            let row = try Row.fetchOne(db, sql: "SELECT id, unit_code FROM person WHERE id = ?", arguments: [person.value])
        else { return false }
        let today = ServiceClock.today()
        return try ledger.openTask(row, kind: "field_check", key: today, reason: check.reason, on: today, db)
    }

    // MARK: - Visit codes

    /// What checking a stated visit code found (the write keeps a failure's count, then the
    /// refusal is thrown outside it).
    enum CodeCheck: Sendable {
        case matched(Int64)
        case refused(LedgerError)
    }

    /// ``VerificationStore/checkVisitCode(person:code:by:)``.
    public func checkVisitCode(person id: ResidentID, code: String?, by actor: String) async throws -> Int64 {
        let ledger = ledger
        let rules = ledger.rules
        guard rules.kind(VerificationAttempt.assistedKind)?.class == .biometric else {
            throw LedgerError(
                .assistedNotInRules,
                "the rules in force have no biometric \(VerificationAttempt.assistedKind) kind (rules made before help at home): an operator proposes a rules version with it (fastcert rules show --json) and a second approves it"
            )
        }
        let stated = (code ?? "").trimmingCharacters(in: .whitespaces)
        guard !stated.isEmpty else {
            throw LedgerError(
                .visitCodeRequired,
                "send visit_code: the 6-digit code of the person's visit, which you state at the door and the person received")
        }
        let limit = rules.home_help.visit_code_max_failures
        let check: CodeCheck = try await write { db in
            let tasks = try TaskRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM task WHERE person_id = ? AND status = 'open' AND kind IN ('home_visit', 'field_check')
                      AND visit_code IS NOT NULL ORDER BY id
                    """, arguments: [id.value])
            guard !tasks.isEmpty else {
                return .refused(
                    LedgerError(
                        .noVisitTask,
                        "no home visit or field check is open for \(id.masked): an assisted verification answers an announced visit"))
            }
            // A locked task's code is refused for good; a visit opened later has its own code, which a
            // locked one does not block (a review found one lock barred every later visit).
            let usable = tasks.filter { $0.codeFailures < limit }
            if usable.isEmpty {
                return .refused(
                    LedgerError(
                        .visitCodeLocked,
                        "the visit code was stated wrong \(limit) times and is refused for good: the person verifies in the app or at a kiosk, or an operator records the visit"
                    ))
            }
            if let task = usable.first(where: { KeyStore.constantTimeEqual(Data(($0.visitCode ?? "").utf8), Data(stated.utf8)) }) {
                return .matched(task.id!)
            }
            try db.execute(
                sql: """
                    UPDATE task SET code_failures = code_failures + 1
                    WHERE person_id = ? AND status = 'open' AND kind IN ('home_visit', 'field_check') AND visit_code IS NOT NULL
                      AND code_failures < ?
                    """, arguments: [id.value, limit])
            let failures = (usable.map(\.codeFailures).max() ?? 0) + 1
            if failures >= limit {
                let today = ServiceClock.today()
                try LedgerStore.record(
                    [
                        LedgerChange(
                            kind: .attention, day: today,
                            cause:
                                "the visit code of task(s) \(usable.map { String($0.id!) }.joined(separator: ", ")) was stated wrong \(failures) times (last by \(actor)): refused for good; someone may be posing as a visitor"
                        )
                    ], person: id.value, evidence: nil, actor: actor, at: LedgerStore.timestamp(), rules: ledger.rulesVersion, db)
            }
            return .refused(
                LedgerError(
                    .wrongVisitCode,
                    "that is not the code of this person's visit (\(failures) of \(limit) wrong codes; at \(limit) it is refused for good)")
            )
        }
        switch check {
        case .matched(let task): return task
        case .refused(let error): throw error
        }
    }

    /// An assisted verification's success closes the person's open home visits and field checks as
    /// seen alive, by the worker, naming the attempt and the visit task whose code was stated.
    static func closeVisits(of person: String, attempt: Int64, task: Int64?, by worker: String, on day: Day, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE task SET status = 'done', outcome = 'seen-alive', closed_on = ?, closed_by = ?, note = ?
                WHERE person_id = ? AND status = 'open' AND kind IN ('home_visit', 'field_check')
                """,
            arguments: [
                day.description, worker,
                "assisted verification (attempt \(attempt))\(task.map { ", visit code of task \($0) stated" } ?? "")", person,
            ])
    }

    // MARK: - Liveness sessions

    /// Issues a session: 128 random bits, bound to the caller's key and the person, expiring
    /// `seconds` after `now`. In the same transaction: the device's earlier unused sessions for
    /// this person end (a new one supersedes them), and the device may have asked for at most
    /// `limits.perMinute` sessions in the last minute and hold at most `limits.open` usable ones
    /// (`session_limit` otherwise): a key cannot fill the table.
    public func createLivenessSession(
        key: String, device: String, person: ResidentID, challenges: [String], seconds: Int, limits: LivenessSessionLimits,
        at now: Date
    )
        async throws -> LivenessSession
    {
        let session = LivenessSession(
            id: Data.randomHex(bytes: 16), keyID: key, person: person, challenges: challenges,
            expiresAt: now.addingTimeInterval(Double(seconds)), issuedAt: now)
        let row = LivenessSessionRow(
            id: session.id, keyId: key, personId: person.value, challenges: challenges.joined(separator: ","),
            createdAt: now.formatted(.iso8601), expiresAt: Int(session.expiresAt.timeIntervalSince1970), usedAt: nil, verdict: nil,
            detail: nil, device: device)
        let unix = Int(now.timeIntervalSince1970)
        try await write { db in
            try db.execute(
                sql: "UPDATE liveness_session SET expires_at = ? WHERE device = ? AND person_id = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [unix, device, person.value, unix])
            // Sessions asked for in the last minute, by the device and by the key over all its devices.
            let minuteAgo = now.addingTimeInterval(-60).formatted(.iso8601)
            for (column, value, limit, who) in [
                ("device", device, limits.perMinute, "this device"),
                ("key_id", key, limits.perKeyPerMinute, "this key, across its devices,"),
            ] {
                let recent =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM liveness_session WHERE \(column) = ? AND created_at > ?",
                        arguments: [value, minuteAgo]) ?? 0
                guard recent < limit else {
                    throw LedgerError(
                        .sessionLimit, "\(who) asked for \(recent) liveness sessions in the last minute (at most \(limit)); wait a moment")
                }
            }
            // Sessions last an hour at most (ServerConfiguration), so older rows need not be read.
            let open =
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM liveness_session WHERE device = ? AND used_at IS NULL AND expires_at > ? AND created_at > ?",
                    arguments: [device, unix, now.addingTimeInterval(-3600).formatted(.iso8601)]) ?? 0
            guard open < limits.open else {
                throw LedgerError(
                    .sessionLimit,
                    "this device holds \(open) unused liveness sessions (at most \(limits.open)); use or let one expire first")
            }
            try row.insert(db)
        }
        return session
    }

    /// Earlier sessions of a person whose frames the replay check reads: the newest this many
    /// (a person has a few a year; more is someone trying, and the newest are what they replay).
    static let earlierSessionLimit = 64

    /// Claims a session for one submission at `now`, atomically: it must exist (`unknown_session`),
    /// belong to this key and person (`session_mismatch`), be unused (`session_used`) and unexpired
    /// (`session_expired`). The frames are recorded (their files' hashes and, when decoded, what
    /// they showed); `reusedFrames` is true when a frame's file or decoded picture was submitted
    /// before in an earlier session, anyone's. The claim also returns the difference hashes of the
    /// person's earlier sessions, read in the same transaction, for the near-duplicate rule.
    public func claimLivenessSession(_ id: String, key: String, person: ResidentID, frames: [SubmittedFrame], at now: Date)
        async throws -> LivenessClaim
    {
        try await write { db in
            guard var row = try LivenessSessionRow.fetchOne(db, key: id) else {
                throw LedgerError(.unknownSession, "no liveness session \(id); start a new session")
            }
            guard row.keyId == key, row.personId == person.value else {
                throw LedgerError(.sessionMismatch, "this liveness session was issued to another device or for another person")
            }
            guard row.usedAt == nil else { throw LedgerError(.sessionUsed, "this liveness session was already used; start a new one") }
            let expires = Date(timeIntervalSince1970: Double(row.expiresAt))
            guard expires > now else {
                throw LedgerError(.sessionExpired, "this liveness session expired at \(expires.formatted(.iso8601)); start a new one")
            }
            row.usedAt = now.formatted(.iso8601)
            try row.update(db)
            let earlier = try Self.earlierContent(of: person, excluding: id, db)
            // A frame repeated within this submission is not a replay from another session (the analysis
            // judges repeated frames); one already stored is.
            var reused = false
            var seen = Set<Data>()
            for frame in frames where seen.insert(frame.sha256).inserted {
                try LivenessFrameRow(sha256: frame.sha256, sessionId: id).insert(db, onConflict: .ignore)
                if db.changesCount == 0 { reused = true }
            }
            for (position, frame) in frames.enumerated() {
                guard let digest = frame.pixelDigest, let hash = frame.differenceHash else { continue }
                if !reused {
                    reused =
                        try Bool.fetchOne(
                            db, sql: "SELECT EXISTS (SELECT 1 FROM liveness_frame_content WHERE pixel_digest = ? AND session_id != ?)",
                            arguments: [digest, id]) ?? false
                }
                try LivenessFrameContentRow(
                    sessionId: id, personId: person.value, position: position, pixelDigest: digest, differenceHash: hash
                )
                .insert(db)
            }
            let session = LivenessSession(
                id: id, keyID: key, person: person, challenges: row.challenges.split(separator: ",").map(String.init), expiresAt: expires,
                issuedAt: try? Date(row.createdAt, strategy: .iso8601))
            return LivenessClaim(
                session: session, reusedFrames: reused, earlier: earlier.map(\.hashes), earlierSessionIDs: earlier.map(\.id))
        }
    }

    /// The difference hashes of the person's newest earlier sessions that recorded any, newest first.
    static func earlierContent(of person: ResidentID, excluding id: String, _ db: Database) throws -> [(id: String, hashes: [Data])] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT c.session_id, c.difference_hash FROM liveness_frame_content c
                JOIN (SELECT id, created_at FROM liveness_session
                      WHERE id IN (SELECT DISTINCT session_id FROM liveness_frame_content WHERE person_id = ? AND session_id != ?)
                      ORDER BY created_at DESC, id LIMIT ?) s ON s.id = c.session_id
                ORDER BY s.created_at DESC, s.id, c.position
                """, arguments: [person.value, id, earlierSessionLimit])
        var sessions: [(id: String, hashes: [Data])] = []
        for row in rows {
            let session: String = row[0]
            if sessions.last?.id != session { sessions.append((session, [])) }
            sessions[sessions.count - 1].hashes.append(row[1])
        }
        return sessions
    }

    /// Records what the analysis concluded (the checks, for the audit trail).
    public func finishLivenessSession(_ id: String, verdict: String, detail: String) async throws {
        try await write { db in
            guard var row = try LivenessSessionRow.fetchOne(db, key: id) else { return }
            row.verdict = verdict
            row.detail = detail
            try row.update(db)
        }
    }
}
