import Foundation

/// How long the service keeps what it records beside the ledger only to serve requests, and how
/// long it keeps the personal parts of what it keeps for good (issue 31, docs/privacy.md). The
/// ledger's events, evidence rows and verification attempts are evidence for decisions and are
/// never deleted: past their periods an evidence row loses its payload, an attempt its device,
/// a delivered notice its text and recipient (evidence and attempts record the day; the outbox,
/// the notices helper's table, is left its columns: an emptied text is the mark). Liveness sessions keep
/// their frames' hashes and content fingerprints, which catch frames submitted again.
public struct Retention: Sendable, Equatable, Codable {
    /// Liveness sessions (their checks, for the audit) and the hashes and fingerprints of their frames.
    public var sessionDays = 90
    /// Responses kept under idempotency keys (a client retries within minutes; a day is plenty).
    public var idempotencyDays = 7
    /// Signed requests' nonces: useless once older than the signature window (5 minutes).
    public var nonceHours = 24
    /// Verification attempts: their device (a phone's or kiosk's identifier) is cleared after this
    /// many days; the decision, score, reasons and evidence link stay.
    public var attemptDays = 365
    /// Notices delivered (or dead-lettered): their text and recipient are cleared after this
    /// many days; kind, key, state and days stay (the key keeps a notice from being sent twice).
    public var noticeDays = 180
    /// Evidence rows: the department's payload is cleared this many days after it was received;
    /// source, kind, day and class stay (what the decisions rest on).
    public var evidencePayloadDays = 730

    public init() {}

    /// The shortest periods a configuration may set (`fastcert db prune`, `serve`): what is kept
    /// for good is evidence a fraud inquiry or an appeal may need (the phone that scanned a dead
    /// person, a department's payload, the frames' fingerprints that catch a replay). A review found
    /// an insider could clear them after a day with `db prune --evidence-payload-days 1`.
    var periods: [(name: String, days: Int, least: Int)] {
        [
            ("liveness sessions", sessionDays, 30), ("idempotent responses", idempotencyDays, 1), ("attempts' devices", attemptDays, 90),
            ("notices' texts", noticeDays, 30), ("evidence payloads", evidencePayloadDays, 365),
        ]
    }

    /// Why this retention may not be configured (a period under its floor), or nil.
    public var belowFloor: String? {
        for period in periods where period.days < period.least {
            return "\(period.name) are kept at least \(period.least) days (got \(period.days))"
        }
        return nonceHours >= 1 ? nil : "nonces are kept at least an hour"
    }
}

/// What a prune deleted.
public struct PruneReport: Sendable, Equatable {
    public var sessions = 0
    public var frames = 0
    public var idempotentResponses = 0
    public var nonces = 0
    /// Attempts whose device was cleared, notices whose text was cleared, payloads cleared.
    public var attempts = 0
    public var notices = 0
    public var payloads = 0
    /// Persons whose face templates were deleted (death final past `template_retention_days`).
    public var templates = 0

    public init(sessions: Int = 0, frames: Int = 0, idempotentResponses: Int = 0, nonces: Int = 0) {
        self.sessions = sessions
        self.frames = frames
        self.idempotentResponses = idempotentResponses
        self.nonces = nonces
    }
}
