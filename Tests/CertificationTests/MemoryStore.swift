import Certification
import Foundation
import Ledger
import Synchronization

/// The verification and enrollment store protocols over memory: the services' rules tested
/// without a database or a server (and proof that the protocols are the whole seam).
final class MemoryStore: VerificationStore, EnrollmentStore {
    struct State {
        var persons: [String: PersonRecord] = [:]
        var templates: [String: [[Float]]] = [:]
        var attempts: [(attempt: VerificationAttempt, at: Date)] = []
        var responses: [String: (hash: Data, response: StoredResponse)] = [:]
        var sessions: [String: (session: LivenessSession, used: Bool)] = [:]
        var frames: Set<Data> = []
        /// Each claimed session's frames as the replay check keeps them, oldest first.
        var content: [(id: String, person: ResidentID, pixels: [Data], hashes: [Data])] = []
        var events: [(id: Int64, person: ResidentID, action: String)] = []
    }
    let state = Mutex(State())

    init(persons: [PersonRecord]) {
        state.withLock { state in
            for person in persons { state.persons[person.id.value] = person }
        }
    }

    static func person(_ id: String, unitPath: String = "/qd/sn/xg/c1/", photos: Int = 1) throws -> PersonRecord {
        PersonRecord(
            id: try ResidentID(id), name: "Test", birthDate: Day("1950-01-01")!, unitCode: "c1", unitPath: unitPath, benefitLevel: "1",
            monthlyAmountFen: 100_000, phone: nil, wechatID: nil, livesAlone: false, immobile: false,
            ledger: PersonLedger(
                status: .active, servicePeriodMonths: 12, lastCertified: nil, deadline: Day("2030-01-01")!, suspendedOn: nil,
                deathDay: nil),
            enrolledOn: Day("2024-01-01")!, templatePhotos: photos)
    }

    func person(_ id: ResidentID) async throws -> PersonRecord? { state.withLock { $0.persons[id.value] } }

    func template(for id: ResidentID) async throws -> [[Float]]? { state.withLock { $0.templates[id.value] } }

    func lockState(_ matching: (VerificationAttempt) -> Bool, _ policy: LockoutPolicy) -> LockState {
        let recent = state.withLock { state in
            state.attempts.reversed().filter { matching($0.attempt) && [.verified, .notVerified].contains($0.attempt.decision) }
        }
        let failures = LockoutPolicy.failuresSinceLastSuccess(recent.map { $0.attempt.decision == .notVerified })
        return policy.state(failures: failures) { recent.first?.at }
    }

    func verificationState(person id: ResidentID, device: String, policy: LockoutPolicy) async throws -> VerificationState {
        VerificationState(
            person: state.withLock { $0.persons[id.value] }, deviceLock: lockState({ $0.device == device }, policy),
            template: state.withLock { $0.templates[id.value] })
    }

    func storedResponse(_ tag: IdempotencyTag) async throws -> StoredResponse? {
        try state.withLock { state throws in
            guard let stored = state.responses[tag.keyID + "/" + tag.key] else { return nil }
            guard stored.hash == tag.requestHash else { throw LedgerError(.idempotencyKeyReused, "another request") }
            return stored.response
        }
    }

    func record(
        _ attempt: VerificationAttempt, tag: IdempotencyTag?, escalateAfter: Int,
        respond: @escaping @Sendable (AttemptOutcome) -> StoredResponse
    ) async throws -> StoredResponse {
        state.withLock { state in
            state.attempts.append((attempt, Date()))
            var ledger = state.persons[attempt.person.value]?.ledger
            if attempt.decision == .verified { ledger?.lastCertified = Day(Date()) }
            let response = respond(AttemptOutcome(attemptID: Int64(state.attempts.count), ledger: ledger, changes: [:]))
            if let tag { state.responses[tag.keyID + "/" + tag.key] = (tag.requestHash, response) }
            return response
        }
    }

    func createLivenessSession(
        key: String, device: String, person: ResidentID, challenges: [String], seconds: Int, limits: LivenessSessionLimits,
        at now: Date
    ) async throws -> LivenessSession {
        let session = LivenessSession(
            id: UUID().uuidString, keyID: key, person: person, challenges: challenges,
            expiresAt: Date().addingTimeInterval(Double(seconds)),
            issuedAt: now)
        state.withLock { $0.sessions[session.id] = (session, false) }
        return session
    }

    func claimLivenessSession(_ id: String, key: String, person: ResidentID, frames: [SubmittedFrame], at now: Date)
        async throws -> LivenessClaim
    {
        try state.withLock { state throws in
            guard let entry = state.sessions[id] else { throw LedgerError(.unknownSession, "no session") }
            guard entry.session.keyID == key, entry.session.person == person else {
                throw LedgerError(.sessionMismatch, "another device's or person's session")
            }
            guard !entry.used else { throw LedgerError(.sessionUsed, "used") }
            guard entry.session.expiresAt > now else { throw LedgerError(.sessionExpired, "expired") }
            state.sessions[id]?.used = true
            let earlier = state.content.filter { $0.person == person }.reversed()
            let reused =
                Set(frames.map(\.sha256)).contains { !state.frames.insert($0).inserted }
                || frames.contains { frame in state.content.contains { $0.pixels.contains { $0 == frame.pixelDigest } } }
            state.content.append(
                (id, person, frames.compactMap(\.pixelDigest), frames.compactMap(\.differenceHash)))
            return LivenessClaim(
                session: entry.session, reusedFrames: reused, earlier: earlier.map(\.hashes), earlierSessionIDs: earlier.map(\.id))
        }
    }

