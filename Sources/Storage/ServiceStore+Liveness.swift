import Foundation
import GRDB
import Ledger

/// Liveness sessions (`liveness_session`) and every frame ever submitted (`liveness_frame`),
/// through one record type per table.
extension ServiceStore {
    /// Issues a session: 128 random bits, bound to the caller's key and the person, expiring
    /// `seconds` after `now`.
    public func createLivenessSession(key: String, person: ResidentID, challenges: [String], seconds: Int, at now: Date)
        async throws(LedgerError) -> LivenessSession
    {
        let session = LivenessSession(
            id: Data.randomHex(bytes: 16), keyID: key, person: person, challenges: challenges,
            expiresAt: now.addingTimeInterval(Double(seconds)))
        let row = LivenessSessionRow(
            id: session.id, keyId: key, personId: person.value, challenges: challenges.joined(separator: ","),
            createdAt: now.formatted(.iso8601), expiresAt: Int(session.expiresAt.timeIntervalSince1970), usedAt: nil, verdict: nil,
            detail: nil)
        try await write { db in try row.insert(db) }
        return session
    }

    /// Claims a session for one submission at `now`, atomically: it must exist (`unknown_session`),
    /// belong to this key and person (`session_mismatch`), be unused (`session_used`) and unexpired
    /// (`session_expired`). The frames' hashes are recorded; `reusedFrames` is true when any of
    /// them was submitted before, in any session (a replay of captured frames).
    public func claimLivenessSession(_ id: String, key: String, person: ResidentID, frameHashes: [Data], at now: Date)
        async throws(LedgerError) -> (session: LivenessSession, reusedFrames: Bool)
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
            var reused = false
            for hash in frameHashes {
                try LivenessFrameRow(sha256: hash, sessionId: id).insert(db, onConflict: .ignore)
                if db.changesCount == 0 { reused = true }
            }
            let session = LivenessSession(
                id: id, keyID: key, person: person, challenges: row.challenges.split(separator: ",").map(String.init), expiresAt: expires)
            return (session, reused)
        }
    }

    /// Records what the analysis concluded (the checks, for the audit trail).
    public func finishLivenessSession(_ id: String, verdict: String, detail: String) async throws(LedgerError) {
        try await write { db in
            guard var row = try LivenessSessionRow.fetchOne(db, key: id) else { return }
            row.verdict = verdict
            row.detail = detail
            try row.update(db)
        }
    }
}
