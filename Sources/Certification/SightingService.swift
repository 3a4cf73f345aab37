import Crypto
import FaceEngine
import Foundation
import Ledger

/// The face where the card is used (issue 30): a camera at a pharmacy or a community centre sends
/// one to three stills captured when a pensioner's card was used; the engine matches them 1:1
/// against the card holder's enrolled template and decides `confirmed`, `other_face` or
/// `no_decision`; the store records the sighting (never the still) with its effects. The engine
/// work runs on the engine's worker threads, never on an event loop.
public struct SightingService: Sendable {
    /// The settings the decision depends on.
    public struct Policy: Sendable {
        /// A distance at or under this is the card holder (the service's verification threshold or
        /// stricter: an unattended still has no liveness).
        public var confirmThreshold: Double
        /// A distance over this, on a face of good quality, is clearly another person (farther
        /// than genuine pairs fall but 1 in 1,000); between the two is `no_decision`.
        public var otherFaceThreshold: Double
        /// A passive score under this is a screen or a print (`no_decision`, `presentation_attack`).
        public var passiveAttackBelow: Double
        /// What a still's face must be to be compared at all: unattended stills are held to the
        /// reference photos' bar, so a poor capture of the living lands in `no_decision`.
        public var check = PhotoCheck(minInterEyePixels: 30, minSharpness: 15)

        /// The other-face threshold: 0.73, beyond which 2 of lfw-devtrain's 2,209 genuine pairs
        /// fall (0.0009) and 85% of its 20,000 impostor pairs (docs/sightings-thresholds.md), so a
        /// living person's poor capture lands in `no_decision`.
        public static let defaultOtherFaceThreshold = 0.73
        /// The confirm threshold for unattended stills: 0.50, at FMR 1e-4 on lfw-devtrain's 20,000
        /// impostor pairs (FNMR 0.196 against one photo; docs/sightings-thresholds.md). Stricter
        /// than an attended verification's: no liveness challenge, no one watching.
        public static let defaultConfirmThreshold = 0.50
        /// As for liveness frames (the lowest live camera frame measured 0.725; docs/liveness.md).
        public static let defaultPassiveAttackBelow = 0.5

        public init(
            confirmThreshold: Double, otherFaceThreshold: Double = defaultOtherFaceThreshold,
            passiveAttackBelow: Double = defaultPassiveAttackBelow
        ) {
            self.confirmThreshold = confirmThreshold
            self.otherFaceThreshold = otherFaceThreshold
            self.passiveAttackBelow = passiveAttackBelow
        }
    }

    /// What a camera sent for one use of a card.
    public struct Capture: Sendable {
        public var person: ResidentID
        public var captureID: String
        /// ISO 8601 with its offset, as sent.
        public var capturedAt: String
        /// The site and its unit; nil: the key's name and unit.
        public var site: String?
        public var unit: String?
        public var stills: [Data]

        public init(person: ResidentID, captureID: String, capturedAt: String, site: String?, unit: String?, stills: [Data]) {
            self.person = person
            self.captureID = captureID
            self.capturedAt = capturedAt
            self.site = site
            self.unit = unit
            self.stills = stills
        }
    }

    /// Why a sighting was refused before anything was decided: a code and words the vendor can act on.
    public struct Refusal: Error, Sendable, Equatable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    let store: any SightingStore
    let engine: FaceEngine
    public let policy: Policy
    /// The rules beyond the face (capture age, the other-face window).
    public let rules: SightingRules
    /// Resolves a unit code to its path (a gateway naming a site's unit), nil when unknown.
    let unitPath: @Sendable (String) async throws -> String?
    let now: @Sendable () -> Date

    public init(
        store: any SightingStore, engine: FaceEngine, policy: Policy, rules: SightingRules,
        unitPath: @escaping @Sendable (String) async throws -> String?, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.engine = engine
        self.policy = policy
        self.rules = rules
        self.unitPath = unitPath
        self.now = now
    }

