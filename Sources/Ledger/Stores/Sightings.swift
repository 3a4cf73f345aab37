import Foundation

/// The rules a sighting is held to beyond the face: how old a capture may be, and the window in
/// which two `other_face` sightings raise an alarm (the rules file's `sightings`).
public struct SightingRules: Sendable, Equatable {
    /// Two `other_face` sightings of one person within this many days put them on the attention
    /// list and open a field check (the rules file's `other_face_window_days`).
    public var otherFaceWindowDays: Int
    /// A capture older than this many days (by its `captured_at`) is refused (`capture_too_old`).
    public var maxCaptureAgeDays: Int
    /// A capture up to this many seconds after the service's clock is taken (a camera's clock runs
    /// fast); later is refused (`capture_in_future`).
    public var clockSkewSeconds: Int

    /// The rules version in force has the strong kind a confirmed sighting is recorded as
    /// (`video_confirmation`); a database whose rules predate sightings has not.
    public var confirms: Bool

    public init(otherFaceWindowDays: Int = 30, maxCaptureAgeDays: Int = 7, clockSkewSeconds: Int = 300, confirms: Bool = true) {
        self.confirms = confirms
        self.otherFaceWindowDays = otherFaceWindowDays
        self.maxCaptureAgeDays = maxCaptureAgeDays
        self.clockSkewSeconds = clockSkewSeconds
    }

    /// The rules in force: the rules file's `sightings.other_face_window_days` and
    /// `sightings.max_capture_age_days`.
    public static func current(_ rules: LedgerRules) -> SightingRules {
        SightingRules(
            otherFaceWindowDays: rules.sightings.other_face_window_days, maxCaptureAgeDays: rules.sightings.max_capture_age_days,
            confirms: rules.kind("video_confirmation")?.class == .strong)
    }

    /// Why a capture at `captured` cannot be taken at `now`, or nil.
    public func refusal(captured: Date, now: Date) -> LedgerError? {
        let ahead = captured.timeIntervalSince(now)
        if ahead > Double(clockSkewSeconds) {
            return LedgerError(
                .captureInFuture,
                "captured_at is \(Int(ahead)) s after the service's clock (at most \(clockSkewSeconds) s allowed): check the camera's clock"
            )
        }
        if -ahead > Double(maxCaptureAgeDays) * 86_400 {
            return LedgerError(
                .captureTooOld,
                "captured_at is more than \(maxCaptureAgeDays) days ago: the rules take captures of the last \(maxCaptureAgeDays) days")
        }
        return nil
    }
}

/// One sighting as decided, before it is recorded: what the camera sent (never the still: its
/// hash), what the engine found, and what was decided. The still itself is never stored.
public struct Sighting: Sendable, Equatable {
    /// What the engine concluded about the face on the card holder's behalf.
    public enum Outcome: String, Sendable, CaseIterable, Codable {
        /// The card holder's face: strong evidence `video_confirmation`.
        case confirmed
        /// A face of good quality that is clearly not the card holder's: two within the window
        /// raise an alarm.
        case otherFace = "other_face"
        /// No face, too small or blurred, a screen or a print, not enrolled, or a distance between
        /// the two thresholds: recorded, no effect.
        case noDecision = "no_decision"
    }

    public var person: ResidentID
    /// The camera's own id for the capture: one answer per site and capture id.
    public var captureID: String
    /// When the card was used (ISO 8601 with its offset, as sent).
    public var capturedAt: String
    /// The day of the capture, which the evidence is dated.
    public var capturedDay: Day
    /// The site (a pharmacy, a community centre) and the unit it lies in.
    public var site: String
    public var siteUnit: String
    /// The camera or gateway key that sent it, and the actor recorded (``ActorID``).
    public var keyID: String
    public var actor: String
    /// SHA-256 over the stills' own SHA-256 digests, in the order sent: a replay is recognised by it.
    public var stillsSHA256: Data
    public var stills: Int
    /// Each still's own SHA-256, in the order sent: a still seen before for the person, or one of
    /// their enrollment photos, decides nothing (``SightingService`` and the store check).
    public var stillHashes: [Data]
    public var outcome: Outcome
    /// A stable code: `match`, `different_face`, `no_face`, `photo:<problem>`, `presentation_attack`,
    /// `not_enrolled`, `uncertain`, `still_seen_before`, `enrollment_photo`.
    public var reason: String
    /// The best distance to the enrolled template, when a face was compared (4 decimals).
    public var distance: Double?
    /// The passive anti-spoofing score (lowest over the stills), when one was computed.
    public var passiveReal: Double?
    /// The best still's quality (JSON: inter-eye pixels, sharpness, brightness).
    public var quality: String?
    /// The thresholds the decision was made against.
    public var confirmThreshold: Double
    public var otherFaceThreshold: Double