    func finishLivenessSession(_ id: String, verdict: String, detail: String) async throws {}

    /// No visit tasks in memory: an assisted verification is refused as unannounced.
    func checkVisitCode(person: ResidentID, code: String?, by actor: String) async throws -> Int64 {
        throw LedgerError(.noVisitTask, "no visit is open for \(person)")
    }

    func forEachTemplate(batch: Int, _ body: @Sendable ([(ResidentID, [[Float]])]) -> Void) async throws
        -> (templates: Int, unreadable: Int)
    {
        let all = state.withLock { $0.templates }.compactMap { entry in (try? ResidentID(entry.key)).map { ($0, entry.value) } }
        body(all)
        return (all.count, 0)
    }

    func enrolledCount() async throws -> Int { state.withLock { $0.templates.count } }
    func lastEnrollmentEvent() async throws -> Int64 { state.withLock { $0.events.last?.id ?? 0 } }
    func enrollmentChanges(after: Int64) async throws -> (last: Int64, persons: [ResidentID]) {
        state.withLock { state in
            let changes = state.events.filter { $0.id > after && $0.action != "duplicate_refused" }
            return (state.events.last?.id ?? after, changes.map(\.person))
        }
    }
    func recordEnrollmentEvent(_ id: ResidentID, action: String, by actor: String, detail: String?) async throws {
        state.withLock { $0.events.append((Int64($0.events.count + 1), id, action)) }
    }
    func openDuplicateCase(other: ResidentID, enrolling: ResidentID, distance: Double, by actor: String, on day: Day)
        async throws -> Int64
    {
        state.withLock { state in
            state.events.append((Int64(state.events.count + 1), other, "duplicate_suspected"))
            return Int64(state.events.count)
        }
    }
    func saveEnrollment(
        _ embeddings: [[Float]], photos: [EnrollmentPhoto], for id: ResidentID, by actor: String, replacing: Bool, detail: String?,
        scope: String?
    ) async throws {
        try state.withLock { state throws in
            guard let person = state.persons[id.value], scope.map(person.unitPath.hasPrefix) ?? true else {
                throw LedgerError(.personNotFound, "no person \(id)")
            }
            if state.templates[id.value] != nil && !replacing { throw LedgerError(.alreadyEnrolled, "enrolled") }
            state.templates[id.value] = embeddings
            state.persons[id.value]?.templatePhotos = embeddings.count
            state.events.append((Int64(state.events.count + 1), id, "enrolled"))
        }
    }
    func deleteEnrollment(_ id: ResidentID, by actor: String, reason: String?, scope: String?) async throws -> Bool {
        try state.withLock { state throws in
            guard let person = state.persons[id.value], scope.map(person.unitPath.hasPrefix) ?? true else {
                throw LedgerError(.personNotFound, "no person \(id)")
            }
            guard state.templates.removeValue(forKey: id.value) != nil else { return false }
            state.persons[id.value]?.templatePhotos = 0
            state.events.append((Int64(state.events.count + 1), id, "deleted"))
            return true
        }
    }

    func enrollment(_ id: ResidentID) async throws -> EnrollmentRecord? {
        state.withLock { state in
            guard let person = state.persons[id.value] else { return nil }
            return EnrollmentRecord(
                person: id, unitCode: person.unitCode, unitPath: person.unitPath, referencePhotos: state.templates[id.value]?.count ?? 0,
                enrolledAt: nil, enrolledBy: nil, photos: [],
                events: state.events.filter { $0.person == id }.map { EnrollmentEvent(action: $0.action, photos: 0, actor: "", at: "") })
        }
    }
    func enrollments(scope: String, after: ResidentID?, limit: Int) async throws -> [EnrollmentSummary] {
        state.withLock { state in
            state.templates.keys.sorted().filter { id in after.map { id > $0.value } ?? true }
                .compactMap { id in state.persons[id] }.filter { $0.unitPath.hasPrefix(scope) }.prefix(limit)
                .map {
                    EnrollmentSummary(
                        person: $0.id, unitCode: $0.unitCode, referencePhotos: state.templates[$0.id.value]?.count ?? 0, enrolledAt: "",
                        enrolledBy: "")
                }
        }
    }
    func saveTemplates(_ templates: [(ResidentID, [[Float]])], by actor: String) async throws {
        state.withLock { state in
            for (id, embeddings) in templates {
                state.templates[id.value] = embeddings
                state.events.append((Int64(state.events.count + 1), id, "enrolled"))
            }
        }
    }
    func checkKey(sample: Int) async throws {}
}