    /// Most stills one sighting may carry.
    public static let maxStills = 3
    /// A distance under this to the enrolled template is the same photo (re-encoded or resized):
    /// two captures of a face, even a second apart, differ by more (lfw-devtrain's nearest genuine
    /// pair of different photos: 0.18).
    public static let samePhotoBelow = 0.05

    /// Checks, decides and records one sighting sent with `key` (a camera key). A replay of the
    /// site's capture id returns the first answer and changes nothing. Throws ``Refusal`` for what
    /// the camera sent wrong, `LedgerError` (`capture_in_future`, `capture_too_old`,
    /// `capture_id_reused`, `out_of_scope`), ``CertificationError/personNotFound(_:)`` for an ID
    /// not in the key's unit, and `FaceEngineError` for a still the engine cannot read or an engine
    /// that cannot take work.
    public func submit(_ capture: Capture, key: APIKey) async throws -> SightingAnswer {
        let site = (capture.site ?? key.name).trimmingCharacters(in: .whitespaces)
        // A camera key speaks for its own site (its name); a gateway names its sites' units, below
        // its own: a site is known by its unit and name, and a key must not invent sites of its unit.
        if site != key.name.trimmingCharacters(in: .whitespaces), capture.unit == nil || capture.unit == key.unitCode {
            throw Refusal(
                code: "invalid_site",
                message:
                    "this key sends for its own site, \(key.name); a gateway naming another site also names its unit, below the key's unit \(key.unitCode)"
            )
        }
        guard (1...100).contains(site.count), !site.contains(where: \.isNewline) else {
            throw Refusal(code: "invalid_site", message: "site names the camera's site in 1 to 100 characters")
        }
        guard (1...128).contains(capture.captureID.count), capture.captureID.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw Refusal(code: "invalid_capture_id", message: "capture_id must be 1 to 128 visible ASCII characters")
        }
        guard rules.confirms else {
            throw LedgerError(
                .sightingsNotInRules,
                "the rules in force have no strong video_confirmation kind (rules made before sightings): an operator proposes a rules version with it (fastcert rules show --json, docs/sightings.md) and a second approves it; until then sightings are not taken"
            )
        }
        guard (1...Self.maxStills).contains(capture.stills.count) else {
            throw Refusal(code: "invalid_stills", message: "send 1 to \(Self.maxStills) stills (parts named 'still')")
        }
        if let empty = capture.stills.firstIndex(where: \.isEmpty) {
            throw Refusal(code: "invalid_stills", message: "still \(empty + 1) is empty (0 bytes)")
        }
        guard let captured = Self.instant(capture.capturedAt) else {
            throw Refusal(
                code: "invalid_captured_at", message: "captured_at must be ISO 8601 with its offset, e.g. 2026-12-07T09:30:00+08:00")
        }
        let siteUnit = capture.unit ?? key.unitCode
        if siteUnit != key.unitCode {
            guard let path = try await unitPath(siteUnit) else {
                throw Refusal(code: "invalid_unit", message: "no unit \(siteUnit)")
            }
            guard key.covers(unitPath: path) else {
                throw LedgerError(
                    .outOfScope, "unit \(siteUnit) is outside this key's unit \(key.unitCode): a key speaks for its own sites")
            }
        }
        var hasher = SHA256()
        let stillHashes = capture.stills.map { Data(SHA256.hash(data: $0)) }
        for hash in stillHashes { hasher.update(data: hash) }
        let stillsSHA256 = Data(hasher.finalize())
        if let stored = try await store.storedSighting(
            siteUnit: siteUnit, site: site, captureID: capture.captureID, person: capture.person, stillsSHA256: stillsSHA256)
        {
            return stored
        }
        let arrived = now()
        if let refusal = rules.refusal(captured: captured, now: arrived) { throw refusal }
        // Outside the key's unit is answered as no such person: a camera learns nothing of other units.
        guard let subject = try await store.sightingSubject(capture.person), key.covers(unitPath: subject.person.unitPath) else {
            throw CertificationError.personNotFound(capture.person)
        }
        var sighting = Sighting(
            person: capture.person, captureID: capture.captureID, capturedAt: capture.capturedAt, capturedDay: Day(captured),
            site: site, siteUnit: siteUnit, keyID: key.id, actor: key.actor, stillsSHA256: stillsSHA256, stills: capture.stills.count,
            stillHashes: stillHashes, outcome: .noDecision, reason: "not_enrolled", confirmThreshold: policy.confirmThreshold,
            otherFaceThreshold: policy.otherFaceThreshold)
        if let template = subject.template, !template.isEmpty {
            try await decide(capture.stills, enrolled: template.compactMap(FaceEmbedding.init(values:)), into: &sighting)
        }
        return try await store.recordSighting(sighting, rules: rules, receivedOn: Day(arrived))
    }

    /// An ISO 8601 instant that carries its offset (`Z` or `+08:00`), or nil.
    static func instant(_ text: String) -> Date? {
        guard let time = text.firstIndex(of: "T"), text[time...].contains(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) else {
            return nil
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The stills against the template: a screen or a print on any still is `no_decision`
    /// (`presentation_attack`); otherwise the best distance among the stills whose face passes the
    /// quality check decides (`confirmed` at or under the confirm threshold, `other_face` over the
    /// other-face threshold, `no_decision` `uncertain` between); with none, the first problem.
    func decide(_ stills: [Data], enrolled: [FaceEmbedding], into sighting: inout Sighting) async throws {
        var best: (distance: Double, quality: FaceQuality)?
        var problem: String?
        var attack = false
        var lowestPassive: Double?
        var samePhoto = false
        for still in stills {
            let analysis: FaceAnalysis
            do {
                // Without the CNN fallback: ~0.6 s of a worker on a still HOG misses halves the
                // sightings decided a second (docs/benchmarks.md); such a still is `no_decision`.
                analysis = try await engine.analyze(still, passive: true, cnnFallback: false)
            } catch {
                guard case .noFace = error else { throw error }
                problem = problem ?? "no_face"
                continue
            }
            let face = analysis.primaryFace
            if let passive = face.passive {
                lowestPassive = min(lowestPassive ?? passive.real, passive.real)
                if passive.real < policy.passiveAttackBelow { attack = true }
            }
            if let first = policy.check.problems(analysis).first {
                problem = problem ?? "photo:\(first.code)"
                continue
            }
            let distance = GalleryRule.service.distance(face.embedding, to: enrolled)
            if best == nil || distance < best!.distance { best = (distance, face.quality) }
            // At (almost) no distance from one enrolled photo: that photo sent again, re-encoded or
            // resized, not a capture.
            if enrolled.contains(where: { GalleryRule.service.distance(face.embedding, to: [$0]) < Self.samePhotoBelow }) {
                samePhoto = true
            }
        }
        sighting.passiveReal = lowestPassive.map { ($0 * 1000).rounded() / 1000 }
        if let best {
            sighting.distance = best.distance.isFinite ? (best.distance * 10000).rounded() / 10000 : nil
            sighting.quality = String(
                format: "{\"inter_eye_pixels\":%.1f,\"sharpness\":%.1f,\"brightness\":%.1f}", best.quality.interEyePixels,
                best.quality.sharpness, best.quality.brightness)
        }
        switch (attack, best) {
        case (true, _): (sighting.outcome, sighting.reason) = (.noDecision, "presentation_attack")
        case (false, _) where samePhoto: (sighting.outcome, sighting.reason) = (.noDecision, "enrollment_photo")
        case (false, nil): (sighting.outcome, sighting.reason) = (.noDecision, problem ?? "no_face")
        case (false, let best?) where best.distance <= policy.confirmThreshold: (sighting.outcome, sighting.reason) = (.confirmed, "match")
        case (false, let best?) where best.distance > policy.otherFaceThreshold:
            (sighting.outcome, sighting.reason) = (.otherFace, "different_face")
        default: (sighting.outcome, sighting.reason) = (.noDecision, "uncertain")
        }
    }
}
