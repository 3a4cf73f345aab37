import Crypto
import FaceEngine
import Foundation
import Ledger
import Liveness

/// Proof of life by face: the one implementation of the verification decision, behind the kiosk
/// and mobile routes. A session issues random head-turn challenges; a verification matches the
/// person's face against their enrolled template, with liveness (the default) or match-only (an
/// attended desk), under the lockout policy. Every decided attempt is recorded; a success is one
/// biometric evidence row in the ledger, in the same transaction.
public struct VerificationService: Sendable {
    /// The settings the decision depends on.
    public struct Policy: Sendable, Equatable {
        /// Largest face distance accepted as the same person.
        public var matchThreshold: Double
        public var lockout: LockoutPolicy
        /// Photo-only verification without liveness (attended desks only; recorded as such).
        public var allowMatchOnly: Bool
        /// How long an issued liveness session may be used, in seconds.
        public var sessionSeconds: Int
        /// An attended desk's photo whose passive score falls under this is refused as a screen or
        /// a print (0: recorded only).
        public var deskPassiveAttackBelow = 0.0
        /// Testing only: every session asks for these challenges instead of random ones (a browser
        /// test's fake camera plays a fixed clip). Never set in production: a known sequence can be
        /// recorded in advance.
        public var fixedChallenges: [LivenessChallenge]?
        /// With a cohort calibration: the cohort rule (``CohortPolicy``), used once the service's
        /// cohort is full; `matchThreshold` decides until then.
        public var cohort: CohortPolicy?
        /// Liveness sessions one device may ask for in a minute and hold unused at once, and one key
        /// in a minute across its devices.
        public var sessionLimits = LivenessSessionLimits(perMinute: 20, open: 4)

        public init(matchThreshold: Double, lockout: LockoutPolicy, allowMatchOnly: Bool, sessionSeconds: Int) {
            self.matchThreshold = matchThreshold
            self.lockout = lockout
            self.allowMatchOnly = allowMatchOnly
            self.sessionSeconds = sessionSeconds
        }
    }

    /// What a verification is asked to check.
    public struct Request: Sendable {
        /// One photo (match-only) or a liveness session's frames, in capture order.
        public enum Capture: Sendable {
            case photo(Data)
            case liveness(session: String, frames: [LivenessFrame])
        }
        public var person: ResidentID
        public var caller: Caller
        public var capture: Capture
        /// The caller's idempotency tag: a repeated request gets the stored response back.
        public var idempotency: IdempotencyTag?
        /// The phone the mobile backend names (`X-FastCert-Device`), for the lockout; nil for kiosks.
        public var phone: String?
        /// A relative's phone running the session for the person (mobile only; the route checks
        /// who may claim it). An assisted verification is the staff key's, never claimed.
        public var relative: String?
        /// An assisted verification: the visit code the worker stated at the door.
        public var visitCode: String?

        public init(
            person: ResidentID, caller: Caller, capture: Capture, idempotency: IdempotencyTag?, phone: String? = nil,
            relative: String? = nil, visitCode: String? = nil
        ) {
            self.relative = relative
            self.visitCode = visitCode
            self.person = person
            self.caller = caller
            self.capture = capture
            self.idempotency = idempotency
            self.phone = phone
        }

        /// The device the lockout counts against.
        var device: String {
            VerificationAttempt.device(key: caller.keyID, kiosk: caller.channel.keyIsDevice, phone: phone, person: person)
        }
    }

    /// Whether liveness was checked, and how it went.
    public enum LivenessOutcome: String, Sendable {
        case passed, failed
        /// The passive models saw a screen or a print: an attack, named as such.
        case presentationAttack = "presentation_attack"
        case notChecked = "not_checked"
    }

    /// The decision, as recorded: what the response to the caller is built from.
    public struct Decision: Sendable {
        public var decision: VerificationAttempt.Decision
        public var person: ResidentID
        /// The best match distance (4 decimals), when a face was compared.
        public var distance: Double?
        /// The threshold the decision was made against: a distance, or with the cohort rule a z-value.
        public var threshold: Double
        /// What to tell the person when not verified.
        public var reasons: [String]
        /// The first reason as a stable code a device can show in its own language: the liveness
        /// hint codes (``LivenessResult/hintCode``), `no_match`, `no_face`, `photo:<problem>`; nil when verified.
        public var hintCode: String?
        public var liveness: LivenessOutcome
        /// The attempt's row, and the person's ledger after it.
        public var attemptID: Int64
        public var ledger: PersonLedger?
    }

