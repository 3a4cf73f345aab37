import Foundation
import GRDB
import Ledger

extension ServiceStore {

    /// Issues a session: 128 random bits, bound to the caller's key and the person, expiring
    /// after `seconds`.
    public func createLivenessSession(key: String, person: ResidentID, challenges: [String], seconds: Int, at now: Date)
        async throws(LedgerError)
        -> LivenessSession
    {
        let id = Data.randomHex(bytes: 16)
        let session = LivenessSession(
            id: id, keyID: key, person: person, challenges: challenges, expiresAt: now.addingTimeInterval(Double(seconds)))
        try await write { db in
            try db.execute(
                sql: "INSERT INTO liveness_session (id, key_id, person_id, challenges, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    id, key, person.value, challenges.joined(separator: ","), now.formatted(.iso8601),
                    Int(session.expiresAt.timeIntervalSince1970),
                ])
        }
        return session
    }

    /// Claims a session for one submission, atomically: it must exist (`unknown_session`), belong
    /// to this key and person (`session_mismatch`), be unused (`session_used`) and unexpired
    /// (`session_expired`). The frames' hashes are recorded; `reusedFrames` is true when any of
    /// them was submitted before, in any session (a replay of captured frames).
    public func claimLivenessSession(_ id: String, key: String, person: ResidentID, frameHashes: [Data], at now: Date)
        async throws(LedgerError)
        -> (session: LivenessSession, reusedFrames: Bool)
    {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT key_id, person_id, challenges, expires_at, used_at FROM liveness_session WHERE id = ?", arguments: [id]
                )
            else { throw LedgerError(.unknownSession, "no liveness session \(id); start a new session") }
            guard (row[0] as String) == key, (row[1] as String) == person.value else {
                throw LedgerError(.sessionMismatch, "this liveness session was issued to another device or for another person")
            }
            guard (row[4] as String?) == nil else {
                throw LedgerError(.sessionUsed, "this liveness session was already used; start a new one")
            }
            let expires = Date(timeIntervalSince1970: Double(row[3] as Int))
            guard expires > now else {
                throw LedgerError(.sessionExpired, "this liveness session expired at \(expires.formatted(.iso8601)); start a new one")
            }
            try db.execute(sql: "UPDATE liveness_session SET used_at = ? WHERE id = ?", arguments: [now.formatted(.iso8601), id])
            var reused = false
            for hash in frameHashes {
                try db.execute(
                    sql: "INSERT INTO liveness_frame (sha256, session_id) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [hash, id])
                if db.changesCount == 0 { reused = true }
            }
            let session = LivenessSession(
                id: id, keyID: key, person: person, challenges: (row[2] as String).split(separator: ",").map(String.init),
                expiresAt: expires)
            return (session, reused)
        }
    }

    /// Records what the analysis concluded (the checks, for the audit trail).
    public func finishLivenessSession(_ id: String, verdict: String, detail: String) async throws(LedgerError) {
        try await write { db in
            try db.execute(sql: "UPDATE liveness_session SET verdict = ?, detail = ? WHERE id = ?", arguments: [verdict, detail, id])
        }
    }
}
