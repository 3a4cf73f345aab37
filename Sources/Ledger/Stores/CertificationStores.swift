import Foundation

/// What enrollment needs from persistence: the person, their sealed template, the enrollment
/// record and its events. Its user is Certification's ``Enroller``; Storage's `TemplateStore` implements it, and a second
/// backend implements the same protocol. Every method throws `LedgerError` when the store refuses the request and
/// `StorageError` when the store itself fails.
public protocol EnrollmentStore: Sendable {
    /// The person, or nil when the ledger has no such resident ID.
    func person(_ id: ResidentID) async throws -> PersonRecord?
    /// The person's enrolled embeddings (opened), or nil when they have no template.
    func template(for id: ResidentID) async throws -> [[Float]]?
    /// Opens every enrolled template, a batch at a time; counts those that cannot be opened.
    func forEachTemplate(batch: Int, _ body: @Sendable ([(ResidentID, [[Float]])]) -> Void) async throws
        -> (templates: Int, unreadable: Int)
    /// Persons enrolled in all.
    func enrolledCount() async throws -> Int
    /// The last enrollment event's number (0 when none).
    func lastEnrollmentEvent() async throws -> Int64
    /// Persons whose template changed after event `after`, and the last event's number.
    func enrollmentChanges(after: Int64) async throws -> (last: Int64, persons: [ResidentID])
    /// Records an event that stores no template (a refused duplicate).
    func recordEnrollmentEvent(_ id: ResidentID, action: String, by actor: String, detail: String?) async throws
    /// Opens a case for the other unit's operators about a possible duplicate identity outside
    /// the enrolling caller's scope; returns its number.
    func openDuplicateCase(other: ResidentID, enrolling: ResidentID, distance: Double, by actor: String, on day: Day)
        async throws -> Int64
    /// Stores the template, its photos' record and an event in one transaction (`already_enrolled`
    /// unless `replacing`); with `scope`, the person must live within it when it is written
    /// (`person_not_found` otherwise: a person moved away while their photos were analysed).
    func saveEnrollment(
        _ embeddings: [[Float]], photos: [EnrollmentPhoto], for id: ResidentID, by actor: String, replacing: Bool, detail: String?,
        scope: String?
    ) async throws
    /// Deletes the template (recorded with who and why), within `scope` at the write; false when
    /// there was none.
    func deleteEnrollment(_ id: ResidentID, by actor: String, reason: String?, scope: String?) async throws -> Bool
    /// What is enrolled for the person (photos' record and events, never the template), if anything.
    func enrollment(_ id: ResidentID) async throws -> EnrollmentRecord?
    /// The persons enrolled under `scope` (a unit path), a page at a time by resident ID.
    func enrollments(scope: String, after: ResidentID?, limit: Int) async throws -> [EnrollmentSummary]
    /// Stores many templates at once, without photos (a benchmark's or a migration's bulk load).
    func saveTemplates(_ templates: [(ResidentID, [[Float]])], by actor: String) async throws
    /// Opens up to `sample` stored templates with the key: `template_unreadable` when one cannot be
    /// (the service refuses to start with the wrong key rather than enroll blind).
    func checkKey(sample: Int) async throws
}

/// What verification needs from persistence: the state read before the engine runs, liveness
/// sessions, and the one transaction that records an attempt (and, on success, its evidence).
public protocol VerificationStore: Sendable {
    /// The person, or nil when the ledger has no such resident ID.
    func person(_ id: ResidentID) async throws -> PersonRecord?
    /// The person, the lock of the device, and the opened template, in one read.
    func verificationState(person id: ResidentID, device: String, policy: LockoutPolicy) async throws -> VerificationState
    /// The response already given for this idempotency tag (`idempotency_key_reused` for another body).
    func storedResponse(_ tag: IdempotencyTag) async throws -> StoredResponse?
    /// Records the attempt, its evidence on success, a field check when the person's consecutive
    /// failures reach a multiple of `escalateAfter`, and the response under the tag, in one transaction.
    func record(
        _ attempt: VerificationAttempt, tag: IdempotencyTag?, escalateAfter: Int,
        respond: @escaping @Sendable (AttemptOutcome) -> StoredResponse
    ) async throws -> StoredResponse
    /// Issues a liveness session bound to the key and the person, valid `seconds` from `now`,
    /// within the device's `limits` (atomically; `LedgerError.sessionLimit` past them); the
    /// device's earlier unused sessions for the person end.
    func createLivenessSession(
        key: String, device: String, person: ResidentID, challenges: [String], seconds: Int, limits: LivenessSessionLimits,
        at now: Date
    ) async throws -> LivenessSession
    /// Claims a session for one submission at `now`, atomically, recording the frames (their files'
    /// hashes and content fingerprints); returns whether a frame was submitted before, exactly, and
    /// the person's earlier sessions' difference hashes, read in the same transaction.
    func claimLivenessSession(_ id: String, key: String, person: ResidentID, frames: [SubmittedFrame], at now: Date)
        async throws -> LivenessClaim
    /// Records what the liveness analysis concluded.
    func finishLivenessSession(_ id: String, verdict: String, detail: String) async throws
    /// Help at home: the open visit task (home visit or field check) of the person whose visit
    /// code `code` is, stated by the worker `actor`, before the engine runs. A wrong code is
    /// counted on the person's open visit tasks, in its own transaction, and refused
    /// (`wrong_visit_code`); at `home_help.visit_code_max_failures` the code is refused for good
    /// (`visit_code_locked`) and the person goes on the attention list. `no_visit_task` when no
    /// visit is open, `visit_code_required` without a code, `assisted_not_in_rules` when the rules
    /// in force cannot record an assisted verification.
    func checkVisitCode(person: ResidentID, code: String?, by actor: String) async throws -> Int64
}

extension EnrollmentStore {
    /// Opens every enrolled template, 10,000 at a time.
    public func forEachTemplate(_ body: @Sendable ([(ResidentID, [[Float]])]) -> Void) async throws
        -> (templates: Int, unreadable: Int)
    {
        try await forEachTemplate(batch: 10_000, body)
    }
}