    /// What ``verify(_:respond:)`` gives back: the response stored with the attempt (or the one
    /// stored before, for a repeated request), and for the log, the decision and liveness verdict.
    public struct Receipt: Sendable {
        public var response: StoredResponse
        public var replayed: Bool
        public var decision: VerificationAttempt.Decision?
        /// The liveness verdict and the analysis time, when frames were analysed.
        public var livenessVerdict: LivenessResult.Verdict?
        public var livenessMilliseconds: Double?
    }

    /// An issued liveness session with the challenges to show, in order.
    public struct Session: Sendable {
        public var session: LivenessSession
        public var challenges: [LivenessChallenge]
        public var minFrames: Int
        public var maxFrames: Int
    }

    let store: any VerificationStore
    let engine: FaceEngine
    let liveness: LivenessAnalyzer
    /// The sample of enrolled people scores are normalized against (the enroller's), with a cohort policy.
    let cohort: FaceCohort?
    public let policy: Policy
    /// The service's clock (sessions' expiry, lockouts); tests inject one instead of sleeping.
    let now: @Sendable () -> Date
    /// One attempt per device at a time, across the ledger's processes.
    let coordinator: any Coordinator

    public init(
        store: any VerificationStore, coordinator: any Coordinator, engine: FaceEngine, liveness: LivenessAnalyzer, policy: Policy,
        cohort: FaceCohort? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.cohort = cohort
        self.store = store
        self.coordinator = coordinator
        self.engine = engine
        self.liveness = liveness
        self.policy = policy
        self.now = now
    }

    /// Refuses a photo-only verification unless match-only is allowed (attended desks). The route
    /// asks it before checking the photo's count, so a kiosk gets the error that says what to send.
    /// A community worker's device (an assisted verification) always needs liveness: the worker is
    /// the one party at the door who could hold up a photo of the person.
    public func requireMatchOnlyAllowed(for caller: Caller? = nil) throws(CertificationError) {
        guard policy.allowMatchOnly, caller?.channel != .assisted else { throw .livenessRequired }
    }

    /// The person, if they exist and the caller's unit covers them.
    func scopedPerson(_ id: ResidentID, _ caller: Caller) async throws -> PersonRecord {
        guard let person = try await store.person(id) else { throw CertificationError.personNotFound(id) }
        // Outside the caller's unit is answered as no such person: a kiosk learns nothing of other districts.
        guard caller.covers(person) else { throw CertificationError.personNotFound(id) }
        return person
    }

    /// Issues a liveness session for an enrolled person within the caller's unit: random
    /// challenges, bound to the caller's key and the person, single use, expiring.
    public func startSession(for id: ResidentID, caller: Caller, phone: String? = nil) async throws -> Session {
        let person = try await scopedPerson(id, caller)
        guard person.templatePhotos > 0 else {
            throw person.consentWithdrawn ? CertificationError.consentWithdrawn(id) : CertificationError.notEnrolled(id)
        }
        var generator = SystemRandomNumberGenerator()
        let challenges = policy.fixedChallenges ?? LivenessChallenge.randomSequence(using: &generator)
        // The device the limits count against, as the lockout counts: a kiosk by its key, the
        // mobile backend's key by the phone it names (or the person asked about).
        let device = VerificationAttempt.device(key: caller.keyID, kiosk: caller.channel.keyIsDevice, phone: phone, person: id)
        let session = try await store.createLivenessSession(
            key: caller.keyID, device: device, person: id, challenges: challenges.map(\.rawValue), seconds: policy.sessionSeconds,
            limits: policy.sessionLimits, at: now())
        return Session(
            session: session, challenges: challenges, minFrames: liveness.policy.minFrames, maxFrames: liveness.policy.maxFrames)
    }

