import Foundation

/// How long the service keeps what it records beside the ledger only to serve requests: none of
/// it is evidence (the ledger's events, evidence rows and verification attempts are kept for
/// good). Liveness sessions keep their frames' hashes and content fingerprints, which catch frames
/// submitted again.
public struct Retention: Sendable, Equatable, Codable {
    /// Liveness sessions (their checks, for the audit) and the hashes and fingerprints of their frames.
    public var sessionDays = 90
    /// Responses kept under idempotency keys (a client retries within minutes; a day is plenty).
    public var idempotencyDays = 7
    /// Signed requests' nonces: useless once older than the signature window (5 minutes).
    public var nonceHours = 24

    public init() {}
}

/// What a prune deleted.
public struct PruneReport: Sendable, Equatable {
    public var sessions = 0
    public var frames = 0
    public var idempotentResponses = 0
    public var nonces = 0

    public init(sessions: Int = 0, frames: Int = 0, idempotentResponses: Int = 0, nonces: Int = 0) {
        self.sessions = sessions
        self.frames = frames
        self.idempotentResponses = idempotentResponses
        self.nonces = nonces
    }
}