    public init(
        person: ResidentID, captureID: String, capturedAt: String, capturedDay: Day, site: String, siteUnit: String, keyID: String,
        actor: String, stillsSHA256: Data, stills: Int, stillHashes: [Data] = [], outcome: Outcome, reason: String,
        distance: Double? = nil,
        passiveReal: Double? = nil, quality: String? = nil, confirmThreshold: Double, otherFaceThreshold: Double
    ) {
        self.person = person
        self.captureID = captureID
        self.capturedAt = capturedAt
        self.capturedDay = capturedDay
        self.site = site
        self.siteUnit = siteUnit
        self.keyID = keyID
        self.actor = actor
        self.stillsSHA256 = stillsSHA256
        self.stills = stills
        self.stillHashes = stillHashes
        self.outcome = outcome
        self.reason = reason
        self.distance = distance
        self.passiveReal = passiveReal
        self.quality = quality
        self.confirmThreshold = confirmThreshold
        self.otherFaceThreshold = otherFaceThreshold
    }
}

/// What a camera is told about its sighting: the outcome and its reason code, never a distance or
/// anything of the person's ledger (a camera reads nothing).
public struct SightingAnswer: Sendable, Equatable, Codable {
    public var sightingId: Int64
    public var captureId: String
    public var site: String
    public var outcome: Sighting.Outcome
    public var reason: String
    /// True when this answer is the one given before for the same site and capture id.
    public var replayed: Bool

    public init(sightingId: Int64, captureId: String, site: String, outcome: Sighting.Outcome, reason: String, replayed: Bool) {
        self.sightingId = sightingId
        self.captureId = captureId
        self.site = site
        self.outcome = outcome
        self.reason = reason
        self.replayed = replayed
    }
}

/// Sightings counted by outcome in one unit (by the site's unit).
public struct SightingCounts: Sendable, Equatable, Codable {
    public var unit: String
    public var confirmed: Int
    public var otherFace: Int
    public var noDecision: Int
    /// The `no_decision` sightings by reason code.
    public var noDecisionReasons: [String: Int]

    public init(unit: String, confirmed: Int = 0, otherFace: Int = 0, noDecision: Int = 0, noDecisionReasons: [String: Int] = [:]) {
        self.unit = unit
        self.confirmed = confirmed
        self.otherFace = otherFace
        self.noDecision = noDecision
        self.noDecisionReasons = noDecisionReasons
    }
}

/// What sightings need from persistence: the person and their template before the engine runs,
/// the answer already given for a capture, the one transaction that records a sighting with its
/// effects, and the counts. Storage's `SightingRecordStore` implements it.
public protocol SightingStore: Sendable {
    /// The person and their opened template (nil: not enrolled), or nil when no such resident ID.
    func sightingSubject(_ id: ResidentID) async throws -> (person: PersonRecord, template: [[Float]]?)?
    /// The answer given before for the site and capture id, or nil; `capture_id_reused` when it
    /// was for another person or other stills.
    func storedSighting(siteUnit: String, site: String, captureID: String, person: ResidentID, stillsSHA256: Data) async throws
        -> SightingAnswer?
    /// Records the sighting and its effects in one transaction: a `confirmed` is strong evidence
    /// `video_confirmation` applied to the ledger; an `other_face` that is the second within the
    /// window raises the alarm. A replay that raced it returns the stored answer.
    func recordSighting(_ sighting: Sighting, rules: SightingRules, receivedOn: Day) async throws -> SightingAnswer
    /// Sightings captured in `from...until` at sites in each of `units` (each unit's subtree).
    func sightingCounts(units: [String], from: Day, until: Day) async throws -> [SightingCounts]
}