    /// Decides a verification and records it. `respond` builds the response stored with the
    /// attempt under the idempotency tag (the one place a response body is kept: a repeated
    /// request must get the same answer). Throws ``CertificationError`` for a refusal before any
    /// decision (unknown person, out of scope, not enrolled, liveness required, locked out: the
    /// lockout attempt is recorded), ``LedgerError`` from the store (sessions, idempotency), `StorageError` for a store fault and
    /// `FaceEngineError` for an image the engine cannot read or an engine that cannot take work.
    public func verify(_ request: Request, respond: @escaping @Sendable (Decision) -> StoredResponse) async throws -> Receipt {
        let id = request.person
        let caller = request.caller
        if case .photo = request.capture { try requireMatchOnlyAllowed(for: caller) }
        if let tag = request.idempotency, let stored = try await store.storedResponse(tag) {
            return Receipt(response: stored, replayed: true)
        }
        // One attempt at a time per device: the lock is read and the attempt recorded with no other
        // attempt of the device between them (concurrent ones would all pass a lock read first).
        guard
            let receipt = try await coordinator.ifFree(.device(request.device), { try await self.verifyHeld(request, respond: respond) })
        else { throw CertificationError.deviceBusy }
        return receipt
    }

    /// ``verify(_:respond:)`` holding the device's lock.
    func verifyHeld(_ request: Request, respond: @escaping @Sendable (Decision) -> StoredResponse) async throws -> Receipt {
        let (id, caller, device) = (request.person, request.caller, request.device)
        let state = try await store.verificationState(person: id, device: device, policy: policy.lockout)
        guard let person = state.person else { throw CertificationError.personNotFound(id) }
        // Outside the caller's unit is answered as no such person: a kiosk learns nothing of other districts.
        guard caller.covers(person) else { throw CertificationError.personNotFound(id) }
        try await refuseWhenLocked(state, request)
        guard let template = state.template, !template.isEmpty else {
            throw person.consentWithdrawn ? CertificationError.consentWithdrawn(id) : CertificationError.notEnrolled(id)
        }
        // Help at home: a staff key's verification answers an announced visit, whose code the
        // worker states (checked before the engine runs or the session is used); a relative's
        // phone is named as such. Either way the face matched is the person's own, live.
        var assistance: VerificationAttempt.Assistance?
        var visitTask: Int64?
        if caller.channel == .assisted {
            visitTask = try await store.checkVisitCode(person: id, code: request.visitCode, by: caller.actor)
            assistance = .assisted(worker: caller.actor)
        } else if let relative = request.relative {
            assistance = .byRelative(relative: relative)
        }
        let enrolled = template.compactMap(FaceEmbedding.init(values:))
        var match: Match
        switch request.capture {
        case .photo(let photo): match = try await matchOnly(photo, enrolled, id)
        case .liveness(let session, let frames): match = try await live(session, frames, request, enrolled)
        }
        var attempt = VerificationAttempt(
            person: id, keyID: caller.keyID, device: device, decision: match.decision, distance: match.distance, reasons: match.reasons,
            evidenceKind: caller.channel.evidenceKind)
        attempt.comparison = match.comparison
        attempt.assistance = assistance
        attempt.visitTaskID = visitTask
        switch assistance {
        case .assisted(let worker):
            (match.payload["mode"], match.payload["worker"]) = ("assisted", worker)
            match.payload["visit_task"] = visitTask.map(String.init)
        case .byRelative(let relative):
            (match.payload["mode"], match.payload["relative"]) = ("by_relative", relative)
            match.payload["device"] = request.phone
        case nil: break
        }
        match.payload["liveness"] = match.liveness.rawValue
        if let distance = match.distance { match.payload["distance"] = String(distance) }
        attempt.evidencePayload = AuditJSON.text(match.payload)
        let (threshold, decided) = (match.comparison?.threshold ?? policy.matchThreshold, match)
        let stored = try await store.record(attempt, tag: request.idempotency, escalateAfter: policy.lockout.maxFailures) { outcome in
            respond(
                Decision(
                    decision: decided.decision, person: id, distance: decided.distance, threshold: threshold, reasons: decided.reasons,
                    hintCode: decided.decision == .verified ? nil : decided.hintCode, liveness: decided.liveness,
                    attemptID: outcome.attemptID, ledger: outcome.ledger))
        }
        return Receipt(
            response: stored, replayed: false, decision: match.decision, livenessVerdict: match.verdict,
            livenessMilliseconds: match.milliseconds)
    }

    /// Records a locked attempt and refuses it with the time to wait. Only a device is locked: a
    /// person's failures open a field check instead, so typing a neighbour's ID cannot lock them out.
    func refuseWhenLocked(_ state: VerificationState, _ request: Request) async throws {
        let now = now()
        guard let until = state.deviceLock.lockedUntil, until > now else { return }
        let wait = Int(until.timeIntervalSince(now).rounded(.up))
        _ = try await store.record(
            VerificationAttempt(
                person: request.person, keyID: request.caller.keyID, device: request.device, decision: .locked, distance: nil,
                reasons: ["locked out"], evidenceKind: request.caller.channel.evidenceKind),
            tag: nil, escalateAfter: 0
        ) { _ in StoredResponse(status: 429, body: Data()) }
        throw CertificationError.lockedOut(seconds: wait, party: .device)
    }

    /// What the engine and the liveness analysis concluded, before it is recorded.
    struct Match {
        var decision = VerificationAttempt.Decision.retry
        var distance: Double?
        var reasons: [String] = []
        /// The reason as a stable code (see ``Decision/hintCode``).
        var hintCode: String?
        var liveness = LivenessOutcome.notChecked
        var payload: [String: String] = [:]
        var verdict: LivenessResult.Verdict?
        var milliseconds: Double?
        /// How the face was decided, when one was compared.
        var comparison: VerificationAttempt.Comparison?
    }

    /// The face compared with the template: with the cohort rule and a full cohort, verified when
    /// the normalized score is within the cohort threshold (the distance within its ceiling); else
    /// verified within the distance threshold. The attempt row and the evidence keep the rule, the
    /// score under it and the threshold; the distance is kept either way.
    func compared(_ best: Double, probe: FaceEmbedding?, enrolled: [FaceEmbedding], person: ResidentID, into match: inout Match) {
        match.distance = best.isFinite ? (best * 10000).rounded() / 10000 : nil
        var comparison = VerificationAttempt.Comparison(rule: .distance, score: best, threshold: policy.matchThreshold)
        if let rule = policy.cohort, let cohort, let probe {
            let members = cohort.count
            match.payload["cohort_members"] = String(members)
            if members >= rule.members,
                let score = cohort.score(
                    distance: best, probe: probe, references: enrolled, claimed: person.value, normalization: rule.normalization)
            {
                comparison = .init(rule: .cohort, score: score.z, threshold: rule.threshold)
            }
        }
        match.comparison = comparison
        match.payload["rule"] = comparison.rule.rawValue
        match.payload["score"] =
            comparison.score.isFinite ? String(format: "%.4f", comparison.score) : comparison.rule == .cohort ? "beyond_ceiling" : "none"
        match.payload["threshold"] = String(comparison.threshold)
        let verified = comparison.score <= comparison.threshold
        match.decision = verified ? .verified : .notVerified
        if match.decision == .notVerified {
            match.reasons = ["the face does not match the enrolled photo"]
            match.hintCode = "no_match"
        }
    }

    /// Match-only (an attended desk): one photo, its quality checked; a face that cannot be used
    /// (none, several, too small, too dark...) is a retry with the reasons.
    func matchOnly(_ photo: Data, _ enrolled: [FaceEmbedding], _ person: ResidentID) async throws(FaceEngineError) -> Match {
        var match = Match()
        match.payload["mode"] = "match_only"
        do throws(FaceEngineError) {
            let analysis = try await engine.analyze(photo, passive: true)
            if let passive = analysis.primaryFace.passive { match.payload["passive_real"] = String(format: "%.3f", passive.real) }
            var check = PhotoCheck.verification
            check.passiveAttackBelow = policy.deskPassiveAttackBelow
            let problems = check.problems(analysis)
            if problems.contains(where: { $0.code == "presentation_attack" }) {
                match.decision = .notVerified
                match.liveness = .presentationAttack
                match.reasons = problems.filter { $0.code == "presentation_attack" }.map(\.reason)
                match.hintCode = "presentation_attack"
                return match
            }
            guard problems.isEmpty else {
                match.reasons = problems.map(\.reason)
                match.hintCode = problems.first.map { "photo:\($0.code)" }
                return match
            }
            let embedding = analysis.primaryFace.embedding
            compared(
                GalleryRule.service.distance(embedding, to: enrolled), probe: embedding, enrolled: enrolled, person: person, into: &match)
        } catch {
            guard case .noFace = error else { throw error }
            match.reasons = ["no face found: look straight at the camera, with the whole face in view"]
            match.hintCode = "no_face"
        }
        return match
    }

}
